package ipc

import (
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// peerPID reads the peer's pid with SO_PEERCRED; 0 when it cannot.
func peerPID(c net.Conn) int {
	raw, err := rawConn(c)
	if err != nil {
		return 0
	}
	pid := 0
	_ = raw.Control(func(fd uintptr) {
		if cred, err := unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
			pid = int(cred.Pid)
		}
	})
	return pid
}

// procExe is the executable of pid, from /proc/<pid>/exe; "" when unknown.
func procExe(pid int) string {
	if pid <= 0 {
		return ""
	}
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		return ""
	}
	return exe
}

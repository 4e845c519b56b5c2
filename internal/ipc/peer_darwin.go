package ipc

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// maxSocketPath is sun_path (104 bytes) less its terminating NUL.
const maxSocketPath = 103

// peerUID reads the peer's uid with LOCAL_PEERCRED.
func peerUID(c net.Conn) (uid int, supported bool, err error) {
	raw, err := rawConn(c)
	if err != nil {
		return -1, true, err
	}
	var cred *unix.Xucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptXucred(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	}); err != nil {
		return -1, true, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return -1, true, fmt.Errorf("peer credentials: %w", credErr)
	}
	return int(cred.Uid), true, nil
}

// peerPID reads the peer's pid with LOCAL_PEERPID.
func peerPID(c net.Conn) (pid int, supported bool, err error) {
	raw, err := rawConn(c)
	if err != nil {
		return 0, true, err
	}
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		pid, credErr = unix.GetsockoptInt(int(fd), unix.SOL_LOCAL, unix.LOCAL_PEERPID)
	}); err != nil {
		return 0, true, fmt.Errorf("peer pid: %w", err)
	}
	if credErr != nil {
		return 0, true, fmt.Errorf("peer pid: %w", credErr)
	}
	return pid, true, nil
}

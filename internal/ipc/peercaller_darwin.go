package ipc

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// procExe is the executable of pid from the kern.procargs2 sysctl (argc,
// then the exec path, NUL-terminated); "" when unknown. macOS has no /proc.
func procExe(pid int) string {
	if pid <= 0 {
		return ""
	}
	buf, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil || len(buf) < 5 {
		return ""
	}
	path := buf[4:]
	if i := bytes.IndexByte(path, 0); i >= 0 {
		path = path[:i]
	}
	return string(path)
}

// procParent is the parent pid of pid (kern.proc.pid sysctl); 0 when unknown.
func procParent(pid int) int {
	if pid <= 0 {
		return 0
	}
	kp, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0
	}
	return int(kp.Eproc.Ppid)
}

package ipc

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// maxSocketPath is sun_path (108 bytes) less its terminating NUL.
const maxSocketPath = 107

// peerUID reads the peer's uid with SO_PEERCRED.
func peerUID(c net.Conn) (uid int, supported bool, err error) {
	raw, err := rawConn(c)
	if err != nil {
		return -1, true, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return -1, true, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return -1, true, fmt.Errorf("peer credentials: %w", credErr)
	}
	return int(cred.Uid), true, nil
}

// peerPID reads the peer's pid with SO_PEERCRED: for a client, the pid of
// the process that made the listening socket.
func peerPID(c net.Conn) (pid int, supported bool, err error) {
	raw, err := rawConn(c)
	if err != nil {
		return 0, true, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, true, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		return 0, true, fmt.Errorf("peer credentials: %w", credErr)
	}
	return int(cred.Pid), true, nil
}

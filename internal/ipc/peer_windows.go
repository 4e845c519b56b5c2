package ipc

import (
	"errors"
	"net"
	"syscall"
)

// maxSocketPath is sun_path (108 bytes) less its terminating NUL.
const maxSocketPath = 107

// Windows has no socket file modes worth the name and reports AF_UNIX
// files oddly: the file's ACL (inherited from the user's profile) guards it.
const (
	chmodUnsupported     = true
	socketModeUnreliable = true
)

// peerUID: Windows has no peer uid for AF_UNIX sockets.
func peerUID(net.Conn) (uid int, supported bool, err error) { return -1, false, nil }

// peerPID is not implemented here either.
func peerPID(net.Conn) (pid int, supported bool, err error) { return 0, false, nil }

const wsaeconnrefused = syscall.Errno(10061)

func isConnRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, wsaeconnrefused)
}

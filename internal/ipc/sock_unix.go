//go:build !windows

package ipc

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

const (
	chmodUnsupported     = false
	socketModeUnreliable = false
)

func isConnRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// rawConn is the socket under c, for getsockopt.
func rawConn(c net.Conn) (syscall.RawConn, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("peer credentials: %T is not a Unix socket connection", c)
	}
	return uc.SyscallConn()
}

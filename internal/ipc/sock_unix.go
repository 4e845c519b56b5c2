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
	// A connection wrapped by a listener (the connection cap) hands out
	// the socket itself.
	for {
		w, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		c = w.NetConn()
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("peer credentials: %T is not a Unix socket connection", c)
	}
	return uc.SyscallConn()
}

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
)

// UntrustedError means the process serving the socket runs as another
// user: its answers are not believed (DESIGN.md section 10). Someone who
// could place a socket in the home could otherwise feed the CLI fake
// names, URLs to open and pids to signal.
type UntrustedError struct {
	Socket string
	UID    int
}

func (e *UntrustedError) Error() string {
	return fmt.Sprintf("the process serving %s runs as uid %d, not as you (uid %d): not trusted", e.Socket, e.UID, os.Getuid())
}

// Peer is who serves the socket, from the kernel's peer credentials.
type Peer struct {
	UID, PID int
	// Known is false where the OS cannot tell (then UID and PID are 0).
	Known bool
}

// dialTrusted connects to the socket and refuses a server of another uid.
func dialTrusted(ctx context.Context, socketPath string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socketPath)
	if err != nil {
		return nil, err
	}
	uid, supported, err := peerUID(c)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("token daemon socket %s: %w", socketPath, err)
	}
	if supported && uid != os.Getuid() {
		c.Close()
		return nil, &UntrustedError{Socket: socketPath, UID: uid}
	}
	return c, nil
}

// SocketPeer tells who serves socketPath without sending a request: a
// daemon that is still starting (or whose API is stuck) has the socket
// listening before it answers, and the kernel already knows its pid. A
// server of another uid is *UntrustedError; nobody listening is
// ErrNotRunning.
func SocketPeer(ctx context.Context, socketPath string) (Peer, error) {
	c, err := dialTrusted(ctx, socketPath)
	if err != nil {
		var ue *UntrustedError
		if errors.As(err, &ue) {
			return Peer{}, err
		}
		if errors.Is(err, fs.ErrNotExist) || isConnRefused(err) {
			return Peer{}, fmt.Errorf("%w (no answer on %s)", ErrNotRunning, socketPath)
		}
		return Peer{}, err
	}
	defer c.Close()
	uid, supported, err := peerUID(c)
	if err != nil || !supported {
		return Peer{}, err
	}
	pid, supported, err := peerPID(c)
	if err != nil || !supported {
		return Peer{}, err
	}
	return Peer{UID: uid, PID: pid, Known: true}, nil
}

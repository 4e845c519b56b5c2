package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ErrAlreadyRunning means another daemon answers on the socket.
var ErrAlreadyRunning = errors.New("token daemon is already running")

// Listen makes the socket at socketPath: its directory is made (or fixed)
// 0700, a stale socket left by a crashed daemon is removed, a live one is
// ErrAlreadyRunning, and the new socket is made 0600. Closing the listener
// removes the socket file.
//
// Two daemons racing through Listen are kept apart by the pid file lock the
// caller holds (DESIGN.md section 5), not here.
func Listen(socketPath string) (net.Listener, error) {
	if len(socketPath) > maxSocketPath {
		return nil, fmt.Errorf("listen %s: socket path is %d bytes long, the system allows %d", socketPath, len(socketPath), maxSocketPath)
	}
	dir := filepath.Dir(socketPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("listen %s: %w", socketPath, err)
	}
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", socketPath, err)
	}
	if info.Mode().Perm()&^0o700 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("listen %s: make its directory private: %w", socketPath, err)
		}
	}
	if err := removeStale(socketPath); err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", socketPath)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", socketPath, err)
	}
	if err := os.Chmod(socketPath, 0o600); err != nil && !chmodUnsupported {
		ln.Close()
		return nil, fmt.Errorf("listen %s: %w", socketPath, err)
	}
	return ln, nil
}

// removeStale removes a socket nobody answers on.
func removeStale(socketPath string) error {
	info, err := os.Lstat(socketPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listen %s: %w", socketPath, err)
	}
	if info.Mode().Type() != fs.ModeSocket && !socketModeUnreliable {
		return fmt.Errorf("listen %s: a file that is not a socket is in the way", socketPath)
	}
	c, err := net.DialTimeout("unix", socketPath, 2*time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("listen %s: %w", socketPath, ErrAlreadyRunning)
	}
	if !isConnRefused(err) {
		return fmt.Errorf("listen %s: check the existing socket: %w", socketPath, err)
	}
	if err := os.Remove(socketPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("listen %s: remove stale socket: %w", socketPath, err)
	}
	return nil
}

//go:build !windows

package cli

import (
	"os"
	"os/exec"
	"syscall"
)

// peerCredsSupported: Linux and macOS tell who serves a socket (the BSDs
// lack a pid for it and refuse to guess).
const peerCredsSupported = true

// terminate asks p to stop gracefully.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// signalNumber is the signal that ended a child, 0 if none.
func signalNumber(e *exec.ExitError) int {
	if ws, ok := e.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal())
	}
	return 0
}

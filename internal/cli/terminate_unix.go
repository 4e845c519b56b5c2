//go:build !windows

package cli

import (
	"os"
	"os/exec"
	"syscall"
)

// terminate asks p to stop gracefully.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

// signalNumber is the signal that ended a child, 0 if none.
func signalNumber(e *exec.ExitError) int {
	if ws, ok := e.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return int(ws.Signal())
	}
	return 0
}

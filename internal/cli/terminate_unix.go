//go:build !windows

package cli

import (
	"os"
	"syscall"
)

// terminate asks p to stop gracefully.
func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }

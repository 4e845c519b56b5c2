//go:build windows

package cli

import (
	"os"
	"os/exec"
)

// terminate stops p; Windows has no SIGTERM for a detached process.
func terminate(p *os.Process) error { return p.Kill() }

// signalNumber: Windows ends processes without signals.
func signalNumber(*exec.ExitError) int { return 0 }

// peerCredsSupported: Windows has no peer credentials for AF_UNIX sockets.
const peerCredsSupported = false

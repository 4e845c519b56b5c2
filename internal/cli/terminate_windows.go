//go:build windows

package cli

import "os"

// terminate stops p; Windows has no SIGTERM for a detached process.
func terminate(p *os.Process) error { return p.Kill() }

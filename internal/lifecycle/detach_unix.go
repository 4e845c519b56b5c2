//go:build !windows

package lifecycle

import (
	"os/exec"
	"syscall"
)

// Detach makes cmd start in a new session, so it outlives the terminal.
func Detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

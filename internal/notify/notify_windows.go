//go:build windows

package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
)

// toastBackend shows toasts through PowerShell. A script cannot receive a
// toast's activation, so it shows no actions.
type toastBackend struct{ path string }

func newBackend(_ *slog.Logger, _ events) (backend, error) {
	path, err := exec.LookPath("powershell.exe")
	if err != nil {
		return nil, fmt.Errorf("find powershell.exe: %w", err)
	}
	return toastBackend{path: path}, nil
}

func (b toastBackend) Show(ctx context.Context, m message) (uint32, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.path, powerShellArgs()...)
	cmd.Env = append(os.Environ(), toastEnv(m)...)
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true}
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("powershell toast: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return 0, nil
}

func (toastBackend) Withdraw(context.Context, uint32) error {
	return errors.ErrUnsupported
}

func (toastBackend) HasActions() bool { return false }

func (toastBackend) Alive() bool { return true }

func (toastBackend) Close() error { return nil }

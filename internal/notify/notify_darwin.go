//go:build darwin

package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os/exec"
	"strings"
)

// osascriptBackend shows notifications with osascript. macOS gives a
// script no way to attach actions, so clicks do not come back.
type osascriptBackend struct{ path string }

func newBackend(_ *slog.Logger, _ events) (backend, error) {
	path, err := exec.LookPath("osascript")
	if err != nil {
		return nil, fmt.Errorf("find osascript: %w", err)
	}
	return osascriptBackend{path: path}, nil
}

func (b osascriptBackend) Show(ctx context.Context, m message) (uint32, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, b.path, osascriptArgs(m)...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("osascript: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return 0, nil
}

func (osascriptBackend) Withdraw(context.Context, uint32) error {
	return errors.ErrUnsupported
}

func (osascriptBackend) HasActions() bool { return false }

func (osascriptBackend) Alive() bool { return true }

func (osascriptBackend) Close() error { return nil }

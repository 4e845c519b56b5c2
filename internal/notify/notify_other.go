//go:build !linux && !darwin && !windows

package notify

import (
	"errors"
	"log/slog"
)

// newBackend: this OS has no supported notification service; notices go to
// the log.
func newBackend(_ *slog.Logger, _ events) (backend, error) {
	return nil, errors.New("no desktop notification service on this OS")
}

package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/openwatch"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// openCounter counts opens of token files by other programs as use
// (DESIGN.md section 12): openwatch reports them, tokenfile notes the
// daemon's own opens so that they are told apart. Where the OS does not
// report opens it does nothing.
type openCounter struct {
	dir    string
	logger *slog.Logger
	core   *daemon.Daemon
	w      *openwatch.Watcher // armed; nil until the auth dir exists
	again  chan struct{}      // a change in the auth dir: try to arm again
	// unsupported: this OS does not report opens.
	unsupported bool
}

// newOpenCounter arms the watch before the core reads anything, so that
// the opens it notes are all answered by an event.
func newOpenCounter(dir string, logger *slog.Logger, core *daemon.Daemon) *openCounter {
	c := &openCounter{dir: dir, logger: logger, core: core, again: make(chan struct{}, 1)}
	c.arm()
	return c
}

func (c *openCounter) arm() {
	tokenfile.TrackOwnOpens(true)
	w, err := openwatch.New(c.dir, openwatch.Options{Logger: c.logger, Own: tokenfile.ClaimOwnOpen, Lost: tokenfile.ForgetOwnOpens})
	if err != nil {
		tokenfile.TrackOwnOpens(false)
		if errors.Is(err, openwatch.ErrUnsupported) {
			c.unsupported = true
		} else {
			c.logger.Info("not counting opens of token files for now", "err", err)
		}
		return
	}
	// Opens noted before the watch was armed have no event to claim them.
	tokenfile.ForgetOwnOpens()
	c.w = w
}

// changed is told of every change in the auth dir (it may have appeared).
func (c *openCounter) changed() {
	select {
	case c.again <- struct{}{}:
	default:
	}
}

// run reports opens to the core until ctx ends; a watch that fails (the
// auth dir removed, or missing at start) is armed again at the next change
// in the auth dir.
func (c *openCounter) run(ctx context.Context) {
	defer tokenfile.TrackOwnOpens(false)
	if c.unsupported {
		return
	}
	for {
		if c.w != nil {
			err := c.w.Run(ctx, c.core.RecordOpens)
			c.w = nil
			tokenfile.TrackOwnOpens(false)
			if ctx.Err() != nil {
				return
			}
			c.logger.Info("not counting opens of token files for now", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-c.again:
			c.arm()
		}
	}
}

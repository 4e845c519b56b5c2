package daemon

// TEMPORARY: signatures of the daemon API, replaced by the real
// implementation. Do not ship.

import (
	"context"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Daemon is the running core.
type Daemon struct{}

// New checks cfg and deps, fills defaults, loads persisted state.
func New(cfg Config, deps Deps) (*Daemon, error) { panic("not implemented") }

// Run scans the auth dir, schedules refreshes and serves until ctx ends;
// in-flight refreshes are finished or cancelled without half-written files.
func (d *Daemon) Run(ctx context.Context) error { panic("not implemented") }

// Ready is closed once the first scan is done.
func (d *Daemon) Ready() <-chan struct{} { panic("not implemented") }

// Snapshot returns the state of every token, sorted by file name.
func (d *Daemon) Snapshot() []TokenState { panic("not implemented") }

// Refresh refreshes the named files now (file names as in TokenState.File)
// and waits for the outcomes. all=true refreshes every refreshable file.
func (d *Daemon) Refresh(ctx context.Context, names []string, all bool) []RefreshResult {
	panic("not implemented")
}

// FileChanged tells the core that name (a base name in the auth dir) was
// created, written, removed or renamed; name "" asks for a full rescan.
func (d *Daemon) FileChanged(name string) { panic("not implemented") }

// Subscribe returns a channel of state changes; cancel releases it. A slow
// subscriber loses events rather than blocking the core.
func (d *Daemon) Subscribe() (events <-chan Event, cancel func()) { panic("not implemented") }

// SystemClock returns the real clock.
func SystemClock() Clock { panic("not implemented") }

// StateOf is a file's state as seen without a running daemon.
func StateOf(f *tokenfile.File, now time.Time, ahead time.Duration) TokenState {
	panic("not implemented")
}

// Resolve finds the one token named by query: file name with or without
// .json, alias or email. No match: ErrNotFound; several: *AmbiguousError.
func Resolve(states []TokenState, query string) (TokenState, error) {
	panic("not implemented")
}

package daemon

import (
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// DefaultQuiet is how long a file that stopped parsing is given before it is
// published as invalid: the watcher's quiet time, so that a writer that
// truncates and writes in place (in pieces, with pauses) is seen only once it
// is done. A file that parses is published at the first event.
const DefaultQuiet = 100 * time.Millisecond

// maxHoldFactor bounds a hold whose invalid content keeps changing (a writer
// that never finishes): it is published maxHoldFactor×Quiet after the first
// invalid read, as the watcher bounds a burst.
const maxHoldFactor = 10

// hold is a file read as invalid whose publication waits for quiet.
type hold struct {
	first time.Time // the first invalid read
	since time.Time // the last invalid read that found other bytes
	hash  [32]byte  // what that read found
	asked bool      // the re-read after quiet was requested
}

// end is when the hold's quiet period is over.
func (h *hold) end(quiet time.Duration) time.Time {
	if capAt := h.first.Add(maxHoldFactor * quiet); capAt.Before(h.since.Add(quiet)) {
		return capAt
	}
	return h.since.Add(quiet)
}

// holdLocked reports whether what was read of name must not be published
// yet: a file that does not parse now but was usable (or new, or missing)
// before may be mid-write. The first such read starts the quiet period, and
// one that finds other (still invalid) bytes starts it again; a re-read is
// requested when it ends (nextHoldLocked, askHeldLocked), and a read then,
// still invalid and unchanged, is published. Any usable read ends the hold.
func (d *Daemon) holdLocked(name string, e *entry, f *tokenfile.File, now time.Time) bool {
	if f == nil || f.Invalid == "" || !d.scanned() {
		delete(d.holds, name)
		return false
	}
	if e != nil && e.missingSince.IsZero() && e.file.Invalid != "" {
		return false // invalid already: nothing to protect
	}
	h, ok := d.holds[name]
	if !ok {
		d.holds[name] = &hold{first: now, since: now, hash: f.Hash}
		return true
	}
	if f.Hash != h.hash {
		h.since, h.hash, h.asked = now, f.Hash, false
	}
	if now.Before(h.end(d.cfg.Quiet)) {
		return true
	}
	delete(d.holds, name)
	return false
}

// nextHoldLocked returns when the earliest held file's quiet period ends.
func (d *Daemon) nextHoldLocked() (time.Time, bool) {
	var next time.Time
	for _, h := range d.holds {
		if h.asked {
			continue
		}
		if at := h.end(d.cfg.Quiet); next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, !next.IsZero()
}

// askHeldLocked requests a re-read of every held file whose quiet is over.
func (d *Daemon) askHeldLocked(now time.Time) {
	for name, h := range d.holds {
		if !h.asked && !now.Before(h.end(d.cfg.Quiet)) {
			h.asked = true
			d.requeue(name)
		}
	}
}

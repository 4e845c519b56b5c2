package daemon

import (
	"context"
	"fmt"
	"maps"
)

// Handed-off files (DESIGN.md section 13): `export --handoff` gives the
// refreshing of rotating tokens to another machine. While a file holds the
// bytes that were exported it is read-only here (static, reason "handed
// off"); any change of its bytes (an import, a login, a refresh elsewhere
// copied in) ends that by itself. Keeping the set on disk is the caller's
// job: the core only holds it.

// HandOff replaces the handed-off set (file name → sha256 of the exported
// bytes). Files in it stop being refreshed at once: the set applies before
// HandOff returns, and a refresh already in flight for one of them is
// waited for, so that afterwards the caller can read each file again and
// know that its bytes are the last ones this machine writes (if a flight
// changed them, they are no longer the handed-off bytes: hand off the new
// ones). Files no longer in the set are read again and refreshed as usual.
func (d *Daemon) HandOff(ctx context.Context, set map[string][32]byte) error {
	set = maps.Clone(set)
	if set == nil {
		set = map[string][32]byte{}
	}
	d.optsMu.Lock()
	prev := d.handoff.Load()
	d.handoff.Store(&set)
	d.optsMu.Unlock()

	// A flight reads its entry's file outside the lock: an entry in flight
	// keeps its file until the flight ends, then gets the set.
	pending := map[string]bool{}
	for name := range set {
		pending[name] = true
	}
	for {
		var flights []*flight
		now := d.clock.Now()
		d.mu.Lock()
		for name, e := range d.entries {
			_, handed := set[name]
			switch {
			case handed && !pending[name]:
			case handed && e.flight != nil:
				flights = append(flights, e.flight)
			case handed:
				delete(pending, name)
				if f := e.file.WithHandoff(set); f != e.file {
					e.file = f
					d.planLocked(e, now)
					d.emitLocked(e, now)
				}
			case (prev != nil && hasKey(*prev, name)) || e.file.HandedOff:
				d.requeue(name) // read again without the handoff
			}
		}
		d.mu.Unlock()
		d.flush()
		if len(flights) == 0 {
			return nil
		}
		for _, fl := range flights {
			select {
			case <-fl.done:
			case <-ctx.Done():
				return fmt.Errorf("hand off: waiting for a refresh in flight: %w", ctx.Err())
			}
		}
		prev = &set // given back already: only the flights' entries are left
	}
}

// HandedOff is the handed-off set in force.
func (d *Daemon) HandedOff() map[string][32]byte {
	if h := d.handoff.Load(); h != nil {
		return maps.Clone(*h)
	}
	return map[string][32]byte{}
}

func hasKey(m map[string][32]byte, k string) bool { _, ok := m[k]; return ok }

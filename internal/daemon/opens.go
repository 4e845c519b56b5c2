package daemon

import (
	"time"

	"github.com/routecodex/token-daemon/internal/health"
)

// Opens of token files by other programs (DESIGN.md section 12): an
// adapter that watches the auth dir (inotify IN_OPEN on Linux) tells the
// core with RecordOpens; they count as use, beside the broker's accesses.

// RecordOpens counts n opens of file (a name as in TokenState.File) by
// other programs. Unknown names (temporary files, lock files) are ignored.
func (d *Daemon) RecordOpens(file string, n int) {
	if n <= 0 {
		return
	}
	now := d.clock.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.entries[file]
	if e == nil {
		return
	}
	if d.opens == nil {
		d.opens = map[string]*usageBook{}
	}
	b := d.opens[file]
	if b == nil {
		b = &usageBook{}
		d.opens[file] = b
	}
	quiet := !b.last.IsZero() && now.Sub(b.last) < accessEventGap && now.Sub(b.last) >= 0
	b.add(now) // the current hour is now the last bucket
	b.hours[len(b.hours)-1].N += n - 1
	if quiet {
		d.dirty.Store(true)
	} else {
		d.emitLocked(e, now) // also marks the state dirty
	}
}

// opensLocked adds the opens of file to u.
func (d *Daemon) opensLocked(file string, now time.Time, u *Usage) {
	b := d.opens[file]
	if b == nil {
		return
	}
	o := b.at(now)
	u.Opens24h, u.Opens7d, u.LastOpen = o.Last24h, o.Last7d, o.LastAccess
}

func (d *Daemon) opensToDiskLocked(keep func(string) bool) map[string]persistedUsage {
	if len(d.opens) == 0 {
		return nil
	}
	out := make(map[string]persistedUsage, len(d.opens))
	for name, b := range d.opens {
		if keep(name) {
			out[name] = persistedUsage{LastAccess: b.last, Hours: append([]hourCount(nil), b.hours...)}
		}
	}
	return out
}

// healthOf scores s: its status, expiry, refreshability and record (the
// last attempts of history, the failure streak, the last successful
// refresh) and its use (broker accesses and opens).
func healthOf(s TokenState, now time.Time, ahead time.Duration, history []Attempt) health.Report {
	in := health.Input{
		Status: string(s.Status), Now: now, ExpiresAt: s.ExpiresAt, Lead: ahead, Refreshable: s.Refreshable,
		Failures: s.Failures, LastOK: s.LastRefreshAt,
		Uses24h: s.Usage.Last24h + s.Usage.Opens24h, Uses7d: s.Usage.Last7d + s.Usage.Opens7d,
	}
	for _, a := range history {
		in.Attempts++
		if a.Error == "" {
			in.Successes++
		}
	}
	return health.Score(in)
}

package daemon

import (
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Planning: when each entry needs attention next, and what runs then.

// runDue handles every entry whose time has come.
func (d *Daemon) runDue(now time.Time) {
	d.mu.Lock()
	defer d.flush()
	defer d.mu.Unlock()
	if d.stopping {
		return
	}
	for _, e := range d.heap.popDue(now) {
		switch {
		case !e.missingSince.IsZero():
			if now.Sub(e.missingSince) >= missingKeep {
				if e.pending != nil {
					d.log.Warn("dropping refreshed tokens that waited 24 h for their file", "file", e.name)
					d.removePending(e)
					e.pending = nil
				}
				delete(d.entries, e.name)
				delete(d.history, e.name)
				d.log.Info("forgetting missing token file", "file", e.name)
				d.emitTypeLocked(EventRemoved, e, now)
				d.dirty.Store(true)
			} else {
				d.planLocked(e, now)
			}
		case d.autoRefreshableLocked(e):
			d.startFlightLocked(e, flightRefresh, false)
		default:
			d.checkFileNoticeLocked(e, now)
			d.clusterAlertLocked(e, now)
			d.emitLocked(e, now)
			d.planLocked(e, now)
		}
	}
}

func (d *Daemon) autoRefreshableLocked(e *entry) bool {
	if !d.cfg.AutoRefresh || e.flight != nil || e.pending != nil || !e.file.Refreshable() {
		return false
	}
	if d.cl.port != nil && !d.cl.port.MayRefresh() {
		return false
	}
	return e.fail != failReauth && e.fail != failMisconfigured
}

// safetyNet runs every CheckInterval: pending writes and enrichments.
func (d *Daemon) safetyNet(now time.Time) {
	d.rereadRetries()
	d.retryPendingWrites()
	d.mu.Lock()
	defer d.flush()
	defer d.mu.Unlock()
	if d.stopping {
		return
	}
	for _, e := range d.entries {
		if e.pending != nil {
			d.dropStalePendingLocked(e, now)
			if e.pending == nil {
				d.planLocked(e, now)
				d.emitLocked(e, now)
			}
		}
		if e.enrichPending && e.flight == nil && e.pending == nil && !now.Before(e.enrichAt) && e.missingSince.IsZero() {
			d.startFlightLocked(e, flightEnrich, false)
		}
	}
}

// retryMisconfigured gives every misconfigured file another try after the
// client-secret file changed.
func (d *Daemon) retryMisconfigured() {
	now := d.clock.Now()
	d.mu.Lock()
	defer d.flush()
	defer d.mu.Unlock()
	for _, e := range d.entries {
		if e.fail == failMisconfigured {
			d.clearFailLocked(e)
			d.planLocked(e, now)
			d.emitLocked(e, now)
		}
	}
}

// planLocked (re)places e in the heap.
func (d *Daemon) planLocked(e *entry, now time.Time) {
	due, isRefresh := d.dueLocked(e, now)
	if isRefresh {
		e.nextRefreshAt = due
	} else {
		e.nextRefreshAt = time.Time{}
	}
	d.heap.set(e, due)
	d.signal()
}

// dueLocked says when e needs attention next, and whether that is a refresh.
func (d *Daemon) dueLocked(e *entry, now time.Time) (time.Time, bool) {
	if !e.missingSince.IsZero() {
		return e.missingSince.Add(missingKeep), false
	}
	if e.flight != nil || e.pending != nil {
		return time.Time{}, false // the flight reschedules; pending writes retry on ticks
	}
	f := e.file
	if f.Watch {
		return d.watchWakeLocked(e, now), false
	}
	if !f.Refreshable() {
		// A known provider's file without refresh token turns needs_reauth
		// at expiry: wake then to tell the user.
		if f.Invalid == "" && !f.ReadOnly && f.Provider != "" && f.RefreshToken == "" &&
			!f.ExpiresAt.IsZero() && f.ExpiresAt.After(now) && e.notified != NoticeNeedsReauth {
			return f.ExpiresAt, false
		}
		return time.Time{}, false
	}
	if !d.cfg.AutoRefresh {
		return d.expiryWakeLocked(e, now), false
	}
	var due time.Time
	switch e.fail {
	case failReauth, failMisconfigured:
		return time.Time{}, false
	case failBackoff, failSlow:
		if e.retryAt.IsZero() {
			return time.Time{}, false
		}
		due = e.retryAt
	default:
		switch {
		case f.AccessToken == "":
			due = now
		case f.ExpiresAt.IsZero():
			return time.Time{}, false // no expiry: nothing to refresh
		default:
			due = d.refreshDue(e, f)
		}
		// A provider answering tiny lifetimes cannot make a loop: one chain
		// is never refreshed twice within minRefreshGap.
		if e.chainOwn && !e.lastRefreshAt.IsZero() {
			if floor := e.lastRefreshAt.Add(minRefreshGap); due.Before(floor) {
				due = floor
			}
		}
	}
	if wake, hold := d.clusterWaitLocked(e, due, now); hold {
		if wake.IsZero() {
			return wake, false
		}
		if wake.Before(now) {
			wake = now
		}
		return wake.Round(0), false
	}
	if due.Before(now) {
		due = now
	}
	return due.Round(0), true
}

// refreshDue is when f's token is due: expiry − lead − jitter, except for a
// token whose lifetime is known. One that lives shorter than the lead is
// refreshed at 75 % of its lifetime (else every refresh would be due at
// once); a longer one not before half its lifetime.
func (d *Daemon) refreshDue(e *entry, f *tokenfile.File) time.Time {
	due := f.ExpiresAt.Add(-d.cfg.RefreshAhead - e.jitter)
	if e.chainStart.IsZero() {
		return due
	}
	life := f.ExpiresAt.Sub(e.chainStart)
	switch {
	case life <= 0:
		return due
	case life < d.cfg.RefreshAhead:
		return e.chainStart.Add(life * 3 / 4)
	default:
		if half := e.chainStart.Add(life / 2); due.Before(half) {
			return half
		}
		return due
	}
}

package daemon

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Status, snapshots, the event stream and notices.

// statusLocked is e's status with the daemon's overlay.
func (d *Daemon) statusLocked(e *entry, now time.Time) (tokenfile.Status, string) {
	switch {
	case !e.missingSince.IsZero() && e.pending != nil:
		return tokenfile.StatusMissing, fmt.Sprintf("file removed; its new tokens wait in .%s.pending until it is back (24 h at most)", e.name)
	case !e.missingSince.IsZero():
		return tokenfile.StatusMissing, reasonFileRemoved
	case e.refreshing:
		return tokenfile.StatusRefreshing, ""
	case e.pending != nil && e.pending.waiting:
		// The refresh counts as done only once written.
		return tokenfile.StatusRefreshing, e.pending.reason
	case e.pending != nil:
		return tokenfile.StatusRefreshFailed, e.pending.reason
	case e.fail == failReauth:
		return tokenfile.StatusNeedsReauth, e.reason
	case e.fail == failMisconfigured || e.fail == failSlow:
		return tokenfile.StatusRefreshFailed, e.reason
	}
	return e.file.StatusAt(now, d.cfg.RefreshAhead)
}

func (d *Daemon) stateLocked(e *entry, now time.Time) TokenState {
	s := StateOf(e.file, now, d.cfg.RefreshAhead)
	s.Status, s.Reason = d.statusLocked(e, now)
	if e.fail == failMisconfigured && e.problem != "" && s.Reason == e.reason {
		s.ReasonCode, s.ReasonArgs = ReasonConfigCode+e.problem, e.problemArgs
	}
	if !e.missingSince.IsZero() {
		s.Refreshable = false
	}
	s.LastRefreshAt = e.lastRefreshAt
	s.NextRefreshAt = e.nextRefreshAt
	s.LastError = e.lastError
	s.Failures = e.failures
	s.Usage = d.usageLocked(e.name, now)
	s.Health = healthOf(s, now, d.cfg.RefreshAhead, d.history[e.name])
	return s
}

// Snapshot returns the state of every token, sorted by file name.
func (d *Daemon) Snapshot() []TokenState {
	now := d.clock.Now()
	d.mu.Lock()
	// Sort the entries, not the states: a state is a large struct, and
	// swapping 10,000 of them cost more than building them.
	es := make([]*entry, 0, len(d.entries))
	for _, e := range d.entries {
		es = append(es, e)
	}
	slices.SortFunc(es, func(a, b *entry) int { return strings.Compare(a.name, b.name) })
	out := make([]TokenState, len(es))
	for i, e := range es {
		out[i] = d.stateLocked(e, now)
	}
	d.mu.Unlock()
	return out
}

// Subscribe returns a channel of state changes; cancel releases it. A slow
// subscriber loses events rather than blocking the core.
func (d *Daemon) Subscribe() (events <-chan Event, cancel func()) {
	ch := make(chan Event, subscriberBuf)
	d.mu.Lock()
	id := d.nextSub
	d.nextSub++
	d.subs[id] = ch
	d.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			d.mu.Lock()
			delete(d.subs, id)
			d.mu.Unlock()
			close(ch)
		})
	}
}

func (d *Daemon) emitLocked(e *entry, now time.Time) { d.emitTypeLocked(EventToken, e, now) }

func (d *Daemon) emitTypeLocked(t EventType, e *entry, now time.Time) {
	d.dirty.Store(true)
	d.sendLocked(t, e, now)
}

// sendLocked sends e's state to the subscribers without marking the state
// file dirty.
func (d *Daemon) sendLocked(t EventType, e *entry, now time.Time) {
	if len(d.subs) == 0 {
		return
	}
	ev := Event{Type: t, At: now, Token: d.stateLocked(e, now)}
	for _, ch := range d.subs {
		select {
		case ch <- ev:
		default: // slow subscriber: drop rather than block the core
		}
	}
}

// noticeLocked queues one notice per state change: a repeat of the last
// notice kind for e is dropped.
func (d *Daemon) noticeLocked(e *entry, kind NoticeKind, reason string) {
	if kind != NoticeRefreshed {
		if e.notified == kind {
			return
		}
		e.notified = kind
	}
	if d.notif == nil {
		return
	}
	d.outbox = append(d.outbox, Notice{
		Kind: kind, File: e.name, DisplayName: e.file.DisplayName, Provider: e.file.Provider, Reason: reason,
		Login: e.file.Login, Watch: e.file.Watch,
	})
}

// flush delivers queued notices outside the lock (a notifier may be slow).
func (d *Daemon) flush() {
	d.mu.Lock()
	out := d.outbox
	d.outbox = nil
	d.mu.Unlock()
	for _, n := range out {
		d.notif.Notify(n)
	}
}

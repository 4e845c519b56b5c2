package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Policy constants of DESIGN.md section 4.
const (
	backoffBase     = 30 * time.Second
	backoffJitter   = 0.20
	slowRetry       = 15 * time.Minute
	maxJitter       = 60 * time.Second
	missingKeep     = 24 * time.Hour
	minRefreshGap   = time.Minute // never refresh one file twice within this, whatever its lifetime
	enrichRetryBase = 30 * time.Second
	subscriberBuf   = 256
)

// failKind is where a file stands after failed refreshes.
type failKind string

const (
	failNone          failKind = ""
	failBackoff       failKind = "backoff"       // transient, retrying with backoff
	failSlow          failKind = "slow"          // retries used up: refresh_failed, slow retries
	failReauth        failKind = "reauth"        // permanent: needs_reauth
	failMisconfigured failKind = "misconfigured" // needs a config fix: refresh_failed, no retries
)

// entry is the core's state of one token file. Guarded by Daemon.mu.
type entry struct {
	name   string
	file   *tokenfile.File // last content read or written; never logged
	jitter time.Duration   // fixed per file so reschedules do not move it around

	fail      failKind
	reason    string
	lastError string
	failures  int
	retryAt   time.Time

	lastRefreshAt time.Time
	nextRefreshAt time.Time
	missingSince  time.Time

	ownHash [32]byte // sha256 of the daemon's last write of this file
	hasOwn  bool
	writes  uint64 // count of own writes, to spot a read racing a write

	pending       *pendingWrite // tokens received but not yet on disk
	enrichPending bool
	enrichAt      time.Time
	enrichTries   int

	flight     *flight
	refreshing bool
	recheck    bool // a change arrived during a flight: re-read after it

	notified NoticeKind // last notice for the current state; "" once recovered

	due   time.Time
	index int // in the heap, -1 when not
}

// Daemon is the running core.
type Daemon struct {
	cfg   Config
	clock Clock
	prov  Providers
	notif Notifier
	log   *slog.Logger
	rand  func() float64
	write func(path string, u tokenfile.Update, ifRefreshToken *string) (tokenfile.WriteResult, error)

	ready   chan struct{}
	wake    chan struct{}
	syncReq chan chan struct{}
	started atomic.Bool
	dirty   atomic.Bool

	chMu    sync.Mutex
	changes map[string]bool // pending FileChanged names, "" = rescan

	mu       sync.Mutex
	entries  map[string]*entry
	heap     dueHeap
	runCtx   context.Context
	stopping bool
	subs     map[int]chan Event
	nextSub  int
	outbox   []Notice
	restored map[string]persistedFile // loaded state, applied at first sight of a file

	history map[string][]Attempt // last refresh attempts by file name; guarded by mu

	// opts is the file model's configuration once SetAlias changed it.
	opts   atomic.Pointer[tokenfile.Options]
	optsMu sync.Mutex // serialises SetAlias

	limits   *limiter
	wg       sync.WaitGroup
	lastSave time.Time // loop goroutine only
}

// New checks cfg and deps, fills defaults, loads persisted state.
func New(cfg Config, deps Deps) (*Daemon, error) {
	if cfg.AuthDir == "" {
		return nil, errors.New("daemon: no auth dir")
	}
	if deps.Providers == nil {
		return nil, errors.New("daemon: no providers")
	}
	if cfg.RefreshAhead <= 0 {
		cfg.RefreshAhead = 30 * time.Minute
	}
	if cfg.CheckInterval <= 0 {
		cfg.CheckInterval = 60 * time.Second
	}
	if cfg.MaxRetries < 0 {
		return nil, fmt.Errorf("daemon: maxRetries %d is negative", cfg.MaxRetries)
	}
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = 8
	}
	if cfg.PerProvider <= 0 {
		cfg.PerProvider = 4
	}
	d := &Daemon{
		cfg:     cfg,
		clock:   deps.Clock,
		prov:    deps.Providers,
		notif:   deps.Notifier,
		log:     deps.Logger,
		rand:    deps.Rand,
		write:   tokenfile.Write,
		ready:   make(chan struct{}),
		wake:    make(chan struct{}, 1),
		syncReq: make(chan chan struct{}),
		changes: map[string]bool{},
		entries: map[string]*entry{},
		subs:    map[int]chan Event{},
		limits:  newLimiter(cfg.MaxConcurrent, cfg.PerProvider),
	}
	if d.clock == nil {
		d.clock = SystemClock()
	}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.rand == nil {
		d.rand = rand.Float64
	}
	d.restored = d.loadState()
	return d, nil
}

// Ready is closed once the first scan is done.
func (d *Daemon) Ready() <-chan struct{} { return d.ready }

// scanned reports whether the first scan is done.
func (d *Daemon) scanned() bool {
	select {
	case <-d.ready:
		return true
	default:
		return false
	}
}

// Run scans the auth dir, schedules refreshes and serves until ctx ends;
// in-flight refreshes are finished or cancelled without half-written files.
func (d *Daemon) Run(ctx context.Context) error {
	if !d.started.CompareAndSwap(false, true) {
		return errors.New("daemon: Run called twice")
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.mu.Lock()
	d.runCtx = runCtx
	d.mu.Unlock()

	d.log.Info("daemon starting", "authDir", d.cfg.AuthDir, "autoRefresh", d.cfg.AutoRefresh,
		"refreshAhead", d.cfg.RefreshAhead, "checkInterval", d.cfg.CheckInterval)
	d.rescan()
	d.mu.Lock()
	files := len(d.entries)
	d.mu.Unlock()
	d.log.Info("auth dir scanned", "files", files)
	close(d.ready)

	timer := d.clock.NewTimer(time.Hour)
	timer.Stop()
	tick := d.clock.NewTimer(d.cfg.CheckInterval)
	lastTick := d.clock.Now()
	var waiters []chan struct{}
	for {
		now := d.clock.Now()
		d.runDue(now)
		var timerC <-chan time.Time
		d.mu.Lock()
		if next := d.heap.peek(); next != nil {
			timer.Reset(next.due.Sub(now))
			timerC = timer.C()
		} else {
			timer.Stop()
		}
		d.mu.Unlock()
		d.saveIfDirty(false)
		for _, w := range waiters {
			close(w)
		}
		waiters = nil

		onTick := func() {
			now := d.clock.Now()
			// Timers run on the monotonic clock, which stops during sleep;
			// a tick far later than expected in wall time means a resume or a
			// clock jump, and whatever is overdue runs at once (runDue).
			if late := now.Sub(lastTick) - d.cfg.CheckInterval; late > d.cfg.CheckInterval || late < -d.cfg.CheckInterval {
				d.log.Info("clock jump or resume detected", "by", late.Round(time.Second))
			}
			lastTick = now
			tick.Reset(d.cfg.CheckInterval)
			d.safetyNet(now)
		}
		select {
		case <-ctx.Done():
			d.shutdown(timer, tick)
			for _, w := range waiters {
				close(w)
			}
			return nil
		case <-timerC:
		case <-tick.C():
			onTick()
		case <-d.wake:
			d.drainChanges()
		case w := <-d.syncReq:
			waiters = append(waiters, w)
			// A sync answers only after whatever was already pending.
			select {
			case <-tick.C():
				onTick()
			default:
			}
			select {
			case <-d.wake:
				d.drainChanges()
			default:
			}
		}
	}
}

func (d *Daemon) shutdown(timer, tick Timer) {
	timer.Stop()
	tick.Stop()
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	d.log.Info("daemon stopping: waiting for in-flight refreshes")
	d.wg.Wait()
	d.dirty.Store(true)
	d.saveIfDirty(true)
	d.log.Info("daemon stopped")
}

// signal wakes the loop (non-blocking, coalesced).
func (d *Daemon) signal() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// FileChanged tells the core that name (a base name in the auth dir) was
// created, written, removed or renamed; name "" asks for a full rescan. It
// only records the name and wakes the loop.
func (d *Daemon) FileChanged(name string) {
	if name != "" {
		name = filepath.Base(name)
		if tokenfile.Skip(name) && name != clientsFile {
			return
		}
	}
	d.chMu.Lock()
	d.changes[name] = true
	d.chMu.Unlock()
	d.signal()
}

// clientsFile holds client secrets; its change may cure a misconfigured file.
const clientsFile = "oauth-clients.local.json"

func (d *Daemon) drainChanges() {
	d.chMu.Lock()
	names := d.changes
	d.changes = map[string]bool{}
	d.chMu.Unlock()
	if names[""] {
		d.rescan()
	}
	for name := range names {
		switch name {
		case "":
		case clientsFile:
			d.retryMisconfigured()
		default:
			if !names[""] {
				d.reread(name)
			}
		}
	}
	if len(names) > 0 {
		d.retryPendingWrites()
	}
}

// rescan reads the whole auth dir: new files are added, changed ones
// re-read, vanished ones marked missing.
func (d *Daemon) rescan() {
	d.mu.Lock()
	gens := make(map[string]uint64, len(d.entries))
	for name, e := range d.entries {
		gens[name] = e.writes
	}
	d.mu.Unlock()
	files, err := tokenfile.Scan(d.cfg.AuthDir, d.fileOptions())
	if err != nil {
		d.log.Error("scan auth dir", "dir", d.cfg.AuthDir, "err", err)
		return
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		seen[f.Name] = true
		gen, known := gens[f.Name]
		d.apply(f.Name, f, gen, known)
	}
	d.mu.Lock()
	var gone []string
	for name, e := range d.entries {
		if !seen[name] && e.missingSince.IsZero() {
			gone = append(gone, name)
		}
	}
	// Files remembered as missing that never showed up again stay missing.
	for name, p := range d.restored {
		if p.MissingSince != nil && !seen[name] && d.entries[name] == nil {
			e := d.newEntryLocked(name, &tokenfile.File{Name: name, Path: filepath.Join(d.cfg.AuthDir, name)})
			e.missingSince = *p.MissingSince
			e.notified = NoticeKind(p.Notified)
			delete(d.restored, name)
			d.planLocked(e, d.clock.Now())
		}
	}
	d.mu.Unlock()
	for _, name := range gone {
		gen, known := gens[name]
		d.apply(name, nil, gen, known)
	}
}

// reread re-reads one file after a change notice.
func (d *Daemon) reread(name string) {
	d.mu.Lock()
	e := d.entries[name]
	var gen uint64
	if e != nil {
		if e.flight != nil {
			e.recheck = true // the flight is writing this file: look after it
			d.mu.Unlock()
			return
		}
		gen = e.writes
	}
	d.mu.Unlock()

	path := filepath.Join(d.cfg.AuthDir, name)
	var f *tokenfile.File
	if _, err := os.Lstat(path); err == nil {
		f = tokenfile.Read(path, d.fileOptions())
	} else if !errors.Is(err, os.ErrNotExist) {
		d.log.Warn("stat token file", "file", name, "err", err)
		return
	}
	d.apply(name, f, gen, e != nil)
}

// apply records what was read of name (nil: the file is gone). gen and
// known guard against a read that raced one of the daemon's own writes.
func (d *Daemon) apply(name string, f *tokenfile.File, gen uint64, known bool) {
	now := d.clock.Now()
	d.mu.Lock()
	defer d.flush()
	defer d.mu.Unlock()
	e := d.entries[name]
	if known && (e == nil || e.flight != nil || e.writes != gen) {
		// Our own write landed while we were reading: read again later.
		if e != nil && e.flight != nil {
			e.recheck = true
		} else {
			d.requeue(name)
		}
		return
	}
	if f == nil {
		if e == nil || !e.missingSince.IsZero() {
			return
		}
		e.missingSince = now
		e.nextRefreshAt = time.Time{}
		if e.pending != nil {
			d.log.Warn("token file removed while refreshed tokens were waiting to be written; dropping them", "file", name)
			e.pending = nil
		}
		d.log.Warn("token file missing", "file", name)
		d.noticeLocked(e, NoticeMissing, "file removed")
		d.planLocked(e, now)
		d.emitLocked(e, now)
		return
	}
	if e == nil {
		e = d.newEntryLocked(name, f)
		d.restoreLocked(e)
		// The first scan logs one summary line instead (Run): a line per file
		// at every start would flood the log of a large auth dir.
		if d.scanned() {
			d.log.Info("token file added", "file", name, "provider", f.Provider)
		}
		d.checkFileNoticeLocked(e, now)
		d.planLocked(e, now)
		d.emitLocked(e, now)
		return
	}
	if e.missingSince.IsZero() && f.Hash == e.file.Hash {
		if sameIdentity(f, e.file) {
			return // touched, not changed
		}
		// Same bytes, new configuration (an alias): a new name, same tokens.
		e.file = f
		d.planLocked(e, now)
		d.emitLocked(e, now)
		return
	}
	if e.hasOwn && f.Hash == e.ownHash && e.missingSince.IsZero() {
		e.file = f // our own write coming back through the watcher
		return
	}
	d.log.Info("token file changed outside the daemon", "file", name)
	e.file = f
	e.missingSince = time.Time{}
	e.hasOwn = false
	d.clearFailLocked(e)
	d.checkFileNoticeLocked(e, now)
	d.planLocked(e, now)
	d.emitLocked(e, now)
}

func (d *Daemon) requeue(name string) {
	d.chMu.Lock()
	d.changes[name] = true
	d.chMu.Unlock()
	d.signal()
}

func (d *Daemon) newEntryLocked(name string, f *tokenfile.File) *entry {
	lead := d.cfg.RefreshAhead / 10
	if lead > maxJitter {
		lead = maxJitter
	}
	e := &entry{name: name, file: f, index: -1, jitter: time.Duration(d.rand() * float64(lead))}
	d.entries[name] = e
	return e
}

// clearFailLocked forgets failures after an external change or success.
func (d *Daemon) clearFailLocked(e *entry) {
	e.fail = failNone
	e.reason = ""
	e.lastError = ""
	e.failures = 0
	e.retryAt = time.Time{}
	e.notified = ""
}

// checkFileNoticeLocked tells the user once about a file that needs a login
// by its own content (no refresh token past expiry).
func (d *Daemon) checkFileNoticeLocked(e *entry, now time.Time) {
	if !e.missingSince.IsZero() || e.fail != failNone {
		return
	}
	if st, reason := e.file.StatusAt(now, d.cfg.RefreshAhead); st == tokenfile.StatusNeedsReauth {
		d.noticeLocked(e, NoticeNeedsReauth, reason)
	}
	d.expiryNoticeLocked(e, now)
}

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
			d.emitLocked(e, now)
			d.planLocked(e, now)
		}
	}
}

func (d *Daemon) autoRefreshableLocked(e *entry) bool {
	if !d.cfg.AutoRefresh || e.flight != nil || e.pending != nil || !e.file.Refreshable() {
		return false
	}
	return e.fail != failReauth && e.fail != failMisconfigured
}

// safetyNet runs every CheckInterval: pending writes and enrichments.
func (d *Daemon) safetyNet(now time.Time) {
	d.retryPendingWrites()
	d.mu.Lock()
	defer d.flush()
	defer d.mu.Unlock()
	if d.stopping {
		return
	}
	for _, e := range d.entries {
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
			due = f.ExpiresAt.Add(-d.cfg.RefreshAhead - e.jitter)
		}
		// A provider whose tokens live shorter than the lead would make every
		// refresh due at once: never refresh again before half the new
		// lifetime (and minRefreshGap) has passed.
		if !e.lastRefreshAt.IsZero() {
			floor := e.lastRefreshAt.Add(minRefreshGap)
			if f.ExpiresAt.After(e.lastRefreshAt) {
				if half := e.lastRefreshAt.Add(f.ExpiresAt.Sub(e.lastRefreshAt) / 2); half.After(floor) {
					floor = half
				}
			}
			if due.Before(floor) {
				due = floor
			}
		}
	}
	if due.Before(now) {
		due = now
	}
	return due.Round(0), true
}

// statusLocked is e's status with the daemon's overlay.
func (d *Daemon) statusLocked(e *entry, now time.Time) (tokenfile.Status, string) {
	switch {
	case !e.missingSince.IsZero():
		return tokenfile.StatusMissing, "file removed"
	case e.refreshing:
		return tokenfile.StatusRefreshing, ""
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
	if !e.missingSince.IsZero() {
		s.Refreshable = false
	}
	s.LastRefreshAt = e.lastRefreshAt
	s.NextRefreshAt = e.nextRefreshAt
	s.LastError = e.lastError
	s.Failures = e.failures
	return s
}

// Snapshot returns the state of every token, sorted by file name.
func (d *Daemon) Snapshot() []TokenState {
	now := d.clock.Now()
	d.mu.Lock()
	out := make([]TokenState, 0, len(d.entries))
	for _, e := range d.entries {
		out = append(out, d.stateLocked(e, now))
	}
	d.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].File < out[j].File })
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

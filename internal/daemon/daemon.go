package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
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
	minRefreshGap   = 10 * time.Second // never refresh one token chain twice within this, whatever its lifetime
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

	fail   failKind
	reason string
	// problem and problemArgs code a misconfigured failure's reason
	// (provider.Error's Problem), valid while fail is failMisconfigured.
	problem     string
	problemArgs []string
	lastError   string
	failures    int
	retryAt     time.Time

	lastRefreshAt time.Time
	nextRefreshAt time.Time
	missingSince  time.Time

	// chainStart is when the token in the file was issued, as far as known
	// (zero: unknown); chainOwn says the daemon issued it by a refresh, so
	// the floor between two refreshes of one chain applies.
	chainStart time.Time
	chainOwn   bool

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
	// changedInFlight: an external write was applied during the flight.
	changedInFlight bool

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
	src   Sources // other tools' files (sources.go); nil when none
	// pendingPaths are the token file paths of the .pending answers found
	// at start, by name (sources' files are not in the auth dir).
	pendingPaths map[string]string

	ready   chan struct{}
	wake    chan struct{}
	syncReq chan chan struct{}
	started atomic.Bool
	dirty   atomic.Bool
	// usageDirty: broker counts changed since the last save; they make the
	// state dirty only at the next tick (broker.go).
	usageDirty atomic.Bool

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
	// loadedPending are answers found in .pending files at start, attached
	// at first sight of their file.
	loadedPending map[string]*pendingWrite
	afterAnswer   func(file string)
	retryReads    map[string]bool  // names whose read failed for a passing reason; guarded by chMu
	holds         map[string]*hold // files read as invalid, waiting for quiet (hold.go)

	history map[string][]Attempt  // last refresh attempts by file name; guarded by mu
	opens   map[string]*usageBook // opens by other programs (opens.go); guarded by mu
	brk     broker                // token broker: access log, usage counters (broker.go)

	// opts is the file model's configuration once SetAlias changed it.
	opts   atomic.Pointer[tokenfile.Options]
	optsMu sync.Mutex // serialises SetAlias
	// handoff is the handed-off set in force (handoff.go); it outlives
	// Reconfigure, which carries none.
	handoff atomic.Pointer[map[string][32]byte]

	limits   *limiter
	cl       clusterState // cluster mode (cluster.go)
	wg       sync.WaitGroup
	lastSave time.Time // loop goroutine only
	saves    saver     // state saves off the loop (state.go)
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
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.Quiet <= 0 {
		cfg.Quiet = DefaultQuiet
	}
	d := &Daemon{
		cfg:         cfg,
		clock:       deps.Clock,
		prov:        deps.Providers,
		notif:       deps.Notifier,
		log:         deps.Logger,
		rand:        deps.Rand,
		write:       tokenfile.Write,
		ready:       make(chan struct{}),
		wake:        make(chan struct{}, 1),
		syncReq:     make(chan chan struct{}),
		changes:     map[string]bool{},
		retryReads:  map[string]bool{},
		afterAnswer: deps.AfterAnswer,
		entries:     map[string]*entry{},
		holds:       map[string]*hold{},
		subs:        map[int]chan Event{},
		limits:      newLimiter(cfg.MaxConcurrent, cfg.PerProvider),
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
	d.cl.port = deps.Cluster
	d.withSources(deps.Sources)
	if h := maps.Clone(cfg.FileOptions.HandedOff); h != nil {
		d.handoff.Store(&h)
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
// a request already sent is awaited (up to Config.RequestTimeout) and its
// answer written; requests not yet sent are cancelled.
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
	d.loadedPending = d.loadPending()
	d.rescan()
	d.adoptPendingOfAbsentFiles()
	d.retryPendingWrites()
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
		d.askHeldLocked(now)
		next, ok := d.nextHoldLocked()
		if e := d.heap.peek(); e != nil && (!ok || e.due.Before(next)) {
			next, ok = e.due, true
		}
		if ok {
			timer.Reset(next.Sub(now))
			timerC = timer.C()
		} else {
			timer.Stop()
		}
		d.mu.Unlock()
		d.saveIfDirty(false)
		if len(waiters) > 0 {
			d.saves.wait() // a sync also means the state file is written
		}
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
			if d.usageDirty.Load() {
				d.dirty.Store(true)
			}
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

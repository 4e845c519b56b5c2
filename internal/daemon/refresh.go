package daemon

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

type flightKind int

const (
	flightRefresh flightKind = iota // provider refresh, then write, then enrich
	flightEnrich                    // a later retry of a failed enrichment
)

// flight is one piece of work on one file; at most one per file, so a
// manual and a scheduled refresh never run at once (the second joins).
type flight struct {
	kind   flightKind
	manual bool
	done   chan struct{}
	// waiters counts the manual Refresh calls waiting for it (under d.mu).
	waiters int
	// set before done is closed
	err    error
	status tokenfile.Status
}

// pendingWrite holds tokens the provider gave that could not be written. The
// old refresh token may already be dead (rotation), so no new refresh starts
// while one exists; the write is retried instead.
type pendingWrite struct {
	update tokenfile.Update // holds secrets: never logged
	usedRT string           // refresh token the refresh used: condition of the write
	enrich bool             // the provider wants an enrichment once written
	reason string
}

// limiter bounds refreshes in flight, in total and per provider.
type limiter struct {
	total      chan struct{}
	per        int
	mu         sync.Mutex
	byProvider map[string]chan struct{}
}

func newLimiter(total, per int) *limiter {
	return &limiter{total: make(chan struct{}, total), per: per, byProvider: map[string]chan struct{}{}}
}

// acquire takes a provider slot, then a global one (always in this order,
// so a file waiting for its provider never holds a global slot).
func (l *limiter) acquire(ctx context.Context, prov string) (release func(), err error) {
	l.mu.Lock()
	pc := l.byProvider[prov]
	if pc == nil {
		pc = make(chan struct{}, l.per)
		l.byProvider[prov] = pc
	}
	l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case pc <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case l.total <- struct{}{}:
	case <-ctx.Done():
		<-pc
		return nil, ctx.Err()
	}
	return func() { <-l.total; <-pc }, nil
}

// startFlightLocked starts work on e in its own goroutine.
func (d *Daemon) startFlightLocked(e *entry, kind flightKind, manual bool) *flight {
	fl := &flight{kind: kind, manual: manual, done: make(chan struct{})}
	e.flight = fl
	e.nextRefreshAt = time.Time{}
	d.heap.set(e, time.Time{})
	d.wg.Add(1)
	go d.runFlight(d.runCtx, e, fl)
	return fl
}

func (d *Daemon) runFlight(ctx context.Context, e *entry, fl *flight) {
	defer d.wg.Done()
	defer close(fl.done)
	d.mu.Lock()
	f := e.file
	d.mu.Unlock()

	p, ok := d.prov.Get(f.Provider)
	if !ok {
		err := &provider.Error{Provider: f.Provider, Class: provider.Misconfigured,
			Description: fmt.Sprintf("no provider %q is configured", f.Provider)}
		d.finish(e, fl, func(now time.Time) { d.failedLocked(e, fl, err, now) })
		return
	}
	switch fl.kind {
	case flightEnrich:
		d.retryEnrich(ctx, e, fl, f, p)
	default:
		d.refresh(ctx, e, fl, f, p)
	}
}

// refresh is one refresh of f: provider call, then the token write (first,
// so a rotated refresh token is on disk before anything else), then the
// optional enrichment in a second write.
func (d *Daemon) refresh(ctx context.Context, e *entry, fl *flight, f *tokenfile.File, p provider.Provider) {
	// The limits bound requests to providers: the slot is held for the
	// provider call only, not for the (local) write.
	release, err := d.limits.acquire(ctx, f.Provider)
	if err != nil {
		d.finish(e, fl, func(time.Time) { fl.err = fmt.Errorf("refresh %s: %w", e.name, ErrStopped) })
		return
	}
	d.mu.Lock()
	e.refreshing = true
	attempt := e.failures + 1
	d.emitLocked(e, d.clock.Now())
	d.mu.Unlock()
	d.log.Info("refresh attempt", "file", e.name, "provider", f.Provider, "attempt", attempt, "manual", fl.manual)

	upd, err := p.Refresh(ctx, f)
	release()
	if err != nil {
		if ctx.Err() != nil {
			d.log.Info("refresh cancelled by shutdown", "file", e.name)
			d.finish(e, fl, func(time.Time) { fl.err = fmt.Errorf("refresh %s: %w", e.name, ErrStopped) })
			return
		}
		d.finish(e, fl, func(now time.Time) { d.failedLocked(e, fl, err, now) })
		return
	}

	// tokenfile.Write takes no context: a token already received is written
	// even when shutdown has begun.
	used := f.RefreshToken
	res, werr := d.write(f.Path, upd, &used)
	enricher, enrich := p.(provider.Enricher)
	switch {
	case errors.Is(werr, tokenfile.ErrConflict):
		d.log.Info("refresh conflict: another program refreshed the file first; keeping its tokens", "file", e.name)
		onDisk := tokenfile.Read(f.Path, d.fileOptions())
		d.finish(e, fl, func(now time.Time) {
			e.file = onDisk
			d.clearFailLocked(e)
		})
		return
	case errors.Is(werr, fs.ErrNotExist):
		d.log.Warn("token file vanished before the refreshed tokens could be written; dropping them", "file", e.name)
		d.finish(e, fl, func(time.Time) { fl.err = fmt.Errorf("refresh %s: %w", e.name, werr) })
		d.requeue(e.name)
		return
	case werr != nil:
		pw := &pendingWrite{update: upd, usedRT: used, enrich: enrich, reason: "write failed: " + werr.Error()}
		d.log.Error("refreshed tokens could not be written; keeping them in memory and retrying the write",
			"file", e.name, "err", werr)
		d.finish(e, fl, func(now time.Time) {
			e.pending = pw
			e.lastError = pw.reason
			fl.err = fmt.Errorf("refresh %s: %w", e.name, werr)
			d.noticeLocked(e, NoticeWriteFailed, pw.reason)
		})
		return
	}

	d.mu.Lock()
	d.recordWriteLocked(e, res)
	d.mu.Unlock()
	d.log.Info("refreshed", "file", e.name, "expiresAt", upd.ExpiresAt, "expiresIn", upd.ExpiresIn,
		"refreshTokenRotated", upd.RefreshToken != "" && upd.RefreshToken != used)

	if enrich {
		newRT := upd.RefreshToken
		if newRT == "" {
			newRT = used
		}
		d.enrich(ctx, e, enricher, f.Provider, upd.AccessToken, newRT)
	}
	d.finish(e, fl, func(now time.Time) { d.succeededLocked(e, fl, now) })
}

func (d *Daemon) succeededLocked(e *entry, fl *flight, now time.Time) {
	d.clearFailLocked(e)
	e.lastRefreshAt = now
	if !fl.manual && d.cfg.NotifySuccess {
		d.noticeLocked(e, NoticeRefreshed, "")
	}
}

// enrich makes the provider's second call and writes its result, on the
// condition that the refresh token is still the one just written. A failure
// leaves the tokens on disk and is retried later.
func (d *Daemon) enrich(ctx context.Context, e *entry, en provider.Enricher, prov, accessToken, refreshToken string) {
	var u tokenfile.Update
	release, err := d.limits.acquire(ctx, prov)
	if err == nil {
		u, err = en.Enrich(ctx, accessToken)
		release()
	}
	if err == nil {
		var res tokenfile.WriteResult
		res, err = d.write(e.file.Path, u, &refreshToken)
		if errors.Is(err, tokenfile.ErrConflict) {
			d.log.Info("enrich conflict: the file changed meanwhile; dropping the enrichment", "file", e.name)
			d.mu.Lock()
			e.enrichPending, e.enrichTries = false, 0
			d.mu.Unlock()
			return
		}
		if err == nil {
			d.mu.Lock()
			d.recordWriteLocked(e, res)
			e.enrichPending, e.enrichTries = false, 0
			d.mu.Unlock()
			d.log.Info("enriched", "file", e.name)
			return
		}
	}
	now := d.clock.Now()
	d.mu.Lock()
	e.enrichPending = true
	e.enrichTries++
	delay := enrichRetryBase << min(e.enrichTries-1, 5) // 30 s … 16 min
	e.enrichAt = now.Add(delay)
	d.dirty.Store(true)
	d.mu.Unlock()
	if ctx.Err() != nil {
		d.log.Info("enrichment cancelled by shutdown; will retry after restart", "file", e.name)
		return
	}
	d.log.Warn("enrichment failed; tokens are saved, retrying later", "file", e.name, "err", err, "retryIn", delay)
}

func (d *Daemon) retryEnrich(ctx context.Context, e *entry, fl *flight, f *tokenfile.File, p provider.Provider) {
	if en, ok := p.(provider.Enricher); ok && f.AccessToken != "" {
		d.enrich(ctx, e, en, f.Provider, f.AccessToken, f.RefreshToken)
	} else {
		d.mu.Lock()
		e.enrichPending = false
		d.mu.Unlock()
	}
	d.finish(e, fl, nil)
}

func (d *Daemon) recordWriteLocked(e *entry, res tokenfile.WriteResult) {
	e.file = tokenfile.Parse(e.file.Path, res.Data, d.fileOptions())
	e.ownHash = res.Hash
	e.hasOwn = true
	e.writes++
}

// failedLocked applies the error policy of DESIGN.md section 4.
func (d *Daemon) failedLocked(e *entry, fl *flight, err error, now time.Time) {
	fl.err = fmt.Errorf("refresh %s: %w", e.name, err)
	msg := err.Error()
	e.lastError = msg
	e.failures++
	class := provider.ClassOf(err)
	switch class {
	case provider.Permanent:
		e.fail, e.reason, e.retryAt = failReauth, msg, time.Time{}
		d.log.Warn("refresh failed: a new login is needed", "file", e.name, "class", class, "err", msg)
		d.noticeLocked(e, NoticeNeedsReauth, msg)
	case provider.Misconfigured:
		e.fail, e.reason, e.retryAt = failMisconfigured, ReasonConfigPrefix+msg, time.Time{}
		d.log.Warn("refresh failed: configuration must be fixed; not retrying until it changes",
			"file", e.name, "class", class, "err", msg)
		d.misconfiguredNoticeLocked(e, err)
	default:
		retryAfter := provider.RetryAfterOf(err)
		if d.cfg.RetryOnFailure && e.failures <= d.cfg.MaxRetries {
			delay := d.backoff(e.failures)
			if delay < retryAfter {
				delay = retryAfter
			}
			e.fail, e.retryAt = failBackoff, now.Add(delay).Round(0)
			d.log.Warn("refresh failed; retrying", "file", e.name, "class", class, "err", msg,
				"failures", e.failures, "retryIn", delay.Round(time.Second))
			return
		}
		e.fail, e.reason = failSlow, msg
		if d.cfg.RetryOnFailure {
			delay := max(slowRetry, retryAfter)
			e.retryAt = now.Add(delay).Round(0)
			d.log.Warn("refresh failed; retries used up, retrying slowly", "file", e.name, "class", class,
				"err", msg, "failures", e.failures, "retryIn", delay)
		} else {
			e.retryAt = time.Time{}
			d.log.Warn("refresh failed; automatic retries are off", "file", e.name, "class", class, "err", msg)
		}
		d.noticeLocked(e, NoticeRefreshFailed, msg)
	}
}

// backoff is 30 s · 2^(n-1) with ±20% jitter.
func (d *Daemon) backoff(n int) time.Duration {
	base := backoffBase << min(n-1, 20)
	f := 1 + backoffJitter*(2*d.rand()-1)
	return time.Duration(float64(base) * f)
}

// finish ends a flight: apply records the outcome, then e is rescheduled and
// an event sent.
func (d *Daemon) finish(e *entry, fl *flight, apply func(now time.Time)) {
	now := d.clock.Now()
	d.mu.Lock()
	if apply != nil {
		apply(now)
	}
	e.flight = nil
	e.refreshing = false
	recheck := e.recheck
	e.recheck = false
	fl.status, _ = d.statusLocked(e, now)
	d.recordAttemptLocked(e, fl, now)
	d.planLocked(e, now)
	d.emitLocked(e, now)
	d.mu.Unlock()
	d.flush()
	if recheck {
		d.requeue(e.name)
	}
}

// retryPendingWrites tries again to write tokens kept in memory. Runs on the
// loop goroutine only; no flight runs on a file with a pending write.
func (d *Daemon) retryPendingWrites() {
	type job struct {
		e  *entry
		pw *pendingWrite
	}
	var jobs []job
	d.mu.Lock()
	for _, e := range d.entries {
		if e.pending != nil && e.flight == nil {
			jobs = append(jobs, job{e, e.pending})
		}
	}
	d.mu.Unlock()
	for _, j := range jobs {
		res, err := d.write(j.e.file.Path, j.pw.update, &j.pw.usedRT)
		now := d.clock.Now()
		d.mu.Lock()
		e := j.e
		if e.pending != j.pw {
			d.mu.Unlock()
			continue
		}
		switch {
		case errors.Is(err, tokenfile.ErrConflict):
			d.log.Info("pending write conflict: another program refreshed the file; keeping its tokens", "file", e.name)
			e.pending = nil
			d.clearFailLocked(e)
			d.requeue(e.name)
		case errors.Is(err, fs.ErrNotExist):
			d.log.Warn("token file vanished; dropping the refreshed tokens waiting to be written", "file", e.name)
			e.pending = nil
			d.requeue(e.name)
		case err != nil:
			d.log.Debug("pending write still failing", "file", e.name, "err", err)
			e.pending.reason = "write failed: " + err.Error()
			e.lastError = e.pending.reason
			d.mu.Unlock()
			continue
		default:
			d.log.Info("pending write done", "file", e.name)
			e.pending = nil
			d.recordWriteLocked(e, res)
			d.clearFailLocked(e)
			e.lastRefreshAt = now
			if j.pw.enrich {
				e.enrichPending, e.enrichAt = true, now
			}
		}
		d.planLocked(e, now)
		d.emitLocked(e, now)
		d.mu.Unlock()
		d.flush()
	}
}

// Refresh refreshes the named files now (file names as in TokenState.File)
// and waits for the outcomes. all=true refreshes every refreshable file.
func (d *Daemon) Refresh(ctx context.Context, names []string, all bool) []RefreshResult {
	if all {
		d.mu.Lock()
		names = nil
		for name, e := range d.entries {
			if e.missingSince.IsZero() && e.file.Refreshable() {
				names = append(names, name)
			}
		}
		d.mu.Unlock()
		sort.Strings(names)
	}
	results := make([]RefreshResult, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = d.refreshOne(ctx, name)
		}()
	}
	wg.Wait()
	return results
}

func (d *Daemon) refreshOne(ctx context.Context, name string) RefreshResult {
	for {
		now := d.clock.Now()
		d.mu.Lock()
		if d.runCtx == nil || d.stopping {
			d.mu.Unlock()
			return RefreshResult{File: name, Err: fmt.Errorf("refresh %s: %w", name, ErrStopped)}
		}
		e := d.entries[name]
		if e == nil {
			d.mu.Unlock()
			return RefreshResult{File: name, Err: fmt.Errorf("refresh %s: %w", name, ErrNotFound)}
		}
		status, _ := d.statusLocked(e, now)
		if why := d.whyNotLocked(e); why != "" {
			d.mu.Unlock()
			return RefreshResult{File: name, Status: status,
				Err: fmt.Errorf("refresh %s: %w: %s", name, ErrNotRefreshable, why)}
		}
		if e.pending != nil {
			reason := e.pending.reason
			d.mu.Unlock()
			d.requeue(name) // retries the write on the loop
			return RefreshResult{File: name, Status: status,
				Err: fmt.Errorf("refresh %s: new tokens are waiting to be written (%s); retrying the write", name, reason)}
		}
		fl := e.flight
		if fl == nil {
			fl = d.startFlightLocked(e, flightRefresh, true)
		}
		fl.waiters++
		d.mu.Unlock()
		select {
		case <-fl.done:
		case <-ctx.Done():
			return RefreshResult{File: name, Status: status, Err: fmt.Errorf("refresh %s: %w", name, ctx.Err())}
		}
		if fl.kind != flightRefresh {
			continue // joined an enrichment: now refresh
		}
		return RefreshResult{File: name, Status: fl.status, Err: fl.err}
	}
}

// whyNotLocked says why e cannot be refreshed, "" when it can.
func (d *Daemon) whyNotLocked(e *entry) string {
	f := e.file
	switch {
	case !e.missingSince.IsZero():
		return "the file is missing"
	case f.Invalid != "":
		return "invalid: " + f.Invalid
	case f.ReadOnly:
		return "read-only (static)"
	case f.Provider == "":
		return "unknown provider"
	case f.RefreshToken == "":
		return "no refresh token; log in again"
	}
	if _, ok := d.prov.Get(f.Provider); !ok {
		return fmt.Sprintf("no provider %q is configured", f.Provider)
	}
	return ""
}

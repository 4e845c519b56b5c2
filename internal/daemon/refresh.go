package daemon

import (
	"context"
	"errors"
	"fmt"
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
	// ownAT, ownRT: the tokens of the write the flight is making (under
	// d.mu, set before the write). The watcher may report the rename before
	// tokenfile.Write returns and its hash is recorded; a file read then
	// that carries these tokens is the flight's own write, not a change
	// from outside.
	ownAT, ownRT string
}

// expectOwnLocked notes the tokens of the write e's flight is about to make.
func expectOwnLocked(e *entry, at, rt string) {
	if e.flight != nil {
		e.flight.ownAT, e.flight.ownRT = at, rt
	}
}

// ownWriteLocked tells whether f is the write e's flight is making.
func ownWriteLocked(e *entry, f *tokenfile.File) bool {
	fl := e.flight
	return fl != nil && fl.ownAT != "" && f.AccessToken == fl.ownAT && f.RefreshToken == fl.ownRT
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
	if err == nil && ctx.Err() != nil {
		release() // shutdown began while waiting: the request is not sent
		err = ctx.Err()
	}
	if err != nil {
		d.finish(e, fl, func(time.Time) { fl.err = fmt.Errorf("refresh %s: %w", e.name, ErrStopped) })
		return
	}
	if !d.clusterBegin(e, f.Hash) {
		release()
		d.finish(e, fl, func(time.Time) { fl.err = notLeaderError(e.name) })
		return
	}
	d.mu.Lock()
	e.refreshing = true
	attempt := e.failures + 1
	d.emitLocked(e, d.clock.Now())
	d.mu.Unlock()
	d.log.Info("refresh attempt", "file", e.name, "provider", f.Provider, "attempt", attempt, "manual", fl.manual)

	// From here the request is sent: its answer may be the only copy of a
	// rotated refresh token, so shutdown does not cancel it (DESIGN.md
	// section 10); it only bounds the wait by the request timeout.
	sent, endSent := d.sentContext(ctx)
	upd, err := p.Refresh(sent, f)
	endSent()
	release()
	if err != nil {
		if c := d.cl.port; c != nil {
			c.EndRefresh(e.name)
		}
		if sent.Err() != nil && ctx.Err() != nil {
			d.log.Warn("refresh abandoned: shutdown waited the request timeout for the provider", "file", e.name)
			d.finish(e, fl, func(time.Time) { fl.err = fmt.Errorf("refresh %s: %w", e.name, ErrStopped) })
			return
		}
		if provider.ClassOf(err) == provider.Permanent && d.permanentConflict(e, fl, f, err) {
			return
		}
		d.finish(e, fl, func(now time.Time) { d.failedLocked(e, fl, err, now) })
		return
	}
	if upd.Note != "" {
		d.log.Warn("provider answer adjusted", "file", e.name, "provider", f.Provider, "note", upd.Note)
	}

	// tokenfile.Write takes no context: a token already received is written
	// even when shutdown has begun. Before the write it is saved beside the
	// file, so that not even a crash in between loses it.
	enricher, enrich := p.(provider.Enricher)
	pw := &pendingWrite{update: upd, usedRT: f.RefreshToken, enrich: enrich, receivedAt: d.clock.Now()}
	d.savePending(e, pw)
	if d.afterAnswer != nil {
		d.afterAnswer(e.name)
	}
	newRT := upd.RefreshToken
	if newRT == "" {
		newRT = pw.usedRT
	}
	d.mu.Lock()
	expectOwnLocked(e, upd.AccessToken, newRT)
	d.mu.Unlock()
	res, onDisk, out, werr := d.tryWrite(f.Path, pw)
	if out == outWritten || out == outSuperseded {
		d.removePending(e)
	}
	switch out {
	case outSuperseded:
		d.log.Info("refresh conflict: another program refreshed the file first; keeping its tokens", "file", e.name)
		d.finish(e, fl, func(now time.Time) { d.supersededLocked(e, onDisk, now) })
		return
	case outWaiting:
		pw.waiting, pw.reason = true, waitingReason(e.name, werr)
		d.log.Warn("token file not readable at write time; keeping the refreshed tokens until it is back",
			"file", e.name, "err", werr)
		d.finish(e, fl, func(time.Time) {
			e.pending = pw
			fl.err = fmt.Errorf("refresh %s: %s", e.name, pw.reason)
		})
		d.requeue(e.name) // the file may be back already
		return
	case outFailed:
		pw.reason = "write failed: " + werr.Error()
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
	d.markWrittenLocked(e, res, onDisk, d.clock.Now())
	d.mu.Unlock()
	d.log.Info("refreshed", "file", e.name, "expiresAt", upd.ExpiresAt, "expiresIn", upd.ExpiresIn,
		"refreshTokenRotated", upd.RefreshToken != "" && upd.RefreshToken != pw.usedRT)

	if enrich {
		d.enrich(ctx, e, enricher, f.Provider, upd.AccessToken, newRT)
	}
	d.finish(e, fl, func(now time.Time) { d.succeededLocked(e, fl, now) })
}

// sentContext is the context of a request already sent: not cancelled by
// shutdown (ctx), but once ctx ends, cancelled after the request timeout.
func (d *Daemon) sentContext(ctx context.Context) (context.Context, func()) {
	sent, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		t := d.clock.NewTimer(d.cfg.RequestTimeout)
		defer t.Stop()
		select {
		case <-t.C():
			cancel()
		case <-done:
		}
	})
	return sent, func() { stop(); close(done); cancel() }
}

// permanentConflict re-reads the file after a permanent error: when it holds
// another refresh token than the one sent, another program refreshed first
// (its refresh killed ours), which is a conflict, not needs_reauth. A file
// that cannot be read right now is being rewritten: the error then counts as
// transient until it is back. It reports whether it finished the flight.
func (d *Daemon) permanentConflict(e *entry, fl *flight, f *tokenfile.File, err error) bool {
	onDisk := d.loadName(e.name)
	switch {
	case onDisk != nil && onDisk.Invalid == "" && onDisk.RefreshToken != f.RefreshToken:
		d.log.Info("refresh failed after another program refreshed the file first; keeping its tokens",
			"file", e.name, "err", err)
		d.finish(e, fl, func(now time.Time) {
			e.file = onDisk
			d.clearFailLocked(e)
			d.externalChainLocked(e, now)
		})
		return true
	case onDisk == nil || onDisk.Invalid != "":
		d.log.Info("refresh failed while the file is being rewritten; checking again later", "file", e.name, "err", err)
		d.finish(e, fl, func(now time.Time) {
			d.failedLocked(e, fl, &provider.Error{Provider: f.Provider, Class: provider.Transient,
				Description: "the file changed during the refresh", Err: err}, now)
		})
		return true
	}
	return false
}

func (d *Daemon) succeededLocked(e *entry, fl *flight, now time.Time) {
	d.clearFailLocked(e)
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
		at, rt := accessToken, refreshToken
		if u.AccessToken != "" {
			at = u.AccessToken
		}
		if u.RefreshToken != "" {
			rt = u.RefreshToken
		}
		d.mu.Lock()
		expectOwnLocked(e, at, rt)
		d.mu.Unlock()
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
			d.clusterChanged(e.name, true)
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
	e.file = d.parseWritten(e.file.Path, res.Data)
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
		e.problem, e.problemArgs = provider.ProblemOf(err)
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
	if e.changedInFlight {
		// The file was changed from outside meanwhile: a transient failure
		// of the old token says nothing of the new one.
		e.changedInFlight = false
		if e.fail == failBackoff || e.fail == failSlow {
			d.clearFailLocked(e)
		}
		if fl.err != nil {
			d.externalChainLocked(e, now)
		}
	}
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

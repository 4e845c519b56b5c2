package daemon

import (
	"context"
	"fmt"
	"sort"
	"sync"
)

// Refreshes asked for by hand (CLI, tray, web UI); they join a flight in
// progress rather than start a second one.

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
		if why := d.notRefreshableLocked(e); why != nil {
			d.mu.Unlock()
			why.File = name
			return RefreshResult{File: name, Status: status, Err: why}
		}
		if e.pending != nil {
			reason := e.pending.reason
			d.mu.Unlock()
			d.requeue(name) // retries the write on the loop
			return RefreshResult{File: name, Status: status,
				Err: fmt.Errorf("refresh %s: %s; retrying the write", name, reason)}
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

// whyNotLocked says in English why e cannot be refreshed, "" when it can.
func (d *Daemon) whyNotLocked(e *entry) string {
	if why := d.notRefreshableLocked(e); why != nil {
		return why.text()
	}
	return ""
}

package daemon_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/daemon/daemontest"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

type accessLog struct {
	mu   sync.Mutex
	list []daemon.Access
}

func (a *accessLog) Access(x daemon.Access) {
	a.mu.Lock()
	a.list = append(a.list, x)
	a.mu.Unlock()
}

// A token request on a file whose scheduled refresh is in flight joins it
// (as does a manual refresh): one provider call for all of them.
func TestTokenJoinsScheduledRefresh(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(20*time.Minute))) // inside the 30 min lead
	p := &slowProvider{started: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	<-p.started // the scheduler's flight
	const n = 5
	creds := make([]daemon.Credential, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			creds[i], errs[i] = h.d.Token(context.Background(), daemon.TokenRequest{Name: "a", MinValid: 30 * time.Minute})
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); h.d.Refresh(context.Background(), []string{name}, false) }()
	for deadline := time.Now().Add(10 * time.Second); h.d.Waiters(name) != n+1; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d callers joined", h.d.Waiters(name), n+1)
		}
		runtime.Gosched()
	}
	close(p.release)
	wg.Wait()
	if p.calls.Load() != 1 {
		t.Fatalf("%d refreshes, want 1", p.calls.Load())
	}
	for i := range n {
		if errs[i] != nil || creds[i].Token != tok("at-new", 1) || creds[i].File != name {
			t.Errorf("call %d: %+v, %v", i, creds[i], errs[i])
		}
	}
}

// Concurrent token requests with nothing in flight start one refresh
// together; a fresh token is handed out without one; accesses are counted
// and logged with the caller.
func TestTokenSharesOneRefreshAndCounts(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(5*time.Minute)))
	p := &slowProvider{started: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cfg: func(c *daemon.Config) { c.RefreshAhead = time.Minute }})
	log := &accessLog{}
	h.d.SetAccessLog(log)
	by := daemon.Caller{PID: 42, UID: 1000, Exe: "/usr/bin/claude"}
	const n = 8
	var wg sync.WaitGroup
	creds := make([]daemon.Credential, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			creds[i], _ = h.d.Token(context.Background(), daemon.TokenRequest{Name: name, MinValid: 10 * time.Minute, By: by})
		}()
	}
	<-p.started
	for deadline := time.Now().Add(10 * time.Second); h.d.Waiters(name) != n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d callers joined", h.d.Waiters(name), n)
		}
		runtime.Gosched()
	}
	close(p.release)
	wg.Wait()
	if p.calls.Load() != 1 {
		t.Fatalf("%d refreshes, want 1", p.calls.Load())
	}
	for i, c := range creds {
		if c.Token != tok("at-new", 1) || c.Stale {
			t.Errorf("call %d: %+v", i, c)
		}
	}
	if c, err := h.d.Token(context.Background(), daemon.TokenRequest{Name: name, MinValid: 10 * time.Minute, By: by}); err != nil || c.Token != tok("at-new", 1) {
		t.Fatalf("fresh: %+v %v", c, err)
	}
	if p.calls.Load() != 1 {
		t.Fatalf("a fresh token was refreshed again")
	}
	log.mu.Lock()
	if len(log.list) != n+1 || log.list[0].By != by || log.list[0].File != name || log.list[0].Provider != "qwen" {
		t.Errorf("access log: %+v", log.list)
	}
	log.mu.Unlock()

	if u := h.d.Usage(name); u.Last24h != n+1 || u.Last7d != n+1 || !u.LastAccess.Equal(t0) {
		t.Errorf("usage now: %+v", u)
	}
	h.advance(2 * time.Hour)
	h.d.Token(context.Background(), daemon.TokenRequest{Name: name})
	h.advance(23 * time.Hour) // the first accesses are now more than 24 h old
	if u := h.state(name).Usage; u.Last24h != 1 || u.Last7d != n+2 || !u.LastAccess.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("usage a day later: %+v", u)
	}
	h.advance(7 * 24 * time.Hour)
	if u := h.d.UsageAll()[name]; u.Last24h != 0 || u.Last7d != 0 || u.LastAccess.IsZero() {
		t.Errorf("usage a week later: %+v", u)
	}
}

// What a token request gets when the refresh cannot help.
func TestTokenOutcomes(t *testing.T) {
	dir := t.TempDir()
	soon := t0.Add(5 * time.Minute)
	writeToken(t, dir, "qwen-oauth-1-revoked.json", tokenFields("qwen", 1, soon))
	writeToken(t, dir, "qwen-oauth-2-busy.json", tokenFields("qwen", 2, soon))
	writeToken(t, dir, "qwen-oauth-3-busyexpired.json", tokenFields("qwen", 3, t0.Add(-time.Minute)))
	noRT := tokenFields("qwen", 4, t0.Add(-time.Minute))
	delete(noRT, "refresh_token")
	writeToken(t, dir, "qwen-oauth-4-dead.json", noRT)
	static := tokenFields("qwen", 5, soon)
	static["api_key"] = "sk-" + tok("key", 5)
	static["noRefresh"] = true
	writeToken(t, dir, "qwen-oauth-5-key.json", static)
	writeToken(t, dir, "iflow-oauth-6-x.json", map[string]any{"type": "iflow", "access_token": tok("at", 6),
		"refresh_token": tok("rt", 6), "api_key": "sk-" + tok("key", 6), "expires_at": t0.Add(time.Hour).UnixMilli()})
	qwen := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if f.Name == "qwen-oauth-1-revoked.json" {
			return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: provider.Permanent, Code: "invalid_grant", StatusCode: 400}
		}
		return tokenfile.Update{}, transientErr()
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": qwen}, cfg: func(c *daemon.Config) { c.AutoRefresh = false }})
	ask := func(name string) (daemon.Credential, error) {
		return h.d.Token(context.Background(), daemon.TokenRequest{Name: name, MinValid: 10 * time.Minute})
	}
	if _, err := ask("revoked"); !errors.Is(err, daemon.ErrLoginNeeded) {
		t.Errorf("revoked: %v", err)
	}
	if _, err := ask("dead"); !errors.Is(err, daemon.ErrLoginNeeded) {
		t.Errorf("dead: %v", err)
	}
	if c, err := ask("busy"); err != nil || !c.Stale || c.Token != tok("at-old", 2) {
		t.Errorf("busy with 5 min left: %+v %v", c, err)
	}
	calls := qwen.Calls()
	if _, err := ask("busy"); err != nil || qwen.Calls() != calls {
		t.Errorf("a file in backoff was refreshed again by the broker: %v", err)
	}
	if _, err := ask("busyexpired"); !errors.Is(err, daemon.ErrNoToken) {
		t.Errorf("expired and busy: %v", err)
	}
	if c, err := ask("key"); err != nil || c.Token != "sk-"+tok("key", 5) || !c.ExpiresAt.IsZero() || c.Stale {
		t.Errorf("qwen with a stable API key: %+v %v", c, err)
	}
	if c, err := ask("iflow-oauth-6-x.json"); err != nil || c.Token != "sk-"+tok("key", 6) {
		t.Errorf("iflow: %+v %v", c, err)
	}
	if _, err := ask("nobody"); !errors.Is(err, daemon.ErrNotFound) {
		t.Errorf("unknown: %v", err)
	}
}

// Asking for more validity than the provider's tokens have refreshes once,
// then hands out the new token (stale) until half its lifetime has passed.
func TestTokenShortLivedRefreshesOnce(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(5*time.Minute)))
	clock := daemontest.NewClock(t0)
	qwen := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		return okUpdate(n, clock.Now().Add(time.Hour)), nil // 1 h tokens
	}}
	h := newHarness(t, dir, setup{clock: clock, provs: providers{"qwen": qwen}, cfg: func(c *daemon.Config) { c.AutoRefresh = false }})
	ask := func() daemon.Credential {
		c, err := h.d.Token(context.Background(), daemon.TokenRequest{Name: name, MinValid: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := ask(); c.Token != tok("at-new", 1) || !c.Stale {
		t.Fatalf("first: %+v", c)
	}
	h.advance(10 * time.Minute)
	if c := ask(); c.Token != tok("at-new", 1) || qwen.Calls() != 1 {
		t.Fatalf("10 min later: %+v, %d calls", c, qwen.Calls())
	}
	h.advance(25 * time.Minute) // past half the hour
	if c := ask(); c.Token != tok("at-new", 2) || qwen.Calls() != 2 {
		t.Fatalf("35 min later: %+v, %d calls", c, qwen.Calls())
	}
}

package daemon_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

func TestNoRetryClasses(t *testing.T) {
	tests := []struct {
		name       string
		class      provider.Class
		wantStatus tokenfile.Status
		wantNotice daemon.NoticeKind
	}{
		{"permanent invalid_grant", provider.Permanent, tokenfile.StatusNeedsReauth, daemon.NoticeNeedsReauth},
		{"misconfigured secret", provider.Misconfigured, tokenfile.StatusRefreshFailed, daemon.NoticeMisconfigured},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "qwen-oauth-1-a.json"
			writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
			msg := "put the client secret in ROUTECODEX_QWEN_CLIENT_SECRET"
			p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
				return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: tt.class, Code: "invalid_grant", Description: msg}
			}}
			h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
			h.waitFor("failure", func() bool { return h.state(name).Status == tt.wantStatus })
			for range 10 {
				h.advance(30 * time.Minute)
			}
			s := h.state(name)
			if p.Calls() != 1 || h.notes.count(tt.wantNotice) != 1 || s.Status != tt.wantStatus {
				t.Fatalf("calls %d, notices %d, status %s; want 1, 1, %s", p.Calls(), h.notes.count(tt.wantNotice), s.Status, tt.wantStatus)
			}
			if !strings.Contains(s.Reason, msg) || !s.NextRefreshAt.IsZero() {
				t.Fatalf("reason %q next %v", s.Reason, s.NextRefreshAt)
			}
			// A change of the file (new login) clears the state and refreshes again.
			f := tokenFields("qwen", 2, t0.Add(10*24*time.Hour))
			writeToken(t, dir, name, f)
			h.d.FileChanged(name)
			h.waitFor("cleared", func() bool { return h.state(name).Status == tokenfile.StatusValid })
			if s := h.state(name); s.Failures != 0 || s.LastError != "" || s.NextRefreshAt.IsZero() {
				t.Fatalf("not cleared: %+v", s)
			}
		})
	}
}

// enrichProvider rotates the refresh token and fails its first Enrich.
type enrichProvider struct {
	fakeProvider
	t           *testing.T
	path        string
	enrichCalls atomic.Int32
	onDiskRT    atomic.Value
}

func (p *enrichProvider) Enrich(ctx context.Context, accessToken string) (tokenfile.Update, error) {
	n := p.enrichCalls.Add(1)
	p.onDiskRT.Store(readFields(p.t, p.path)["refresh_token"])
	if n == 1 {
		return tokenfile.Update{}, errors.New("user info: HTTP 502")
	}
	return tokenfile.Update{Extra: map[string]any{"api_key": "sk-" + secretMark, "apiKey": "sk-" + secretMark}}, nil
}

func TestRotationWrittenBeforeEnrich(t *testing.T) {
	dir := t.TempDir()
	name := "iflow-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("iflow", 1, t0.Add(10*time.Minute)))
	p := &enrichProvider{fakeProvider: fakeProvider{name: "iflow"}, t: t, path: path}
	h := newHarness(t, dir, setup{provs: providers{"iflow": p}})
	h.waitFor("refresh", func() bool { return p.enrichCalls.Load() == 1 && h.state(name).Status == tokenfile.StatusValid })
	if got := p.onDiskRT.Load(); got != tok("rt-new", 1) {
		t.Fatalf("refresh token on disk during Enrich = %v, want the rotated one", got)
	}
	m := readFields(t, path)
	if m["refresh_token"] != tok("rt-new", 1) || m["access_token"] != tok("at-new", 1) || m["api_key"] != nil {
		t.Fatalf("after failed enrich the file should hold the rotated tokens and no api key")
	}
	h.advance(60 * time.Second) // tick: enrichment retried after its 30 s backoff
	h.waitFor("enriched", func() bool { return readFields(t, path)["api_key"] != nil })
	if p.Calls() != 1 {
		t.Fatalf("refresh calls = %d, want 1", p.Calls())
	}
	if m := readFields(t, path); m["refresh_token"] != tok("rt-new", 1) || m["email"] != "user1@example.com" {
		t.Fatalf("enrichment write lost fields")
	}
}

func TestConflictKeepsOtherWritersToken(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	other := tokenFields("qwen", 1, t0.Add(48*time.Hour))
	other["refresh_token"] = tok("rt-other", 9)
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if n == 1 { // RouteCodex refreshes the same file meanwhile
			writeToken(t, dir, name, other)
		}
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.waitFor("conflict handled", func() bool {
		s := h.state(name)
		return p.Calls() == 1 && s.Status == tokenfile.StatusValid && s.ExpiresAt.Equal(t0.Add(48*time.Hour))
	})
	if got := readFields(t, path)["refresh_token"]; got != tok("rt-other", 9) {
		t.Fatalf("other writer's token lost")
	}
	if s := h.state(name); s.Failures != 0 || s.LastError != "" {
		t.Fatalf("conflict is no error: %+v", s)
	}
	if !strings.Contains(h.logs.String(), "conflict") {
		t.Fatalf("conflict not logged")
	}
	if want := t0.Add(48*time.Hour - 30*time.Minute - 30*time.Second); !h.state(name).NextRefreshAt.Equal(want) {
		t.Fatalf("rescheduled at %v, want %v", h.state(name).NextRefreshAt, want)
	}
}

func TestOwnWriteDoesNotRetrigger(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.waitFor("refresh", func() bool { return h.state(name).Status == tokenfile.StatusValid })
	next := h.state(name).NextRefreshAt
	h.d.FileChanged(name) // the watcher reporting our own write
	h.d.FileChanged("")
	h.d.Sync()
	h.d.Sync()
	if p.Calls() != 1 || !h.state(name).NextRefreshAt.Equal(next) || strings.Contains(h.logs.String(), "changed outside") {
		t.Fatalf("own write re-triggered: calls %d", p.Calls())
	}
}

func TestMissingKeptADayThenDropped(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	writeToken(t, dir, "qwen-oauth-2-b.json", tokenFields("qwen", 2, t0.Add(48*time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{"qwen": &fakeProvider{name: "qwen"}}})
	os.Remove(path)
	h.d.FileChanged(name)
	h.waitFor("missing", func() bool { return h.state(name).Status == tokenfile.StatusMissing })
	h.d.FileChanged("")
	h.advance(23 * time.Hour)
	if h.state(name).Status != tokenfile.StatusMissing || h.notes.count(daemon.NoticeMissing) != 1 {
		t.Fatalf("missing file: status %s, notices %d", h.state(name).Status, h.notes.count(daemon.NoticeMissing))
	}
	h.advance(time.Hour)
	h.waitFor("dropped", func() bool { return h.state(name).File == "" })
	if len(h.d.Snapshot()) != 1 {
		t.Fatalf("snapshot %+v", h.d.Snapshot())
	}
	// Coming back is a new file.
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	h.d.FileChanged(name)
	h.waitFor("back", func() bool { return h.state(name).Status == tokenfile.StatusValid })
}

func TestWriteFailureKeepsTokensPending(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	var broken atomic.Bool
	broken.Store(true)
	writer := func(p string, u tokenfile.Update, ifRT *string) (tokenfile.WriteResult, error) {
		if broken.Load() {
			return tokenfile.WriteResult{}, errors.New("no space left on device")
		}
		return tokenfile.Write(p, u, ifRT)
	}
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, writer: writer})
	h.waitFor("write failed", func() bool {
		s := h.state(name)
		return s.Status == tokenfile.StatusRefreshFailed && strings.HasPrefix(s.Reason, "write failed")
	})
	for range 5 {
		h.advance(time.Minute)
	}
	res := h.d.Refresh(context.Background(), []string{name}, false)
	if res[0].Err == nil {
		t.Fatalf("manual refresh with a pending write must not refresh again")
	}
	h.d.Sync()
	if p.Calls() != 1 || h.notes.count(daemon.NoticeWriteFailed) != 1 {
		t.Fatalf("calls %d, notices %d; want 1, 1", p.Calls(), h.notes.count(daemon.NoticeWriteFailed))
	}
	broken.Store(false)
	h.advance(time.Minute)
	h.waitFor("written", func() bool { return h.state(name).Status == tokenfile.StatusValid })
	if readFields(t, path)["refresh_token"] != tok("rt-new", 1) {
		t.Fatalf("pending tokens not written")
	}
	if p.Calls() != 1 {
		t.Fatalf("calls %d", p.Calls())
	}
}

func TestStatePersistedAndReloaded(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	writeToken(t, dir, "qwen-oauth-2-b.json", tokenFields("qwen", 2, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if f.Name == name {
			return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: provider.Permanent, Code: "invalid_grant"}
		}
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	logs := &syncBuffer{}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, home: home, logs: logs})
	h.waitFor("outcomes", func() bool {
		return h.state(name).Status == tokenfile.StatusNeedsReauth && h.state("qwen-oauth-2-b.json").Status == tokenfile.StatusValid
	})
	h.stop()
	data, err := os.ReadFile(filepath.Join(home, "state", "token-daemon.json"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secretMark) {
		t.Fatalf("state file holds a token value")
	}

	h2 := newHarness(t, dir, setup{provs: providers{"qwen": p}, home: home, logs: logs})
	s := h2.state(name)
	if s.Status != tokenfile.StatusNeedsReauth || s.Failures != 1 || !strings.Contains(s.LastError, "invalid_grant") {
		t.Fatalf("state not restored: %+v", s)
	}
	if s2 := h2.state("qwen-oauth-2-b.json"); s2.LastRefreshAt.IsZero() {
		t.Fatalf("lastRefreshAt not restored")
	}
	h2.advance(time.Hour)
	if p.Calls() != 2 || h2.notes.count(daemon.NoticeNeedsReauth) != 0 {
		t.Fatalf("after restart: calls %d, notices %d; want 2, 0", p.Calls(), h2.notes.count(daemon.NoticeNeedsReauth))
	}
}

func TestCorruptStateIgnored(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	os.MkdirAll(filepath.Join(home, "state"), 0o700)
	os.WriteFile(filepath.Join(home, "state", "token-daemon.json"), []byte("{not json"), 0o600)
	writeToken(t, dir, "qwen-oauth-1-a.json", tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{"qwen": &fakeProvider{name: "qwen"}}, home: home})
	if h.state("qwen-oauth-1-a.json").Status != tokenfile.StatusValid || !strings.Contains(h.logs.String(), "corrupt") {
		t.Fatalf("corrupt state not ignored and logged")
	}
}

// slowProvider answers only after the test lets it; it may ignore ctx.
type slowProvider struct {
	started     chan struct{}
	release     chan struct{}
	honourCtx   bool
	calls       atomic.Int32
	startedOnce sync.Once
}

func (p *slowProvider) Name() string { return "qwen" }

func (p *slowProvider) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	n := p.calls.Add(1)
	p.startedOnce.Do(func() { close(p.started) })
	if p.honourCtx {
		select {
		case <-ctx.Done():
			return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: provider.Transient, Err: ctx.Err()}
		case <-p.release:
		}
	} else {
		<-p.release
	}
	return okUpdate(int(n), t0.Add(240*time.Hour)), nil
}

// Shutdown never cancels a request already sent (its answer may be the only
// copy of a rotated refresh token): Run waits for the answer and writes it.
// Only the request timeout bounds that wait.
func TestShutdownMidRefresh(t *testing.T) {
	t.Run("answer awaited and written", func(t *testing.T) {
		dir := t.TempDir()
		name := "qwen-oauth-1-a.json"
		path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
		p := &slowProvider{started: make(chan struct{}), release: make(chan struct{}), honourCtx: true}
		h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
		<-p.started
		h.cancel()
		// The provider honours its context: had shutdown cancelled the
		// request, it would return an error instead of the token.
		close(p.release)
		h.stop()
		if m := readFields(t, path); m["refresh_token"] != tok("rt-new", 1) {
			t.Fatalf("refresh token on disk %v, want the new one", m["refresh_token"])
		}
		if _, err := os.Stat(tokenfile.PendingPath(path)); !os.IsNotExist(err) {
			t.Fatalf("pending file left after the write: %v", err)
		}
	})
	t.Run("bounded by the request timeout", func(t *testing.T) {
		dir := t.TempDir()
		name := "qwen-oauth-1-a.json"
		path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
		p := &slowProvider{started: make(chan struct{}), release: make(chan struct{}), honourCtx: true}
		h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cfg: func(c *daemon.Config) { c.RequestTimeout = 30 * time.Second }})
		<-p.started
		h.cancel()
		// Move the clock until the request timeout has cancelled the request
		// (the timer is armed by shutdown, at a moment the test cannot see).
		for deadline := time.Now().Add(10 * time.Second); ; {
			select {
			case err := <-h.done:
				if err != nil {
					t.Fatal(err)
				}
				h.done <- nil
			default:
				if time.Now().After(deadline) {
					t.Fatal("Run did not return after the request timeout")
				}
				h.clock.Advance(30 * time.Second)
				runtime.Gosched()
				continue
			}
			break
		}
		h.stop()
		if m := readFields(t, path); m["refresh_token"] != tok("rt-old", 1) {
			t.Fatalf("refresh token on disk %v, want the old one", m["refresh_token"])
		}
	})
	t.Run("not yet sent is cancelled", func(t *testing.T) {
		dir := t.TempDir()
		writeToken(t, dir, "qwen-oauth-1-a.json", tokenFields("qwen", 1, t0.Add(10*time.Minute)))
		writeToken(t, dir, "qwen-oauth-2-b.json", tokenFields("qwen", 2, t0.Add(10*time.Minute)))
		p := &slowProvider{started: make(chan struct{}), release: make(chan struct{})}
		h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cfg: func(c *daemon.Config) { c.PerProvider = 1 }})
		<-p.started
		h.cancel()
		close(p.release)
		h.stop()
		if n := p.calls.Load(); n != 1 {
			t.Fatalf("%d requests sent, want 1 (the queued one is cancelled before it is sent)", n)
		}
	})
}

func TestManualRefreshJoinsInFlight(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	p := &slowProvider{started: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	var wg sync.WaitGroup
	results := make([][]daemon.RefreshResult, 3)
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = h.d.Refresh(context.Background(), []string{name}, i == 2) }()
	}
	<-p.started
	// Joining emits no event: poll until all three callers wait on the one
	// flight (the provider holds it until released).
	for deadline := time.Now().Add(10 * time.Second); h.d.Waiters(name) != len(results); {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d callers joined", h.d.Waiters(name), len(results))
		}
		runtime.Gosched()
	}
	close(p.release)
	wg.Wait()
	if p.calls.Load() != 1 {
		t.Fatalf("%d refreshes, want 1 (joined)", p.calls.Load())
	}
	for _, r := range results {
		if len(r) != 1 || r[0].Err != nil || r[0].Status != tokenfile.StatusValid {
			t.Fatalf("result %+v", r)
		}
	}
}

func TestManualRefreshNotRefreshable(t *testing.T) {
	dir := t.TempDir()
	writeToken(t, dir, "qwen-oauth-1-static.json", tokenFields("qwen", 1, t0.Add(time.Hour)))
	noRT := tokenFields("qwen", 2, t0.Add(time.Hour))
	delete(noRT, "refresh_token")
	writeToken(t, dir, "qwen-oauth-2-b.json", noRT)
	unknown := tokenFields("mystery", 3, t0.Add(time.Hour))
	writeToken(t, dir, "mystery.json", unknown)
	os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o600)
	writeToken(t, dir, "gemini-oauth-1-x.json", tokenFields("gemini-cli", 4, t0.Add(time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{"qwen": &fakeProvider{name: "qwen"}}})
	tests := []struct{ file, want string }{
		{"qwen-oauth-1-static.json", "read-only"},
		{"qwen-oauth-2-b.json", "no refresh token"},
		{"mystery.json", "unknown provider"},
		{"broken.json", "invalid"},
		{"gemini-oauth-1-x.json", "no provider"},
		{"nope.json", "no such token"},
	}
	for _, tt := range tests {
		res := h.d.Refresh(context.Background(), []string{tt.file}, false)
		if len(res) != 1 || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), tt.want) {
			t.Errorf("%s: %+v, want error containing %q", tt.file, res, tt.want)
		}
	}
	if res := h.d.Refresh(context.Background(), nil, true); len(res) != 1 {
		t.Errorf("all=true refreshed %d files, want 1 (only gemini is refreshable, and fails)", len(res))
	}
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	dir := t.TempDir()
	for i := range 300 {
		writeToken(t, dir, "qwen-oauth-"+itoa(i)+".json", tokenFields("qwen", i, t0.Add(-time.Hour)))
	}
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.d.Subscribe() // never read
	res := h.d.Refresh(context.Background(), nil, true)
	if len(res) != 300 {
		t.Fatalf("%d results", len(res))
	}
	_ = h
}

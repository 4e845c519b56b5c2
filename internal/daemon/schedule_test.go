package daemon_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

func TestScheduleAtExpiryMinusAheadMinusJitter(t *testing.T) {
	tests := []struct {
		name   string
		ahead  time.Duration
		rand   float64
		jitter time.Duration
	}{
		{"no jitter", 30 * time.Minute, 0, 0},
		{"half of the 60s cap", 30 * time.Minute, 0.5, 30 * time.Second},
		{"lead small: 10% of 5m", 5 * time.Minute, 0.5, 15 * time.Second},
		{"near max", 30 * time.Minute, 0.999, 59940 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			exp := t0.Add(3 * time.Hour)
			writeToken(t, dir, "qwen-oauth-1-a.json", tokenFields("qwen", 1, exp))
			p := &fakeProvider{name: "qwen"}
			h := newHarness(t, dir, setup{
				provs: providers{"qwen": p}, rand: func() float64 { return tt.rand },
				cfg: func(c *daemon.Config) { c.RefreshAhead = tt.ahead },
			})
			want := exp.Add(-tt.ahead - tt.jitter)
			got := h.state("qwen-oauth-1-a.json").NextRefreshAt
			if !got.Equal(want) {
				t.Fatalf("NextRefreshAt = %v, want %v", got, want)
			}
			h.advanceTo(want.Add(-time.Second))
			if p.Calls() != 0 {
				t.Fatalf("refreshed %d times before due", p.Calls())
			}
			h.advanceTo(want)
			h.waitFor("refresh", func() bool { return !h.state("qwen-oauth-1-a.json").LastRefreshAt.IsZero() })
			if p.Calls() != 1 {
				t.Fatalf("calls = %d, want 1", p.Calls())
			}
			if got := readFields(t, h.dir+"/qwen-oauth-1-a.json")["refresh_token"]; got != tok("rt-new", 1) {
				t.Fatalf("refresh token on disk not rotated")
			}
		})
	}
}

func TestTokenInsideWindowRefreshedAtOnce(t *testing.T) {
	tests := []struct {
		name   string
		fields map[string]any
	}{
		{"expiring in 10m", tokenFields("qwen", 1, t0.Add(10*time.Minute))},
		{"already expired", tokenFields("qwen", 1, t0.Add(-time.Hour))},
		{"refresh token only", map[string]any{"type": "qwen", "refresh_token": tok("rt", 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeToken(t, dir, "qwen-oauth-1-a.json", tt.fields)
			p := &fakeProvider{name: "qwen"}
			h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
			h.waitFor("refresh", func() bool { return h.state("qwen-oauth-1-a.json").Status == tokenfile.StatusValid })
			if p.Calls() != 1 {
				t.Fatalf("calls = %d, want 1", p.Calls())
			}
			// The new token lives 240h: nothing more for a while.
			h.advance(time.Hour)
			if p.Calls() != 1 {
				t.Fatalf("calls after an hour = %d, want 1", p.Calls())
			}
		})
	}
}

func TestHeapOrderingManyFiles(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	type file struct {
		name string
		exp  time.Time
	}
	var files []file
	for i := range 60 {
		f := file{name: "qwen-oauth-" + itoa(i) + ".json", exp: t0.Add(time.Hour + time.Duration(r.IntN(48*60))*time.Minute)}
		files = append(files, f)
		writeToken(t, dir, f.name, tokenFields("qwen", i, f.exp))
	}
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		return okUpdate(n, t0.Add(1000*time.Hour)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, rand: func() float64 { return 0 }})
	sort.Slice(files, func(i, j int) bool { return files[i].exp.Before(files[j].exp) })
	for i, f := range files {
		h.advanceTo(f.exp.Add(-30 * time.Minute))
		h.waitFor("refresh of "+f.name, func() bool { return p.Calls() >= i+1 && h.state(f.name).Status == tokenfile.StatusValid })
	}
	got := p.Files()
	for i, f := range files {
		if i < len(got) && got[i] != f.name && !files[i].exp.Equal(files[max(i-1, 0)].exp) {
			t.Fatalf("refresh %d was %s, want %s (order %v)", i, got[i], f.name, got)
		}
	}
	if len(got) != len(files) {
		t.Fatalf("%d refreshes, want %d", len(got), len(files))
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// blockingProvider holds every refresh until released and measures how many
// run at once.
type blockingProvider struct {
	name    string
	release chan struct{}
	mu      *sync.Mutex
	cur     map[string]int // by provider, and "" for total
	peak    map[string]int
	calls   *int
	changed chan struct{} // gets a value (never blocking) whenever cur changes
}

func (p *blockingProvider) Name() string { return p.name }

func (p *blockingProvider) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	p.mu.Lock()
	*p.calls++
	n := *p.calls
	for _, k := range []string{p.name, ""} {
		p.cur[k]++
		p.peak[k] = max(p.peak[k], p.cur[k])
	}
	p.mu.Unlock()
	p.signal()
	select {
	case <-p.release:
	case <-ctx.Done():
	}
	p.mu.Lock()
	p.cur[p.name]--
	p.cur[""]--
	p.mu.Unlock()
	p.signal()
	return okUpdate(n, t0.Add(240*time.Hour)), nil
}

func (p *blockingProvider) signal() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

func TestConcurrencyLimits(t *testing.T) {
	dir := t.TempDir()
	for i := range 15 {
		writeToken(t, dir, "qwen-oauth-"+itoa(i)+".json", tokenFields("qwen", i, t0.Add(-time.Hour)))
	}
	for i := range 5 {
		writeToken(t, dir, "iflow-oauth-"+itoa(i)+".json", tokenFields("iflow", 100+i, t0.Add(-time.Hour)))
	}
	var mu sync.Mutex
	calls := 0
	cur, peak := map[string]int{}, map[string]int{}
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	// The sixth refresh can start after the daemon's last event, so the wait
	// also wakes on the provider's own count.
	changed := make(chan struct{}, 1)
	mk := func(name string) *blockingProvider {
		return &blockingProvider{name: name, release: release, mu: &mu, cur: cur, peak: peak, calls: &calls, changed: changed}
	}
	h := newHarness(t, dir, setup{
		provs: providers{"qwen": mk("qwen"), "iflow": mk("iflow")},
		cfg:   func(c *daemon.Config) { c.MaxConcurrent = 6; c.PerProvider = 4 },
	})
	t.Cleanup(releaseAll) // runs before the harness stops: a failed wait must not hold Run
	h.waitForOn("6 in flight", changed, func() bool { mu.Lock(); defer mu.Unlock(); return cur[""] == 6 })
	releaseAll()
	h.waitFor("all refreshed", func() bool {
		for _, s := range h.d.Snapshot() {
			if s.Status != tokenfile.StatusValid {
				return false
			}
		}
		return true
	})
	mu.Lock()
	defer mu.Unlock()
	if calls != 20 {
		t.Errorf("calls = %d, want 20", calls)
	}
	if peak[""] != 6 || peak["qwen"] > 4 || peak["iflow"] > 4 {
		t.Errorf("peak in flight total %d (want 6), qwen %d, iflow %d (want <= 4)", peak[""], peak["qwen"], peak["iflow"])
	}
}

func TestTransientBackoffThenSlowRetries(t *testing.T) {
	for _, r := range []float64{0, 0.5, 0.999} {
		t.Run(fmt.Sprintf("rand=%v", r), func(t *testing.T) {
			dir := t.TempDir()
			name := "qwen-oauth-1-a.json"
			writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
			succeed := false
			var mu sync.Mutex
			p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
				mu.Lock()
				defer mu.Unlock()
				if succeed {
					return okUpdate(n, t0.Add(240*time.Hour)), nil
				}
				return tokenfile.Update{}, transientErr()
			}}
			h := newHarness(t, dir, setup{provs: providers{"qwen": p}, rand: func() float64 { return r }})
			factor := 1 + 0.2*(2*r-1)
			for i, base := range []time.Duration{30 * time.Second, 60 * time.Second, 120 * time.Second} {
				h.waitFor("failure", func() bool { return h.state(name).Failures == i+1 && p.Calls() == i+1 })
				s := h.state(name)
				want := time.Duration(float64(base) * factor)
				if got := s.NextRefreshAt.Sub(h.clock.Now()); absDur(got-want) > time.Millisecond {
					t.Fatalf("retry %d in %v, want %v", i+1, got, want)
				}
				if s.Status == tokenfile.StatusRefreshFailed {
					t.Fatalf("refresh_failed before retries were used up")
				}
				h.advanceTo(s.NextRefreshAt)
			}
			h.waitFor("refresh_failed", func() bool { return h.state(name).Status == tokenfile.StatusRefreshFailed })
			if got := h.state(name).NextRefreshAt.Sub(h.clock.Now()); got != 15*time.Minute {
				t.Fatalf("slow retry in %v, want 15m", got)
			}
			for i := range 3 { // slow retries, also past expiry
				h.advance(15 * time.Minute)
				h.waitFor("slow retry", func() bool { return p.Calls() == 5+i && h.state(name).Failures == 5+i })
				if st := h.state(name).Status; st != tokenfile.StatusRefreshFailed {
					t.Fatalf("status after slow retry = %s", st)
				}
			}
			if n := h.notes.count(daemon.NoticeRefreshFailed); n != 1 {
				t.Fatalf("%d refresh_failed notices, want 1", n)
			}
			mu.Lock()
			succeed = true
			mu.Unlock()
			h.advance(15 * time.Minute)
			h.waitFor("success", func() bool { return h.state(name).Status == tokenfile.StatusValid })
			if s := h.state(name); s.Failures != 0 || s.LastError != "" {
				t.Fatalf("failure state not cleared: %+v", s)
			}
		})
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestRetryAfterIsTheLeastWait(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		e := transientErr().(*provider.Error)
		e.StatusCode, e.RetryAfter = 429, 10*time.Minute
		return tokenfile.Update{}, e
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.waitFor("failure", func() bool { return h.state(name).Failures == 1 })
	if got := h.state(name).NextRefreshAt.Sub(h.clock.Now()); got != 10*time.Minute {
		t.Fatalf("retry in %v, want 10m (Retry-After)", got)
	}
}

func TestAutoRefreshOffOnlyManual(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(-time.Minute)))
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cfg: func(c *daemon.Config) { c.AutoRefresh = false }})
	h.advance(2 * time.Hour)
	if p.Calls() != 0 {
		t.Fatalf("calls = %d with autoRefresh off", p.Calls())
	}
	res := h.d.Refresh(context.Background(), []string{name}, false)
	if len(res) != 1 || res[0].Err != nil || res[0].Status != tokenfile.StatusValid {
		t.Fatalf("manual refresh: %+v", res)
	}
	if p.Calls() != 1 {
		t.Fatalf("calls = %d, want 1", p.Calls())
	}
}

func TestClockJumpRunsOverdueAtOnce(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(3*time.Hour)))
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.d.Sync()
	// Suspended for 5 hours: the wall clock moved, the refresh timer (2.5 h
	// away in monotonic time) did not fire. The safety-net tick notices.
	h.clock.Jump(5 * time.Hour)
	h.clock.Advance(60 * time.Second)
	h.waitFor("refresh after resume", func() bool { return p.Calls() == 1 && h.state(name).Status == tokenfile.StatusValid })
	if !strings.Contains(h.logs.String(), "clock jump or resume detected") {
		t.Errorf("jump not logged")
	}
}

func TestNoRefreshTokenNeedsReauthOnce(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	f := tokenFields("qwen", 1, t0.Add(time.Hour))
	delete(f, "refresh_token")
	writeToken(t, dir, name, f)
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	if st := h.state(name).Status; st != tokenfile.StatusValid {
		t.Fatalf("status %s", st)
	}
	h.advance(time.Hour)
	h.waitFor("needs_reauth", func() bool { return h.notes.count(daemon.NoticeNeedsReauth) == 1 })
	for range 5 {
		h.advance(time.Hour)
	}
	if st := h.state(name).Status; st != tokenfile.StatusNeedsReauth {
		t.Fatalf("status %s", st)
	}
	if n := h.notes.count(daemon.NoticeNeedsReauth); n != 1 || p.Calls() != 0 {
		t.Fatalf("%d notices, %d calls; want 1, 0", n, p.Calls())
	}
	res := h.d.Refresh(context.Background(), []string{name}, false)
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "no refresh token") {
		t.Fatalf("manual refresh of a file without refresh token: %v", res[0].Err)
	}
}

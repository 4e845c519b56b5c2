package daemon_test

import (
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// invalid_client is the configuration's fault: refresh_failed with a
// reason that says so, one "fix the configuration" notice with the setting
// to change, no retries, and never needs_reauth.
func TestMisconfiguredNoticeNamesTheSetting(t *testing.T) {
	dir := t.TempDir()
	name := "gemini-cli-oauth-1-work.json"
	writeToken(t, dir, name, tokenFields("gemini-cli", 1, t0.Add(10*time.Minute)))
	fix := "check the client id and secret: env ROUTECODEX_GEMINI_CLI_CLIENT_SECRET"
	p := &fakeProvider{name: "gemini-cli", fn: func(int, *tokenfile.File) (tokenfile.Update, error) {
		return tokenfile.Update{}, &provider.Error{Provider: "gemini-cli", Class: provider.Misconfigured,
			StatusCode: 401, Code: "invalid_client", Description: "The OAuth client was not found.", Fix: fix}
	}}
	h := newHarness(t, dir, setup{provs: providers{"gemini-cli": p}})
	h.waitFor("failure", func() bool { return h.state(name).Status == tokenfile.StatusRefreshFailed })
	for range 5 {
		h.advance(time.Hour)
	}
	s := h.state(name)
	if p.Calls() != 1 || !strings.HasPrefix(s.Reason, daemon.ReasonConfigPrefix+"gemini-cli: invalid_client") || !strings.Contains(s.Reason, fix) {
		t.Fatalf("calls %d, reason %q", p.Calls(), s.Reason)
	}
	h.notes.mu.Lock()
	defer h.notes.mu.Unlock()
	if len(h.notes.list) != 1 {
		t.Fatalf("notices %+v, want one", h.notes.list)
	}
	n := h.notes.list[0]
	if n.Kind != daemon.NoticeMisconfigured || n.Fix != fix || strings.Contains(n.Reason, fix) ||
		n.Reason != "gemini-cli: invalid_client: The OAuth client was not found. (HTTP 401)" {
		t.Errorf("notice %+v", n)
	}
}

// With automatic refresh off, a token that expires is told once, at its
// expiry, and never refreshed.
func TestAutoRefreshOffExpiryNotifiesOnce(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(2*time.Hour)))
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cfg: func(c *daemon.Config) { c.AutoRefresh = false }})
	h.advance(90 * time.Minute) // inside the lead: no refresh, no notice yet
	if n := h.notes.count(daemon.NoticeExpired); n != 0 {
		t.Fatalf("%d expired notices before the expiry", n)
	}
	h.advanceTo(t0.Add(2*time.Hour + time.Second))
	for range 5 {
		h.advance(time.Hour)
	}
	if n := h.notes.count(daemon.NoticeExpired); n != 1 || p.Calls() != 0 {
		t.Fatalf("expired notices %d, refreshes %d; want 1, 0", n, p.Calls())
	}
	if s := h.state(name); s.Status != tokenfile.StatusExpired {
		t.Errorf("status %s", s.Status)
	}
	// A new token (RouteCodex refreshed the file) is told again at its own expiry.
	writeToken(t, dir, name, tokenFields("qwen", 2, h.clock.Now().Add(time.Hour)))
	h.d.FileChanged(name)
	h.waitFor("re-read", func() bool { return h.state(name).Status == tokenfile.StatusValid })
	h.advance(61 * time.Minute)
	if n := h.notes.count(daemon.NoticeExpired); n != 2 {
		t.Fatalf("expired notices %d after the second expiry, want 2", n)
	}
}

// Reconfigure: turning automatic refresh on refreshes what is due; an
// alias takes effect; a misconfigured token is tried again; settings a
// running core cannot change are named.
func TestReconfigure(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	bad := "gemini-cli-oauth-1-b.json"
	writeToken(t, dir, bad, tokenFields("gemini-cli", 2, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen"}
	g := &fakeProvider{name: "gemini-cli", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if n == 1 {
			return tokenfile.Update{}, &provider.Error{Provider: "gemini-cli", Class: provider.Misconfigured, Code: "invalid_client"}
		}
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	var cfg daemon.Config
	h := newHarness(t, dir, setup{provs: providers{"qwen": p, "gemini-cli": g}, cfg: func(c *daemon.Config) {
		c.AutoRefresh = false
		cfg = *c
	}})
	h.advance(time.Minute)
	if p.Calls() != 0 {
		t.Fatal("refreshed with autoRefresh off")
	}
	// gemini-cli: refreshed by hand, fails on the configuration.
	h.d.Refresh(t.Context(), []string{bad}, false)
	if s := h.state(bad); !strings.HasPrefix(s.Reason, daemon.ReasonConfigPrefix) {
		t.Fatalf("reason %q", s.Reason)
	}

	cfg.AutoRefresh = true
	cfg.FileOptions.Aliases = map[string]string{name: "工作"}
	cfg.CheckInterval = 10 * time.Minute
	restart := h.d.Reconfigure(cfg)
	if len(restart) != 1 || restart[0] != "checkIntervalSeconds" {
		t.Errorf("needs restart %v", restart)
	}
	h.waitFor("refresh and alias", func() bool {
		return h.state(name).Alias == "工作" && p.Calls() == 1 && g.Calls() == 2 &&
			h.state(name).Status == tokenfile.StatusValid && h.state(bad).Status == tokenfile.StatusValid
	})
}

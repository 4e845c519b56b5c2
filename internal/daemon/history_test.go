package daemon_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

func TestHistoryRecordsAttempts(t *testing.T) {
	dir, home := t.TempDir(), t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if n == 1 {
			return tokenfile.Update{}, transientErr()
		}
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, home: home})
	// The automatic refresh fails (transient), the manual one succeeds.
	h.waitFor("first failure", func() bool { return len(h.d.History(name)) == 1 })
	res := h.d.Refresh(context.Background(), []string{name}, false)
	if res[0].Err != nil {
		t.Fatalf("manual refresh: %v", res[0].Err)
	}
	h.d.Sync()

	got := h.d.History(name)
	if len(got) != 2 {
		t.Fatalf("history has %d attempts, want 2: %+v", len(got), got)
	}
	tests := []struct {
		manual  bool
		status  tokenfile.Status
		wantErr string
	}{
		{false, tokenfile.StatusExpiring, "busy"},
		{true, tokenfile.StatusValid, ""},
	}
	for i, tc := range tests {
		a := got[i]
		if a.Manual != tc.manual || a.Status != tc.status || !strings.Contains(a.Error, tc.wantErr) || (tc.wantErr == "" && a.Error != "") {
			t.Errorf("attempt %d = %+v; want manual=%v status=%s error~%q", i, a, tc.manual, tc.status, tc.wantErr)
		}
		if a.At.IsZero() || strings.Contains(a.Error, secretMark) || strings.HasPrefix(a.Error, "refresh ") {
			t.Errorf("attempt %d: bad time or error text %+v", i, a)
		}
	}
	if h.d.History("nope.json") != nil {
		t.Errorf("history of an unknown file is not empty")
	}

	// Persisted with the rest of the bookkeeping, and reloaded.
	h.stop()
	data, err := os.ReadFile(filepath.Join(home, "state", "token-daemon.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"history"`) || strings.Contains(string(data), secretMark) {
		t.Fatalf("state file: history missing or a token leaked:\n%s", data)
	}
	h2 := newHarness(t, dir, setup{provs: providers{"qwen": p}, home: home})
	if again := h2.d.History(name); len(again) != 2 || again[1].Status != tokenfile.StatusValid || !again[0].At.Equal(got[0].At) {
		t.Fatalf("history after restart = %+v, want %+v", again, got)
	}
}

func TestHistoryKeepsTheLast20(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(240*time.Hour)))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: provider.Transient, StatusCode: 503, Description: "busy " + string(rune('a'+n%26))}
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cfg: func(c *daemon.Config) { c.RetryOnFailure = false }})
	for range 25 {
		h.d.Refresh(context.Background(), []string{name}, false)
	}
	h.d.Sync()
	got := h.d.History(name)
	if len(got) != 20 {
		t.Fatalf("history has %d attempts, want 20", len(got))
	}
	// The oldest kept is attempt 6 (1-based): 5 were dropped.
	if want := "busy " + string(rune('a'+6)); !strings.Contains(got[0].Error, want) {
		t.Errorf("oldest kept attempt %q, want one with %q", got[0].Error, want)
	}
	for _, a := range got {
		if !a.Manual || a.Status != tokenfile.StatusRefreshFailed {
			t.Errorf("attempt %+v: want manual refresh_failed", a)
		}
	}
}

func TestSetAliasRenamesWithoutTouchingTheFile(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(240*time.Hour)))
	before, _ := os.ReadFile(path)
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})

	tests := []struct {
		alias       string
		wantAlias   string
		wantDisplay string
		wantStatus  tokenfile.Status
	}{
		{"工作", "工作", "工作 (user1@example.com)", tokenfile.StatusValid},
		{"static", "static", "static (user1@example.com)", tokenfile.StatusStatic},
		// Removing the configured alias falls back to the name pattern.
		{"", "a", "a (user1@example.com)", tokenfile.StatusValid},
	}
	for _, tc := range tests {
		h.d.SetAlias(strings.TrimSuffix(name, ".json"), tc.alias)
		h.waitFor("alias "+tc.alias, func() bool {
			s := h.state(name)
			return s.Alias == tc.wantAlias && s.DisplayName == tc.wantDisplay && s.Status == tc.wantStatus
		})
	}
	after, _ := os.ReadFile(path)
	if string(after) != string(before) || p.Calls() != 0 {
		t.Fatalf("SetAlias changed the token file or refreshed it (calls %d)", p.Calls())
	}
}

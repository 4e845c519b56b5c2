package daemon_test

// DESIGN.md section 10, "never losing a token": an answer from the provider
// is on disk, or pending in memory and in .<file>.pending, until written or
// provably superseded.

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

// While the refresh is in flight another program empties the file, deletes
// it, or breaks it; the answer waits (memory and .pending), the status says
// why, `refresh` does not report success, and once the file is back with
// the refresh token the request used, the answer is written.
func TestAnswerWaitsForItsFile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		spoil  func(path string) error
		status tokenfile.Status
		reason string
	}{
		{"emptied", func(p string) error { return os.WriteFile(p, nil, 0o600) }, tokenfile.StatusRefreshing, "the file is empty"},
		{"half written", func(p string) error { return os.WriteFile(p, []byte(`{"access_token": "at-ha`), 0o600) }, tokenfile.StatusRefreshing, "is not JSON"},
		{"deleted", os.Remove, tokenfile.StatusMissing, ".pending until it is back"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := "qwen-oauth-1-a.json"
			fields := tokenFields("qwen", 1, t0.Add(48*time.Hour))
			path := writeToken(t, dir, name, fields)
			before, _ := os.ReadFile(path)
			p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
				if err := tc.spoil(path); err != nil {
					t.Error(err)
				}
				return okUpdate(n, t0.Add(240*time.Hour)), nil
			}}
			h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
			res := h.d.Refresh(context.Background(), []string{name}, false)
			if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "wait to be written") {
				t.Fatalf("refresh result %v: must not report success", res[0].Err)
			}
			h.d.FileChanged(name)
			h.d.Sync()
			s := h.state(name)
			if s.Status != tc.status || !strings.Contains(s.Reason, tc.reason) {
				t.Fatalf("status %s %q, want %s with %q", s.Status, s.Reason, tc.status, tc.reason)
			}
			fi, err := os.Stat(tokenfile.PendingPath(path))
			if err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("pending file: %v %v", fi, err)
			}
			pend, err := tokenfile.LoadPending(path)
			if err != nil || pend.Update.RefreshToken != tok("rt-new", 1) || pend.UsedRefreshToken != tok("rt-old", 1) {
				t.Fatalf("pending file content: %v", err)
			}
			// No second refresh while the answer waits, whatever the clock does.
			h.advance(time.Hour)
			if p.Calls() != 1 {
				t.Fatalf("%d refreshes while an answer waits", p.Calls())
			}
			// The other program puts the file back as it was.
			if err := os.WriteFile(path, before, 0o600); err != nil {
				t.Fatal(err)
			}
			h.d.FileChanged(name)
			h.waitFor("written", func() bool { return h.state(name).Status == tokenfile.StatusValid })
			if got := readFields(t, path)["refresh_token"]; got != tok("rt-new", 1) {
				t.Fatalf("refresh token on disk %v, want the new one", got)
			}
			if _, err := os.Stat(tokenfile.PendingPath(path)); !os.IsNotExist(err) {
				t.Fatalf("pending file left: %v", err)
			}
			if h.notes.count(daemon.NoticeMissing) > 1 || h.notes.count(daemon.NoticeWriteFailed) != 0 {
				t.Fatalf("notices %+v", h.notes.list)
			}
		})
	}
}

// The file comes back with another refresh token: the waiting answer is
// superseded (theirs wins) and dropped, with its .pending file.
func TestWaitingAnswerSupersededByOtherRefreshToken(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		os.Remove(path)
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.d.Refresh(context.Background(), []string{name}, false)
	other := tokenFields("qwen", 1, t0.Add(72*time.Hour))
	other["refresh_token"] = tok("rt-other", 7)
	writeToken(t, dir, name, other)
	h.d.FileChanged(name)
	h.waitFor("superseded", func() bool {
		s := h.state(name)
		return s.Status == tokenfile.StatusValid && s.ExpiresAt.Equal(t0.Add(72*time.Hour))
	})
	if got := readFields(t, path)["refresh_token"]; got != tok("rt-other", 7) {
		t.Fatalf("their token was overwritten: %v", got)
	}
	if _, err := os.Stat(tokenfile.PendingPath(path)); !os.IsNotExist(err) {
		t.Fatalf("pending file left: %v", err)
	}
}

// An answer left in .pending by a killed daemon is written at the next
// start, before any refresh (its old refresh token is dead).
func TestPendingAnswerRecoveredAtStart(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(5*time.Minute)))
	err := tokenfile.SavePending(path, tokenfile.Pending{
		UsedRefreshToken: tok("rt-old", 1), ReceivedAt: t0.Add(-time.Minute),
		Update: tokenfile.Update{AccessToken: tok("at-new", 9), RefreshToken: tok("rt-new", 9), ExpiresIn: 21600,
			ExpiresAt: t0.Add(6 * time.Hour), Extra: map[string]any{"resource_url": "portal.qwen.ai"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// A second answer whose file is gone waits as missing.
	gone := filepath.Join(dir, "qwen-oauth-2-b.json")
	if err := tokenfile.SavePending(gone, tokenfile.Pending{UsedRefreshToken: tok("rt-old", 2), ReceivedAt: t0,
		Update: okUpdate(2, t0.Add(6*time.Hour))}); err != nil {
		t.Fatal(err)
	}
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	m := readFields(t, path)
	if m["refresh_token"] != tok("rt-new", 9) || m["resource_url"] != "portal.qwen.ai" || p.Calls() != 0 {
		t.Fatalf("recovered answer not written first: rt %v, calls %d", m["refresh_token"], p.Calls())
	}
	if s := h.state(name); s.Status != tokenfile.StatusValid {
		t.Fatalf("status %s %q", s.Status, s.Reason)
	}
	if s := h.state("qwen-oauth-2-b.json"); s.Status != tokenfile.StatusMissing || !strings.Contains(s.Reason, ".pending") {
		t.Fatalf("absent file with a pending answer: %s %q", s.Status, s.Reason)
	}
	// It comes back (restored from a backup, say) and gets its tokens.
	writeToken(t, dir, "qwen-oauth-2-b.json", tokenFields("qwen", 2, t0.Add(5*time.Minute)))
	h.d.FileChanged("qwen-oauth-2-b.json")
	h.waitFor("second written", func() bool { return h.state("qwen-oauth-2-b.json").Status == tokenfile.StatusValid })
	if got := readFields(t, gone)["refresh_token"]; got != tok("rt-new", 2) || p.Calls() != 0 {
		t.Fatalf("rt %v calls %d", got, p.Calls())
	}
}

// An answer that waits 24 h without its file is dropped, and the log says so.
func TestWaitingAnswerDroppedAfterADay(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		os.WriteFile(path, nil, 0o600)
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.d.Refresh(context.Background(), []string{name}, false)
	h.advance(23 * time.Hour)
	if _, err := os.Stat(tokenfile.PendingPath(path)); err != nil {
		t.Fatalf("pending dropped too early: %v", err)
	}
	h.advance(time.Hour + time.Minute)
	if _, err := os.Stat(tokenfile.PendingPath(path)); !os.IsNotExist(err) {
		t.Fatalf("pending kept past 24 h: %v", err)
	}
	if !strings.Contains(h.logs.String(), "waited 24 h") {
		t.Fatalf("drop not logged")
	}
	if s := h.state(name); s.Status != tokenfile.StatusInvalid {
		t.Fatalf("status after the drop %s", s.Status)
	}
}

// A permanent error after another program refreshed the file first (its
// refresh killed ours) is a conflict: no needs_reauth, no notice.
func TestPermanentErrorAfterOtherRefreshIsConflict(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	other := tokenFields("qwen", 1, t0.Add(6*time.Hour))
	other["refresh_token"] = tok("rt-other", 3)
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if n == 1 {
			writeToken(t, dir, name, other)
			return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: provider.Permanent, Code: "invalid_grant"}
		}
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.waitFor("conflict", func() bool {
		s := h.state(name)
		return p.Calls() == 1 && s.Status == tokenfile.StatusValid && s.ExpiresAt.Equal(t0.Add(6*time.Hour))
	})
	if h.notes.count(daemon.NoticeNeedsReauth) != 0 || h.state(name).Failures != 0 {
		t.Fatalf("a conflict turned into needs_reauth: %+v, notices %d", h.state(name), h.notes.count(daemon.NoticeNeedsReauth))
	}
	if got := readFields(t, path)["refresh_token"]; got != tok("rt-other", 3) {
		t.Fatalf("their token lost: %v", got)
	}
	// The same error with the file unchanged is a real needs_reauth.
	dir2 := t.TempDir()
	writeToken(t, dir2, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p2 := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: provider.Permanent, Code: "invalid_grant"}
	}}
	h2 := newHarness(t, dir2, setup{provs: providers{"qwen": p2}})
	h2.waitFor("needs_reauth", func() bool { return h2.state(name).Status == tokenfile.StatusNeedsReauth })
}

// An external write during a refresh shows in the status at once, not
// after the provider answers; the answer then meets it in the compare.
func TestExternalWriteVisibleDuringFlight(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &slowProvider{started: make(chan struct{}), release: make(chan struct{})}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	<-p.started
	other := tokenFields("qwen", 1, t0.Add(9*time.Hour))
	other["refresh_token"] = tok("rt-other", 4)
	writeToken(t, dir, name, other)
	h.d.FileChanged(name)
	h.d.Sync()
	if s := h.state(name); !s.ExpiresAt.Equal(t0.Add(9 * time.Hour)) {
		t.Fatalf("status during the flight still shows expiry %v", s.ExpiresAt)
	}
	close(p.release)
	h.waitFor("flight done", func() bool { return h.state(name).Status == tokenfile.StatusValid })
	if got := readFields(t, path)["refresh_token"]; got != tok("rt-other", 4) {
		t.Fatalf("their token overwritten by the older chain: %v", got)
	}
}

// A manual refresh of a link to another token file is refused (its target
// is refreshed in its own name), so one chain is never refreshed twice.
func TestManualRefreshOfALinkRefused(t *testing.T) {
	dir := t.TempDir()
	writeToken(t, dir, "qwen-oauth-1-a.json", tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	if err := os.Symlink("qwen-oauth-1-a.json", filepath.Join(dir, "qwen-oauth-2-link.json")); err != nil {
		t.Skip(err)
	}
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	res := h.d.Refresh(context.Background(), []string{"qwen-oauth-2-link.json"}, false)
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "a link to qwen-oauth-1-a.json") || p.Calls() != 0 {
		t.Fatalf("refresh of a link: %v, %d calls", res[0].Err, p.Calls())
	}
	if all := h.d.Refresh(context.Background(), nil, true); len(all) != 1 || all[0].File != "qwen-oauth-1-a.json" {
		t.Fatalf("refresh --all: %+v", all)
	}
}

// A permanent error while the file is being rewritten (unreadable right
// then) is not taken for needs_reauth: it waits like a transient error, and
// the file that comes back decides.
func TestPermanentErrorWhileFileRewritten(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if n == 1 {
			os.WriteFile(path, nil, 0o600)
			return tokenfile.Update{}, &provider.Error{Provider: "qwen", Class: provider.Permanent, Code: "invalid_grant"}
		}
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	h.waitFor("first attempt over", func() bool { return p.Calls() == 1 && h.state(name).Status != tokenfile.StatusRefreshing })
	if h.state(name).Status == tokenfile.StatusNeedsReauth || h.notes.count(daemon.NoticeNeedsReauth) != 0 {
		t.Fatalf("needs_reauth while the file was unreadable: %+v", h.state(name))
	}
	other := tokenFields("qwen", 1, t0.Add(6*time.Hour))
	other["refresh_token"] = tok("rt-other", 5)
	writeToken(t, dir, name, other)
	h.d.FileChanged(name)
	h.waitFor("the new file", func() bool {
		s := h.state(name)
		return s.Status == tokenfile.StatusValid && s.Failures == 0
	})
	if h.notes.count(daemon.NoticeNeedsReauth) != 0 {
		t.Fatal("a needs_reauth notice was sent")
	}
}

package daemon_test

import (
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/daemon/daemontest"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// A token that lives shorter than the lead is refreshed at 75 % of its
// lifetime, never within 10 s of the previous refresh of its chain; an
// external change starts afresh, without the old chain's floor.
func TestShortLivedTokens(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(20*time.Second)))
	clock := daemontest.NewClock(t0)
	var life atomic.Int64 // the lifetime the provider answers
	life.Store(int64(20 * time.Second))
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		l := time.Duration(life.Load())
		u := okUpdate(n, clock.Now().Add(l))
		u.ExpiresIn = int64(l / time.Second)
		return u, nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, clock: clock})
	h.waitFor("first refresh", func() bool { return p.Calls() == 1 && !h.state(name).LastRefreshAt.IsZero() })
	if got, want := h.state(name).NextRefreshAt, t0.Add(15*time.Second); !got.Equal(want) {
		t.Fatalf("a 20 s token is next refreshed at %v, want %v (75 %%)", got.Sub(t0), want.Sub(t0))
	}
	h.advanceTo(t0.Add(15 * time.Second))
	h.waitFor("second refresh", func() bool {
		return p.Calls() == 2 && h.state(name).LastRefreshAt.Equal(t0.Add(15*time.Second))
	})
	if got, want := h.state(name).NextRefreshAt, t0.Add(30*time.Second); !got.Equal(want) {
		t.Fatalf("next at %v, want %v", got.Sub(t0), want.Sub(t0))
	}

	// A provider answering 1 s lifetimes cannot make a loop: 10 s floor.
	life.Store(int64(time.Second))
	h.advanceTo(t0.Add(30 * time.Second))
	h.waitFor("third refresh", func() bool {
		return p.Calls() == 3 && h.state(name).LastRefreshAt.Equal(t0.Add(30*time.Second))
	})
	if got, want := h.state(name).NextRefreshAt, t0.Add(40*time.Second); !got.Equal(want) {
		t.Fatalf("a 1 s token is next refreshed at %v, want %v (10 s floor)", got.Sub(t0), want.Sub(t0))
	}

	// An external change at +31 s with a token 8 s from expiry (lifetime
	// unknown): inside the window, so refreshed at once, not held back by
	// the old chain's floor (+40 s).
	h.advanceTo(t0.Add(31 * time.Second))
	ext := tokenFields("qwen", 5, t0.Add(39*time.Second))
	life.Store(int64(240 * time.Hour))
	writeToken(t, dir, name, ext)
	h.d.FileChanged(name)
	h.waitFor("refresh after the external change", func() bool {
		return p.Calls() == 4 && h.state(name).LastRefreshAt.After(t0.Add(30*time.Second))
	})
	if got := h.state(name).LastRefreshAt; !got.Equal(t0.Add(31 * time.Second)) {
		t.Fatalf("after an external change refreshed at %v, want +31s", got.Sub(t0))
	}
	// With expires_in, the file says its own lifetime.
	ext = tokenFields("qwen", 6, t0.Add(31*time.Second+200*time.Second))
	ext["expires_in"] = 300
	writeToken(t, dir, name, ext)
	h.d.FileChanged(name)
	h.waitFor("second external change", func() bool { return h.state(name).ExpiresAt.Equal(t0.Add(231 * time.Second)) })
	// Issued at expiry − 300 s = −69 s; 75 % of 300 s = 225 s → +156 s.
	if got, want := h.state(name).NextRefreshAt, t0.Add(156*time.Second); !got.Equal(want) {
		t.Fatalf("with expires_in next at %v, want %v", got.Sub(t0), want.Sub(t0))
	}
}

// Symlinks are checked on live events as at start: a link created while the
// daemon runs that leaves the auth dir is skipped; a link to another token
// file of the dir is listed and never refreshed on its own; a file replaced
// by an outside link is gone, and nothing is written through the link.
func TestSymlinkRulesOnLiveEvents(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	victim := writeToken(t, outside, "victim.json", tokenFields("qwen", 2, t0.Add(5*time.Minute)))
	victimBefore, _ := os.ReadFile(victim)
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})

	for link, target := range map[string]string{
		"qwen-oauth-2-out.json":  victim,
		"qwen-oauth-3-link.json": name,
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skip(err)
		}
		h.d.FileChanged(link)
	}
	h.d.Sync()
	if s := h.state("qwen-oauth-2-out.json"); s.File != "" {
		t.Fatalf("a link leaving the auth dir is listed: %+v", s)
	}
	s := h.state("qwen-oauth-3-link.json")
	if s.File == "" || s.Refreshable {
		t.Fatalf("a link to a token file of the dir: %+v", s)
	}
	// The target comes due: only it is refreshed, the link follows.
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(5*time.Minute)))
	h.d.FileChanged(name)
	h.d.FileChanged("qwen-oauth-3-link.json")
	// One snapshot says the flight is over: its write recorded (LastRefreshAt)
	// and the status out of refreshing. (Status and call count read apart
	// passed mid-flight: "valid" read while the entry still held the 48 h
	// file, the change not drained yet, then a count the flight had just
	// raised.)
	h.waitFor("target refreshed", func() bool {
		s := h.state(name)
		return !s.LastRefreshAt.IsZero() && s.Status == tokenfile.StatusValid
	})
	if n := p.Calls(); n != 1 {
		t.Fatalf("%d provider calls, want 1", n)
	}
	h.d.FileChanged("qwen-oauth-3-link.json")
	h.advance(time.Hour)
	if files := p.Files(); len(files) != 1 || files[0] != name {
		t.Fatalf("refreshed %v, want only the target", files)
	}
	if s := h.state("qwen-oauth-3-link.json"); s.Status != tokenfile.StatusValid {
		t.Fatalf("the link's status %s %q", s.Status, s.Reason)
	}

	// A regular file replaced by a link that leaves the dir: gone.
	path := filepath.Join(dir, name)
	os.Remove(path)
	if err := os.Symlink(victim, path); err != nil {
		t.Fatal(err)
	}
	h.d.FileChanged(name)
	h.waitFor("missing", func() bool { return h.state(name).Status == tokenfile.StatusMissing })
	h.advance(time.Hour)
	if got, _ := os.ReadFile(victim); string(got) != string(victimBefore) {
		t.Fatal("the outside file was written")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Fatalf("files created outside the auth dir: %v", entries)
	}
	if h.notes.count(daemon.NoticeNeedsReauth) != 0 {
		t.Fatal("a link went needs_reauth")
	}
}

package daemon_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The watcher event of the daemon's own write may be handled before the
// write's hash is recorded (the rename is visible before tokenfile.Write
// returns). The writer here forces that order: after its rename it reports
// the change and waits until the loop has read and applied the file, and
// only then returns. The daemon must still see its own write: one refresh,
// no "changed outside" and the rotated tokens kept.
func TestOwnWriteSeenBeforeItsHashIsRecorded(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(5*time.Minute)))
	p := &fakeProvider{name: "qwen"}
	var h *harness
	ready := make(chan struct{}) // h is set
	var early atomic.Int32
	writer := func(path string, u tokenfile.Update, ifRT *string) (tokenfile.WriteResult, error) {
		<-ready
		res, err := tokenfile.Write(path, u, ifRT)
		if err == nil {
			h.d.FileChanged(name) // the event of this very rename…
			h.d.Sync()            // …applied before Write returns
			early.Add(1)
		}
		return res, err
	}
	h = newHarness(t, dir, setup{provs: providers{"qwen": p}, writer: writer})
	close(ready)
	h.waitFor("refreshed", func() bool {
		s := h.state(name)
		return !s.LastRefreshAt.IsZero() && s.Status == tokenfile.StatusValid
	})
	if early.Load() != 1 {
		t.Fatalf("the writer ran %d times, want 1", early.Load())
	}
	h.d.FileChanged(name) // a late duplicate of the same event
	h.advance(time.Hour)
	if n := p.Calls(); n != 1 {
		t.Fatalf("%d refreshes, want 1: the daemon took its own write for an outside change", n)
	}
	s := h.state(name)
	if s.Status != tokenfile.StatusValid || !s.ExpiresAt.Equal(t0.Add(240*time.Hour)) {
		t.Fatalf("after the own write: %+v", s)
	}
	if logs := h.logs.String(); strings.Contains(logs, "changed outside the daemon") {
		t.Fatalf("the own write was logged as an outside change:\n%s", logs)
	}
	if h.notes.count(daemon.NoticeNeedsReauth) != 0 {
		t.Fatal("needs_reauth after the own write")
	}
}

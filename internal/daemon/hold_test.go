package daemon_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// collectInvalid records every event that showed name as invalid.
func collectInvalid(t *testing.T, d *daemon.Daemon, name string) func() int {
	t.Helper()
	ev, cancel := d.Subscribe()
	t.Cleanup(cancel)
	return func() int {
		n := 0
		for {
			select {
			case e := <-ev:
				if e.Token.File == name && e.Token.Status == tokenfile.StatusInvalid {
					n++
				}
			default:
				return n
			}
		}
	}
}

func tokenBytes(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	data, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// A change that parses is published at the first notice, without waiting.
func TestChangeThatParsesIsPublishedAtOnce(t *testing.T) {
	dir := t.TempDir()
	writeToken(t, dir, "a.json", tokenFields("corp", 1, t0.Add(10*time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{}})
	exp := t0.Add(20 * time.Hour)
	writeToken(t, dir, "a.json", tokenFields("corp", 1, exp))
	h.d.FileChanged("a.json")
	h.d.Sync()
	if got := h.state("a.json"); !got.ExpiresAt.Equal(exp) {
		t.Fatalf("after one notice, no time passed: expires %v, want %v", got.ExpiresAt, exp)
	}
}

// A writer that truncates and writes in two halves is never seen invalid:
// the half-written file is held back and the finished one published.
func TestHalfWrittenFileIsHeldBack(t *testing.T) {
	dir := t.TempDir()
	writeToken(t, dir, "a.json", tokenFields("corp", 1, t0.Add(10*time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{}})
	invalid := collectInvalid(t, h.d, "a.json")
	exp := t0.Add(20 * time.Hour)
	full := tokenBytes(t, tokenFields("corp", 1, exp))
	path := filepath.Join(dir, "a.json")

	for _, part := range [][]byte{nil, full[:len(full)/2]} {
		if err := os.WriteFile(path, part, 0o600); err != nil {
			t.Fatal(err)
		}
		h.d.FileChanged("a.json")
		h.advance(daemon.DefaultQuiet / 4)
		if got := h.state("a.json"); got.Status == tokenfile.StatusInvalid {
			t.Fatalf("mid-write (%d bytes): state %q, want the last good one", len(part), got.Status)
		}
	}
	if err := os.WriteFile(path, full, 0o600); err != nil {
		t.Fatal(err)
	}
	h.d.FileChanged("a.json")
	h.waitFor("the new expiry", func() bool { return h.state("a.json").ExpiresAt.Equal(exp) })
	h.advance(2 * daemon.DefaultQuiet)
	if got := h.state("a.json"); got.Status == tokenfile.StatusInvalid || !got.ExpiresAt.Equal(exp) {
		t.Fatalf("after quiet: %q expiring %v, want valid at %v", got.Status, got.ExpiresAt, exp)
	}
	if n := invalid(); n != 0 {
		t.Fatalf("%d events showed the file invalid", n)
	}
}

// A file that stays broken past the quiet period is published as invalid,
// after one re-read the daemon asks for itself (no further notice).
func TestBrokenFileIsPublishedAfterQuiet(t *testing.T) {
	dir := t.TempDir()
	writeToken(t, dir, "a.json", tokenFields("corp", 1, t0.Add(10*time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{}})
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.d.FileChanged("a.json")
	h.d.Sync()
	if got := h.state("a.json"); got.Status == tokenfile.StatusInvalid {
		t.Fatal("invalid at the first read; want it held for the quiet period")
	}
	h.clock.Advance(daemon.DefaultQuiet)
	h.waitFor("invalid after quiet", func() bool { return h.state("a.json").Status == tokenfile.StatusInvalid })
}

// A file that was invalid already is not held: its new invalid content
// (another reason) is shown at once.
func TestInvalidFileIsNotHeld(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte("[]"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, dir, setup{provs: providers{}})
	before := h.state("a.json")
	if before.Status != tokenfile.StatusInvalid {
		t.Fatalf("state %q, want invalid", before.Status)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.json"), []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.d.FileChanged("a.json")
	h.d.Sync()
	if got := h.state("a.json"); got.Reason == before.Reason {
		t.Fatalf("reason %q unchanged after the notice, want the new one at once", got.Reason)
	}
}

// A hold whose invalid bytes keep changing (a writer still at work) waits
// for quiet after the last change, but no longer than ten quiet periods
// after the first invalid read.
func TestHoldRestartsWhileInvalidBytesChange(t *testing.T) {
	dir := t.TempDir()
	writeToken(t, dir, "a.json", tokenFields("corp", 1, t0.Add(10*time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{}})
	path := filepath.Join(dir, "a.json")
	q := daemon.DefaultQuiet
	write := func(i int) {
		if err := os.WriteFile(path, []byte(`{"access_token": "`+string(rune('a'+i))), 0o600); err != nil {
			t.Fatal(err)
		}
		h.d.FileChanged("a.json")
	}
	// Eleven changes 0.9 quiet apart: 9.9 quiet in all, never quiet long enough.
	for i := range 11 {
		write(i)
		h.advance(q * 9 / 10)
		if got := h.state("a.json").Status; got == tokenfile.StatusInvalid {
			t.Fatalf("step %d: invalid while the writer is still changing the file", i)
		}
	}
	// One more change restarts the quiet (it would end at 10.9), but the
	// cap (10) ends the hold first.
	write(11)
	h.advance(q * 2 / 10)
	h.waitFor("invalid at the cap", func() bool { return h.state("a.json").Status == tokenfile.StatusInvalid })
}

package daemon_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// A handed-off file is static ("handed off") at once and never refreshed,
// even when due; a refresh asked by hand says why; a change of its bytes
// (an import, a login) ends the handoff; an empty set gives it back.
func TestHandOff(t *testing.T) {
	dir := t.TempDir()
	name, other := "qwen-oauth-1-a.json", "qwen-oauth-2-b.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(2*time.Hour)))
	writeToken(t, dir, other, tokenFields("qwen", 2, t0.Add(2*time.Hour)))
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.d.HandOff(context.Background(), map[string][32]byte{name: sha256.Sum256(data)}); err != nil {
		t.Fatal(err)
	}
	if s := h.state(name); s.Status != tokenfile.StatusStatic || s.Reason != "handed off" || s.Refreshable || !s.NextRefreshAt.IsZero() {
		t.Fatalf("after HandOff: %+v", s)
	}
	h.advance(3 * time.Hour) // both due, both expired
	h.waitFor("the other file refreshed", func() bool { return len(p.Files()) >= 1 })
	for _, f := range p.Files() {
		if f == name {
			t.Fatalf("the handed-off file was refreshed: %v", p.Files())
		}
	}
	res := h.d.Refresh(context.Background(), []string{name}, false)
	if len(res) != 1 || res[0].Err == nil {
		t.Fatalf("manual refresh of a handed-off file: %+v", res)
	}
	var nr *daemon.NotRefreshableError
	if !errors.As(res[0].Err, &nr) || nr.Why != daemon.WhyHandedOff {
		t.Fatalf("error %v, want WhyHandedOff", res[0].Err)
	}
	// Reconfigure (a config.json edit) keeps the handoff.
	h.d.Reconfigure(h.cfg)
	h.d.Sync()
	h.d.Sync()
	if s := h.state(name); s.Status != tokenfile.StatusStatic {
		t.Fatalf("after Reconfigure: %+v", s)
	}
	// New bytes (a login) end it.
	writeToken(t, dir, name, tokenFields("qwen", 3, t0.Add(10*24*time.Hour)))
	h.d.FileChanged(name)
	h.waitFor("new bytes not handed off", func() bool { return h.state(name).Status == tokenfile.StatusValid })

	// Handed off again, then given back with an empty set.
	data, _ = os.ReadFile(path)
	if err := h.d.HandOff(context.Background(), map[string][32]byte{name: sha256.Sum256(data)}); err != nil {
		t.Fatal(err)
	}
	if s := h.state(name); s.Status != tokenfile.StatusStatic {
		t.Fatalf("second HandOff: %+v", s)
	}
	if err := h.d.HandOff(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	h.waitFor("given back", func() bool { return h.state(name).Status == tokenfile.StatusValid && h.state(name).Refreshable })
	if got := h.d.HandedOff(); len(got) != 0 {
		t.Fatalf("HandedOff() = %v after an empty set", got)
	}
}

// The set given at start (loaded from <home>/state by the caller) holds
// from the first scan.
func TestHandOffAtStart(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(time.Minute)))
	data, _ := os.ReadFile(path)
	p := &fakeProvider{name: "qwen"}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cfg: func(c *daemon.Config) {
		c.FileOptions.HandedOff = map[string][32]byte{name: sha256.Sum256(data)}
	}})
	h.advance(time.Hour)
	if s := h.state(name); s.Status != tokenfile.StatusStatic || p.Calls() != 0 {
		t.Fatalf("state %+v, %d refreshes", s, p.Calls())
	}
}

// A refresh in flight when the handoff comes is waited for: HandOff
// returns after its write, so the caller can see that the bytes changed
// (and hand off the new ones); no refresh starts afterwards.
func TestHandOffWaitsForAFlight(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	path := writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	data, _ := os.ReadFile(path)
	started, release := make(chan struct{}), make(chan struct{})
	p := &fakeProvider{name: "qwen", fn: func(n int, f *tokenfile.File) (tokenfile.Update, error) {
		if n == 1 {
			close(started)
			<-release
		}
		return okUpdate(n, t0.Add(20*time.Minute)), nil
	}}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}})
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no refresh started")
	}
	done := make(chan error, 1)
	go func() { done <- h.d.HandOff(context.Background(), map[string][32]byte{name: sha256.Sum256(data)}) }()
	select {
	case err := <-done:
		t.Fatalf("HandOff returned during the flight: %v", err)
	case <-time.After(50 * time.Millisecond): // bounds nothing: a pass only needs the flight to be waited for
	}
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("HandOff did not return after the flight")
	}
	now, _ := os.ReadFile(path)
	if sha256.Sum256(now) == sha256.Sum256(data) {
		t.Fatal("the flight's write is not on disk when HandOff returns")
	}
	// The new bytes hand off; nothing refreshes them after.
	if err := h.d.HandOff(context.Background(), map[string][32]byte{name: sha256.Sum256(now)}); err != nil {
		t.Fatal(err)
	}
	h.advance(time.Hour)
	if p.Calls() != 1 || h.state(name).Status != tokenfile.StatusStatic {
		t.Fatalf("%d refreshes, state %+v", p.Calls(), h.state(name))
	}
}

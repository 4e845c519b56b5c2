package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/daemon/daemontest"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// t0 is the fake clock's start.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// secretMark is in every token value the tests use; no log may contain it.
const secretMark = "SECRETVALUE"

func tok(kind string, n int) string { return fmt.Sprintf("%s-%s-%d", kind, secretMark, n) }

// fakeProvider counts calls; fn decides each answer (n is 1-based).
type fakeProvider struct {
	name string
	fn   func(n int, f *tokenfile.File) (tokenfile.Update, error)

	mu    sync.Mutex
	calls int
	files []string
}

func (p *fakeProvider) Name() string { return p.name }

func (p *fakeProvider) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	p.mu.Lock()
	p.calls++
	n := p.calls
	p.files = append(p.files, f.Name)
	p.mu.Unlock()
	if p.fn == nil {
		return okUpdate(n, t0.Add(240*time.Hour)), nil
	}
	return p.fn(n, f)
}

func (p *fakeProvider) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

func (p *fakeProvider) Files() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.files...)
}

func okUpdate(n int, exp time.Time) tokenfile.Update {
	return tokenfile.Update{AccessToken: tok("at-new", n), RefreshToken: tok("rt-new", n), ExpiresAt: exp}
}

func transientErr() error {
	return &provider.Error{Provider: "qwen", Class: provider.Transient, StatusCode: 503, Description: "busy"}
}

type providers map[string]provider.Provider

func (p providers) Get(name string) (provider.Provider, bool) { pr, ok := p[name]; return pr, ok }

type notifier struct {
	mu   sync.Mutex
	list []daemon.Notice
}

func (n *notifier) Notify(x daemon.Notice) {
	n.mu.Lock()
	n.list = append(n.list, x)
	n.mu.Unlock()
}

func (n *notifier) count(kind daemon.NoticeKind) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for _, x := range n.list {
		if x.Kind == kind {
			c++
		}
	}
	return c
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// writeToken writes a qwen-style token file and returns its path.
func writeToken(t testing.TB, dir, name string, fields map[string]any) string {
	t.Helper()
	data, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func tokenFields(prov string, n int, exp time.Time) map[string]any {
	return map[string]any{
		"type":          prov,
		"access_token":  tok("at-old", n),
		"refresh_token": tok("rt-old", n),
		"expires_at":    exp.UnixMilli(),
		"email":         fmt.Sprintf("user%d@example.com", n),
	}
}

func readFields(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s is not valid JSON: %v", path, err)
	}
	return m
}

type harness struct {
	t      *testing.T
	dir    string
	home   string
	cfg    daemon.Config
	clock  *daemontest.Clock
	d      *daemon.Daemon
	notes  *notifier
	logs   *syncBuffer
	events <-chan daemon.Event
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

type setup struct {
	cfg     func(*daemon.Config)
	provs   providers
	rand    func() float64
	writer  func(string, tokenfile.Update, *string) (tokenfile.WriteResult, error)
	clock   *daemontest.Clock
	home    string
	logs    *syncBuffer
	sources daemon.Sources
	// cluster is the cluster port (cluster_test.go); nil: a single host.
	cluster daemon.Cluster
}

func newHarness(t *testing.T, dir string, s setup) *harness {
	t.Helper()
	if s.home == "" {
		s.home = t.TempDir()
	}
	if s.clock == nil {
		s.clock = daemontest.NewClock(t0)
	}
	if s.logs == nil {
		s.logs = &syncBuffer{}
	}
	if s.rand == nil {
		s.rand = func() float64 { return 0.5 }
	}
	cfg := daemon.Config{
		AuthDir:        dir,
		StatePath:      filepath.Join(s.home, "state", "token-daemon.json"),
		RefreshAhead:   30 * time.Minute,
		CheckInterval:  60 * time.Second,
		AutoRefresh:    true,
		RetryOnFailure: true,
		MaxRetries:     3,
		MaxConcurrent:  8,
		PerProvider:    4,
	}
	if s.cfg != nil {
		s.cfg(&cfg)
	}
	h := &harness{t: t, dir: dir, home: s.home, cfg: cfg, clock: s.clock, notes: &notifier{}, logs: s.logs}
	d, err := daemon.New(cfg, daemon.Deps{
		Clock: s.clock, Providers: s.provs, Notifier: h.notes, Rand: s.rand, Sources: s.sources, Cluster: s.cluster,
		Logger: slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.writer != nil {
		d.SetWriter(s.writer)
	}
	h.d = d
	ev, unsub := d.Subscribe()
	h.events = ev
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- d.Run(ctx) }()
	t.Cleanup(func() {
		h.stop()
		unsub()
		if strings.Contains(s.logs.String(), secretMark) {
			t.Errorf("a token value leaked into the log:\n%s", s.logs.String())
		}
	})
	select {
	case <-d.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("daemon not ready")
	}
	d.Sync()
	return h
}

// stop ends Run and waits for it (idempotent).
func (h *harness) stop() {
	h.once.Do(func() {
		h.cancel()
		select {
		case err := <-h.done:
			if err != nil {
				h.t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			h.t.Error("Run did not return after cancel")
		}
	})
}

func (h *harness) state(name string) daemon.TokenState {
	for _, s := range h.d.Snapshot() {
		if s.File == name {
			return s
		}
	}
	return daemon.TokenState{}
}

// waitFor waits (on events, with a real-time hang guard) until cond holds.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	h.waitForOn(what, nil, cond)
}

// waitForOn is waitFor that also re-checks cond whenever wake fires: for a
// condition that changes inside a fake provider, after the daemon's last event.
func (h *harness) waitForOn(what string, wake <-chan struct{}, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-h.events:
		case <-wake:
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s; snapshot %+v", what, h.d.Snapshot())
		}
	}
	h.d.Sync()
}

// advanceTo moves the fake clock to at (no-op when already past).
func (h *harness) advanceTo(at time.Time) {
	h.d.Sync()
	if d := at.Sub(h.clock.Now()); d > 0 {
		h.clock.Advance(d)
	}
	h.d.Sync()
}

func (h *harness) advance(d time.Duration) {
	h.d.Sync()
	h.clock.Advance(d)
	h.d.Sync()
}

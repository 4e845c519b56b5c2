package tray

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// hangGuard bounds every wait against a hung test; it is never a timing
// assertion.
const hangGuard = 15 * time.Second

// testSecret stands for the daemon's web secret in test URLs; it must never
// show up in a log.
const testSecret = "s3cret-web-key"

// fakeCore is an in-memory daemon core behind a real ipc.Server.
type fakeCore struct {
	mu      sync.Mutex
	states  []daemon.TokenState
	subs    map[chan daemon.Event]struct{}
	refresh chan refreshCall
}

type refreshCall struct {
	names []string
	all   bool
}

func newFakeCore(states ...daemon.TokenState) *fakeCore {
	return &fakeCore{states: states, subs: make(map[chan daemon.Event]struct{}), refresh: make(chan refreshCall, 16)}
}

func (f *fakeCore) Snapshot() []daemon.TokenState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.states)
}

func (f *fakeCore) Refresh(_ context.Context, names []string, all bool) []daemon.RefreshResult {
	f.refresh <- refreshCall{names, all}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []daemon.RefreshResult
	for _, s := range f.states {
		out = append(out, daemon.RefreshResult{File: s.File, Status: s.Status})
	}
	return out
}

func (f *fakeCore) Subscribe() (<-chan daemon.Event, func()) {
	ch := make(chan daemon.Event, 64)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}
}

// publish changes a token (or removes it) and tells every subscriber, as
// the daemon does.
func (f *fakeCore) publish(typ daemon.EventType, s daemon.TokenState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.states, func(x daemon.TokenState) bool { return x.File == s.File })
	switch {
	case typ == daemon.EventRemoved && i >= 0:
		f.states = slices.Delete(f.states, i, i+1)
	case typ == daemon.EventToken && i >= 0:
		f.states[i] = s
	case typ == daemon.EventToken:
		f.states = append(f.states, s)
	}
	for ch := range f.subs {
		ch <- daemon.Event{Type: typ, At: testNow, Token: s}
	}
}

func state(file, provider string, status tokenfile.Status, expiresIn time.Duration, refreshable bool) daemon.TokenState {
	s := daemon.TokenState{File: file, Path: "/auth/" + file, Provider: provider, DisplayName: file,
		Status: status, Refreshable: refreshable}
	if expiresIn != 0 {
		s.ExpiresAt = testNow.Add(expiresIn)
	}
	return s
}

// planStates are the three examples of the plan.
func planStates() []daemon.TokenState {
	return []daemon.TokenState{
		state("iflow.json", "iflow", tokenfile.StatusValid, 48*time.Hour, true),
		state("qwen.json", "qwen", tokenfile.StatusExpiring, 25*time.Minute+10*time.Second, true),
		state("iflow-work.json", "iflow", tokenfile.StatusNeedsReauth, -time.Hour, true),
	}
}

// shortDir is a temporary directory with a short path: sun_path holds only
// 108 bytes and t.TempDir() paths carry the test name.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rctray")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// daemonServer is a real ipc.Server over a fake core that can be stopped
// and started again on the same socket, like a restarted daemon.
type daemonServer struct {
	t        *testing.T
	sock     string
	core     *fakeCore
	shutdown chan struct{}

	stop context.CancelFunc
	done chan error
}

func newDaemonServer(t *testing.T, core *fakeCore) *daemonServer {
	d := &daemonServer{t: t, sock: filepath.Join(shortDir(t), "run", "td.sock"), core: core, shutdown: make(chan struct{}, 4)}
	d.start()
	t.Cleanup(d.halt)
	return d
}

func (d *daemonServer) start() {
	d.t.Helper()
	srv := ipc.NewServer(d.core, func() ipc.DaemonInfo {
		return ipc.DaemonInfo{Running: true, PID: 4242, AuthDir: "/auth", Version: "test"}
	}, ipc.ServerOptions{
		Now:      func() time.Time { return testNow },
		Shutdown: func() { d.shutdown <- struct{}{} },
	})
	ln, err := ipc.Listen(d.sock)
	if err != nil {
		d.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stop, d.done = cancel, make(chan error, 1)
	go func() { d.done <- srv.Serve(ctx, ln) }()
}

// halt stops the server (event streams end at once) and waits for it.
func (d *daemonServer) halt() {
	if d.stop == nil {
		return
	}
	d.stop()
	select {
	case <-d.done:
	case <-time.After(hangGuard):
		d.t.Error("ipc server did not stop")
	}
	d.stop = nil
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func testAuthURL(file string) string { return "http://127.0.0.1:9/auth/" + file + "?k=" + testSecret }
func testUIURL() string              { return "http://127.0.0.1:9/ui?k=" + testSecret }

package tray

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// fakeAfter hands every wait of the controller to the test, which fires it.
type fakeAfter struct{ waits chan fakeWait }

type fakeWait struct {
	d  time.Duration
	ch chan time.Time
}

func newFakeAfter() *fakeAfter { return &fakeAfter{waits: make(chan fakeWait, 8)} }

func (f *fakeAfter) after(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	f.waits <- fakeWait{d, ch}
	return ch
}

// next returns the controller's next wait.
func (f *fakeAfter) next(t *testing.T) fakeWait {
	t.Helper()
	select {
	case w := <-f.waits:
		return w
	case <-time.After(hangGuard):
		t.Fatal("the controller did not start waiting")
	}
	return fakeWait{}
}

// waitMenu waits until the controller's menu satisfies ok.
func waitMenu(t *testing.T, c *controller, what string, ok func(Menu) bool) Menu {
	t.Helper()
	deadline := time.After(hangGuard)
	for {
		m := c.menu()
		if ok(m) {
			return m
		}
		select {
		case <-c.changed:
		case <-deadline:
			t.Fatalf("menu never showed %s; last: %+v", what, m)
		}
	}
}

func labels(m Menu) []string {
	var out []string
	for _, e := range m.Tokens {
		out = append(out, e.Label)
	}
	return out
}

func hasLines(want ...string) func(Menu) bool {
	return func(m Menu) bool { return slices.Equal(labels(m), want) }
}

func TestControllerFollowsEventsAndReconnects(t *testing.T) {
	core := newFakeCore(planStates()...)
	d := newDaemonServer(t, core)
	fa := newFakeAfter()
	var logs syncBuffer
	c := newController(ipc.NewClient(d.sock), Options{
		Lang: i18n.ZH, Now: func() time.Time { return testNow }, Logger: testLogger(&logs), after: fa.after,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.follow(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	m := waitMenu(t, c, "the plan's three tokens", hasLines(
		"iflow-work.json ❌ 失效 [重新认证]", "iflow.json ✅ 有效", "qwen.json ⚠️ 25分钟后过期"))
	if m.Level != LevelError {
		t.Errorf("level %v, want error", m.Level)
	}

	// A live change, an addition and a removal.
	core.publish(daemon.EventToken, state("iflow-work.json", "iflow", tokenfile.StatusValid, 3*time.Hour, true))
	core.publish(daemon.EventToken, state("new.json", "qwen", tokenfile.StatusRefreshFailed, time.Hour, true))
	core.publish(daemon.EventRemoved, state("iflow.json", "iflow", tokenfile.StatusMissing, 0, true))
	m = waitMenu(t, c, "the changes", hasLines(
		"iflow-work.json ✅ 有效", "new.json ⚠️ 刷新失败 [重新认证]", "qwen.json ⚠️ 25分钟后过期"))
	if m.Level != LevelWarning {
		t.Errorf("level %v, want warning", m.Level)
	}

	// The daemon stops: offline, then retries with a growing backoff that
	// starts again from the minimum once the daemon answered.
	d.halt()
	waitMenu(t, c, "offline", func(m Menu) bool { return m.Level == LevelOffline })
	w := fa.next(t)
	if w.d != minBackoff {
		t.Fatalf("first retry after %v, want %v", w.d, minBackoff)
	}
	w.ch <- testNow
	for _, want := range []time.Duration{2 * minBackoff, 4 * minBackoff} {
		w = fa.next(t)
		if w.d != want {
			t.Fatalf("retry after %v, want %v", w.d, want)
		}
		w.ch <- testNow
	}
	w = fa.next(t)
	if w.d != 8*minBackoff {
		t.Fatalf("retry after %v, want %v", w.d, 8*minBackoff)
	}
	// Restarted with a different set of tokens: the new snapshot replaces
	// the old one entirely.
	core.mu.Lock()
	core.states = []daemon.TokenState{state("only.json", "iflow", tokenfile.StatusValid, 0, true)}
	core.mu.Unlock()
	d.start()
	w.ch <- testNow
	m = waitMenu(t, c, "the restarted daemon's tokens", hasLines("only.json ✅ 有效"))
	if m.Level != LevelOK {
		t.Errorf("level %v, want ok", m.Level)
	}
	// An event shows that the stream is open before the daemon stops again.
	core.publish(daemon.EventToken, state("only.json", "iflow", tokenfile.StatusExpiring, 3*time.Minute, true))
	waitMenu(t, c, "the event on the new stream", hasLines("only.json ⚠️ 3分钟后过期"))
	d.halt()
	if w = fa.next(t); w.d != minBackoff {
		t.Fatalf("after a good connection the retry is after %v, want %v", w.d, minBackoff)
	}
	if got := strings.Count(logs.String(), "does not answer; retrying"); got != 2 {
		t.Errorf("logged %d disconnections at info level, want 2 (one per outage):\n%s", got, logs.String())
	}
}

func TestControllerActions(t *testing.T) {
	core := newFakeCore(planStates()...)
	d := newDaemonServer(t, core)

	type opened struct{ urls []string }
	tests := []struct {
		name     string
		action   Action
		authURL  func(string) string
		uiURL    func() string
		openErr  error
		wantOpen []string
		wantLog  string
		quits    bool
	}{
		{name: "auth page", action: Action{Kind: ActionOpenAuth, File: "iflow-work.json"},
			authURL: testAuthURL, wantOpen: []string{testAuthURL("iflow-work.json")}, wantLog: "opened the auth page"},
		{name: "auth page without web server", action: Action{Kind: ActionOpenAuth, File: "iflow-work.json"},
			authURL: func(string) string { return "" }, wantLog: "no auth page to open"},
		{name: "browser fails", action: Action{Kind: ActionOpenAuth, File: "iflow-work.json"},
			authURL: testAuthURL, openErr: errors.New("xdg-open " + testAuthURL("iflow-work.json") + ": not found"),
			wantOpen: []string{testAuthURL("iflow-work.json")}, wantLog: "could not open the auth page"},
		{name: "web UI", action: Action{Kind: ActionOpenWebUI}, uiURL: testUIURL, wantOpen: []string{testUIURL()}, wantLog: "opened the web UI"},
		{name: "web UI without web server", action: Action{Kind: ActionOpenWebUI}, wantLog: "no web UI to open"},
		{name: "quit", action: Action{Kind: ActionQuit}, quits: true, wantLog: "quit from the menu"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs syncBuffer
			var mu sync.Mutex
			var got opened
			c := newController(ipc.NewClient(d.sock), Options{
				Logger: testLogger(&logs), AuthURL: tt.authURL, UIURL: tt.uiURL,
				OpenURL: func(u string) error {
					mu.Lock()
					defer mu.Unlock()
					got.urls = append(got.urls, u)
					return tt.openErr
				},
			})
			quit := 0
			c.quit = func() { quit++ }
			c.do(context.Background(), tt.action)
			if !slices.Equal(got.urls, tt.wantOpen) {
				t.Errorf("opened %q, want %q", got.urls, tt.wantOpen)
			}
			if (quit == 1) != tt.quits {
				t.Errorf("quit called %d times", quit)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("log lacks %q:\n%s", tt.wantLog, logs.String())
			}
			if strings.Contains(logs.String(), testSecret) {
				t.Errorf("the web secret leaked into the log:\n%s", logs.String())
			}
		})
	}

	t.Run("refresh all", func(t *testing.T) {
		c := newController(ipc.NewClient(d.sock), Options{})
		c.do(context.Background(), Action{Kind: ActionRefreshAll})
		select {
		case call := <-core.refresh:
			if !call.all || len(call.names) != 0 {
				t.Errorf("refresh call %+v, want all", call)
			}
		case <-time.After(hangGuard):
			t.Fatal("the daemon was not asked to refresh")
		}
	})

	t.Run("stop daemon and quit", func(t *testing.T) {
		c := newController(ipc.NewClient(d.sock), Options{})
		quit := make(chan struct{}, 1)
		c.quit = func() { quit <- struct{}{} }
		c.do(context.Background(), Action{Kind: ActionStopDaemon})
		for _, ch := range []chan struct{}{d.shutdown, quit} {
			select {
			case <-ch:
			case <-time.After(hangGuard):
				t.Fatal("the daemon was not stopped or the tray did not quit")
			}
		}
	})

	t.Run("stop daemon that is not running", func(t *testing.T) {
		var logs syncBuffer
		c := newController(ipc.NewClient(d.sock+".none"), Options{Logger: testLogger(&logs)})
		quit := 0
		c.quit = func() { quit++ }
		c.do(context.Background(), Action{Kind: ActionStopDaemon})
		if quit != 1 || !strings.Contains(logs.String(), "was not running") {
			t.Errorf("quit %d times; log:\n%s", quit, logs.String())
		}
	})
}

func TestRedactURL(t *testing.T) {
	u := testAuthURL("a b.json")
	got := redactURL("open "+u+": failed", u)
	if strings.Contains(got, testSecret) || !strings.Contains(got, "/auth/") {
		t.Errorf("redactURL = %q", got)
	}
}

// refusingClient answers status but refuses the event stream, like a daemon
// without /v1/events.
type refusingClient struct{ daemonClient }

func (refusingClient) Status(context.Context) (ipc.Status, error) { return ipc.Status{}, nil }

func (refusingClient) Events(context.Context) iter.Seq2[ipc.Event, error] {
	return func(yield func(ipc.Event, error) bool) {
		yield(ipc.Event{}, &ipc.APIError{Status: 404, Message: "no such API path /v1/events"})
	}
}

func TestControllerBacksOffWhenStreamRefused(t *testing.T) {
	fa := newFakeAfter()
	var logs syncBuffer
	c := newController(refusingClient{}, Options{Logger: testLogger(&logs), after: fa.after})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.follow(ctx) }()
	for _, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second} {
		w := fa.next(t)
		if w.d != want {
			t.Fatalf("retry after %v, want %v", w.d, want)
		}
		w.ch <- testNow
	}
	cancel()
	<-done
	if n := strings.Count(logs.String(), "level=INFO"); n != 1 {
		t.Errorf("%d info lines for one outage, want 1:\n%s", n, logs.String())
	}
}

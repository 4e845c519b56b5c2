package ipc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// hangGuard bounds every wait against a hung test; it is never a timing
// assertion.
const hangGuard = 10 * time.Second

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fakeCore is an in-memory daemon core.
type fakeCore struct {
	mu       sync.Mutex
	states   []daemon.TokenState
	refresh  []refreshCall
	results  []daemon.RefreshResult
	events   chan daemon.Event
	canceled chan struct{}
}

type refreshCall struct {
	names []string
	all   bool
}

func newFakeCore() *fakeCore {
	return &fakeCore{
		states: []daemon.TokenState{
			{File: "iflow-oauth-1-work.json", Path: "/auth/iflow-oauth-1-work.json", Provider: "iflow", Alias: "work",
				DisplayName: "work (a@x.com)", Email: "a@x.com", Status: tokenfile.StatusValid,
				ExpiresAt: testNow.Add(2 * time.Hour), Refreshable: true, NextRefreshAt: testNow.Add(90 * time.Minute)},
			{File: "qwen-oauth-1-work.json", Path: "/auth/qwen-oauth-1-work.json", Provider: "qwen", Alias: "work",
				DisplayName: "work", Status: tokenfile.StatusNeedsReauth, Reason: "invalid_grant",
				ExpiresAt: testNow.Add(-time.Hour), Failures: 1, LastError: "qwen: invalid_grant"},
			{File: "gemini-oauth-1.json", Path: "/auth/gemini-oauth-1.json", Provider: "gemini-cli",
				DisplayName: "g@x.com", Email: "g@x.com", Status: tokenfile.StatusValid},
		},
		events:   make(chan daemon.Event, 16),
		canceled: make(chan struct{}),
	}
}

func (f *fakeCore) Snapshot() []daemon.TokenState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]daemon.TokenState(nil), f.states...)
}

func (f *fakeCore) Refresh(_ context.Context, names []string, all bool) []daemon.RefreshResult {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refresh = append(f.refresh, refreshCall{names: names, all: all})
	return f.results
}

func (f *fakeCore) Subscribe() (<-chan daemon.Event, func()) {
	var once sync.Once
	return f.events, func() { once.Do(func() { close(f.canceled) }) }
}

func (f *fakeCore) calls() []refreshCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]refreshCall(nil), f.refresh...)
}

// shortDir is a temporary directory with a short path: sun_path holds
// only 108 bytes and t.TempDir() paths carry the test name.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

type running struct {
	sock     string
	srv      *Server
	client   *Client
	stop     context.CancelFunc
	done     chan error
	shutdown chan struct{}
}

// serve runs a server over core on a fresh socket; tweak may adjust the
// server before it serves.
func serve(t *testing.T, core Core, tweak func(*Server)) *running {
	t.Helper()
	r := &running{
		sock:     filepath.Join(shortDir(t), "run", "token-daemon.sock"),
		done:     make(chan error, 1),
		shutdown: make(chan struct{}, 4),
	}
	info := func() DaemonInfo {
		started := testNow.Add(-time.Hour).Format(time.RFC3339)
		return DaemonInfo{Running: true, PID: 4242, AuthDir: "/auth", StartedAt: &started, Version: "test"}
	}
	r.srv = NewServer(core, info, ServerOptions{
		Now:      func() time.Time { return testNow },
		Shutdown: func() { r.shutdown <- struct{}{} },
	})
	if tweak != nil {
		tweak(r.srv)
	}
	ln, err := Listen(r.sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go func() { r.done <- r.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(hangGuard):
			t.Error("Serve did not return")
		}
	})
	r.client = NewClient(r.sock)
	return r
}

// raw sends a request as any HTTP client would and returns code and body.
func (r *running) raw(t *testing.T, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://token-daemon"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.client.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, data
}

func TestListenMakesPrivateSocket(t *testing.T) {
	tests := []struct {
		name    string
		preMode os.FileMode // 0: the dir does not exist yet
	}{
		{"new dir", 0},
		{"loose existing dir", 0o755},
		{"private existing dir", 0o700},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(shortDir(t), "run")
			if tt.preMode != 0 {
				if err := os.Mkdir(dir, tt.preMode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(dir, tt.preMode); err != nil { // past the umask
					t.Fatal(err)
				}
			}
			sock := filepath.Join(dir, "token-daemon.sock")
			ln, err := Listen(sock)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			assertMode(t, dir, 0o700)
			assertMode(t, sock, 0o600)
			if fi, _ := os.Lstat(sock); fi.Mode().Type() != os.ModeSocket {
				t.Fatalf("%s is %v, want a socket", sock, fi.Mode())
			}
		})
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Fatalf("%s has mode %#o, want %#o", path, got, want)
	}
}

// staleSocket leaves a socket file that nobody listens on, as a crashed
// daemon does.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
}

func TestListenReplacesStaleSocket(t *testing.T) {
	sock := filepath.Join(shortDir(t), "run", "d.sock")
	staleSocket(t, sock)
	ln, err := Listen(sock)
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	defer ln.Close()
	c, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatalf("new socket does not answer: %v", err)
	}
	c.Close()
}

func TestListenRefusesLiveSocket(t *testing.T) {
	sock := filepath.Join(shortDir(t), "run", "d.sock")
	ln, err := Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := Listen(sock); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Listen: %v, want ErrAlreadyRunning", err)
	}
	if c, err := net.Dial("unix", sock); err != nil {
		t.Fatalf("the first socket was disturbed: %v", err)
	} else {
		c.Close()
	}
}

func TestListenRefusesWhatIsNotASocket(t *testing.T) {
	sock := filepath.Join(shortDir(t), "run", "d.sock")
	if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sock, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(sock); err == nil {
		t.Fatal("Listen over a regular file succeeded")
	}
	if data, _ := os.ReadFile(sock); string(data) != "keep me" {
		t.Fatal("Listen touched a regular file in its way")
	}
}

func TestListenRefusesTooLongPath(t *testing.T) {
	sock := filepath.Join(shortDir(t), strings.Repeat("d", 120), "d.sock")
	_, err := Listen(sock)
	if err == nil || !strings.Contains(err.Error(), "bytes long") {
		t.Fatalf("Listen on a %d-byte path: %v, want a clear error", len(sock), err)
	}
}

func TestServeRemovesSocketOnStop(t *testing.T) {
	r := serve(t, newFakeCore(), nil)
	if err := r.client.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.stop()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Serve did not return")
	}
	r.done <- nil // for the cleanup
	if _, err := os.Lstat(r.sock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left behind: %v", err)
	}
	if err := r.client.Ping(context.Background()); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Ping after stop: %v, want ErrNotRunning", err)
	}
}

func TestClientNotRunning(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, sock string)
	}{
		{"no socket file", func(*testing.T, string) {}},
		{"no dir", func(*testing.T, string) {}},
		{"stale socket", staleSocket},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := filepath.Join(shortDir(t), "run", "d.sock")
			if tt.name == "no socket file" {
				if err := os.MkdirAll(filepath.Dir(sock), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			tt.setup(t, sock)
			c := NewClient(sock)
			ctx := context.Background()
			if err := c.Ping(ctx); !errors.Is(err, ErrNotRunning) {
				t.Fatalf("Ping: %v, want ErrNotRunning", err)
			}
			if _, err := c.Refresh(ctx, nil, true); !errors.Is(err, ErrNotRunning) {
				t.Fatalf("Refresh: %v, want ErrNotRunning", err)
			}
			for _, err := range c.Events(ctx) {
				if !errors.Is(err, ErrNotRunning) {
					t.Fatalf("Events: %v, want ErrNotRunning", err)
				}
			}
		})
	}
}

func TestStatusAndList(t *testing.T) {
	core := newFakeCore()
	r := serve(t, core, nil)
	ctx := context.Background()

	st, err := r.client.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Daemon.Running || st.Daemon.PID != 4242 || st.Daemon.AuthDir != "/auth" {
		t.Fatalf("daemon info %+v", st.Daemon)
	}
	wantStatus := make([]TokenDetail, len(core.states))
	for i, s := range core.states {
		wantStatus[i] = DetailOf(s, testNow)
	}
	if !reflect.DeepEqual(st.Tokens, wantStatus) {
		t.Fatalf("status tokens\n got %+v\nwant %+v", st.Tokens, wantStatus)
	}
	if rem := st.Tokens[0].RemainingSeconds; rem == nil || *rem != 7200 {
		t.Fatalf("remainingSeconds %v, want 7200 at the injected now", rem)
	}

	l, err := r.client.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantList := make([]Token, len(core.states))
	for i, s := range core.states {
		wantList[i] = TokenOf(s, testNow)
	}
	if !reflect.DeepEqual(l.Tokens, wantList) {
		t.Fatalf("list tokens\n got %+v\nwant %+v", l.Tokens, wantList)
	}
}

func TestEmptyListsAreArrays(t *testing.T) {
	core := newFakeCore()
	core.states = nil
	r := serve(t, core, nil)
	for _, path := range []string{"/v1/status", "/v1/list"} {
		code, _, body := r.raw(t, http.MethodGet, path, "")
		if code != http.StatusOK || !bytes.Contains(body, []byte(`"tokens":[]`)) {
			t.Fatalf("GET %s: %d %s, want an empty tokens array", path, code, body)
		}
	}
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		name       string
		names      []string
		all        bool
		wantCall   *refreshCall // nil: the core must not be called
		wantStatus int          // 0: success
		wantCands  []string
	}{
		{name: "file name", names: []string{"gemini-oauth-1.json"},
			wantCall: &refreshCall{names: []string{"gemini-oauth-1.json"}}},
		{name: "file name without .json", names: []string{"gemini-oauth-1"},
			wantCall: &refreshCall{names: []string{"gemini-oauth-1.json"}}},
		{name: "email", names: []string{"A@x.com"},
			wantCall: &refreshCall{names: []string{"iflow-oauth-1-work.json"}}},
		{name: "duplicates collapse", names: []string{"a@x.com", "iflow-oauth-1-work"},
			wantCall: &refreshCall{names: []string{"iflow-oauth-1-work.json"}}},
		{name: "all", all: true, wantCall: &refreshCall{all: true}},
		{name: "ambiguous alias", names: []string{"work"}, wantStatus: http.StatusConflict,
			wantCands: []string{"iflow-oauth-1-work.json", "qwen-oauth-1-work.json"}},
		{name: "unknown", names: []string{"gemini-oauth-1", "nobody"}, wantStatus: http.StatusNotFound},
		{name: "nothing", wantStatus: http.StatusBadRequest},
		{name: "names and all", names: []string{"gemini-oauth-1"}, all: true, wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := newFakeCore()
			core.results = []daemon.RefreshResult{
				{File: "gemini-oauth-1.json", Status: tokenfile.StatusValid},
				{File: "qwen-oauth-1-work.json", Status: tokenfile.StatusNeedsReauth, Err: errors.New("qwen: invalid_grant")},
			}
			r := serve(t, core, nil)
			got, err := r.client.Refresh(context.Background(), tt.names, tt.all)

			if tt.wantStatus != 0 {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Status != tt.wantStatus {
					t.Fatalf("Refresh: %v, want an APIError %d", err, tt.wantStatus)
				}
				if !reflect.DeepEqual(apiErr.Candidates, tt.wantCands) {
					t.Fatalf("candidates %q, want %q", apiErr.Candidates, tt.wantCands)
				}
				if apiErr.Message == "" || strings.Contains(apiErr.Message, "\n") {
					t.Fatalf("message %q, want one sentence", apiErr.Message)
				}
				if calls := core.calls(); len(calls) != 0 {
					t.Fatalf("core refreshed %+v after an error", calls)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := []RefreshOutcome{
				{File: "gemini-oauth-1.json", Status: "valid"},
				{File: "qwen-oauth-1-work.json", Status: "needs_reauth", Error: "qwen: invalid_grant"},
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("outcomes %+v, want %+v", got, want)
			}
			if calls := core.calls(); len(calls) != 1 || !reflect.DeepEqual(calls[0], *tt.wantCall) {
				t.Fatalf("core calls %+v, want [%+v]", calls, *tt.wantCall)
			}
		})
	}
}

func TestBadRequests(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		path      string
		body      string
		wantCode  int
		wantAllow string
	}{
		{"refresh body not JSON", http.MethodPost, "/v1/refresh", "names=a", http.StatusBadRequest, ""},
		{"refresh unknown field", http.MethodPost, "/v1/refresh", `{"name":"a"}`, http.StatusBadRequest, ""},
		{"refresh body too large", http.MethodPost, "/v1/refresh",
			`{"names":["` + strings.Repeat("a", maxBodyBytes) + `"]}`, http.StatusRequestEntityTooLarge, ""},
		{"GET refresh", http.MethodGet, "/v1/refresh", "", http.StatusMethodNotAllowed, "POST"},
		{"POST status", http.MethodPost, "/v1/status", "", http.StatusMethodNotAllowed, "GET"},
		{"DELETE list", http.MethodDelete, "/v1/list", "", http.StatusMethodNotAllowed, "GET"},
		{"HEAD events", http.MethodHead, "/v1/events", "", http.StatusMethodNotAllowed, "GET"},
		{"GET shutdown", http.MethodGet, "/v1/shutdown", "", http.StatusMethodNotAllowed, "POST"},
		{"unknown path", http.MethodGet, "/v1/nope", "", http.StatusNotFound, ""},
		{"unversioned path", http.MethodGet, "/status", "", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := newFakeCore()
			r := serve(t, core, nil)
			code, hdr, body := r.raw(t, tt.method, tt.path, tt.body)
			if code != tt.wantCode {
				t.Fatalf("%s %s: %d %s, want %d", tt.method, tt.path, code, body, tt.wantCode)
			}
			if hdr.Get("Allow") != tt.wantAllow {
				t.Fatalf("Allow %q, want %q", hdr.Get("Allow"), tt.wantAllow)
			}
			if tt.method != http.MethodHead {
				var eb ErrorBody
				if err := json.Unmarshal(body, &eb); err != nil || eb.Error == "" {
					t.Fatalf("body %q is not a JSON error", body)
				}
			}
			if len(core.calls()) != 0 {
				t.Fatal("core refreshed on a bad request")
			}
		})
	}
}

func TestShutdown(t *testing.T) {
	r := serve(t, newFakeCore(), nil)
	if err := r.client.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.shutdown:
	case <-time.After(hangGuard):
		t.Fatal("Shutdown hook not called")
	}
	code, _, _ := r.raw(t, http.MethodPost, "/v1/shutdown", "")
	if code != http.StatusAccepted {
		t.Fatalf("second shutdown: %d", code)
	}
	select {
	case <-r.shutdown:
		t.Fatal("Shutdown hook called twice")
	default:
	}
}

func TestShutdownWithoutHook(t *testing.T) {
	r := serve(t, newFakeCore(), func(s *Server) { s.opts.Shutdown = nil })
	var apiErr *APIError
	if err := r.client.Shutdown(context.Background()); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotImplemented {
		t.Fatalf("Shutdown: %v, want 501", err)
	}
}

func TestEventsSnapshotThenLiveUntilCancel(t *testing.T) {
	core := newFakeCore()
	r := serve(t, core, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	live := []daemon.Event{
		{Type: daemon.EventToken, At: testNow.Add(time.Second),
			Token: daemon.TokenState{File: "gemini-oauth-1.json", Status: tokenfile.StatusRefreshing}},
		{Type: daemon.EventToken, At: testNow.Add(2 * time.Second),
			Token: daemon.TokenState{File: "gemini-oauth-1.json", Status: tokenfile.StatusValid}},
		{Type: daemon.EventRemoved, At: testNow.Add(3 * time.Second),
			Token: daemon.TokenState{File: "qwen-oauth-1-work.json", Status: tokenfile.StatusMissing}},
	}
	var got []Event
	n := len(core.states)
	ended := make(chan error, 1)
	go func() {
		for ev, err := range r.client.Events(ctx) {
			if err != nil {
				ended <- err
				return
			}
			got = append(got, ev)
			if len(got) == n { // snapshot read: the server has subscribed
				for _, ev := range live {
					core.events <- ev
				}
			}
			if len(got) == n+len(live) {
				cancel()
			}
		}
		ended <- nil
	}()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("stream error: %v", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("stream did not end after cancel")
	}
	select {
	case <-core.canceled:
	case <-time.After(hangGuard):
		t.Fatal("server did not release its subscription after the client left")
	}

	var want []Event
	for _, s := range core.states {
		want = append(want, Event{Type: "token", At: testNow, Token: DetailOf(s, testNow)})
	}
	for _, ev := range live {
		want = append(want, Event{Type: string(ev.Type), At: ev.At, Token: DetailOf(ev.Token, testNow)})
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Type != want[i].Type || !got[i].At.Equal(want[i].At) || !reflect.DeepEqual(got[i].Token, want[i].Token) {
			t.Fatalf("event %d\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestEventsEndWhenServerStops(t *testing.T) {
	core := newFakeCore()
	r := serve(t, core, nil)
	ended := make(chan error, 1)
	go func() {
		n := 0
		for _, err := range r.client.Events(context.Background()) {
			if err != nil {
				ended <- err
				return
			}
			if n++; n == len(core.states) {
				r.stop()
			}
		}
		ended <- nil
	}()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("stream ended with %v, want a clean end", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("stream did not end when the server stopped")
	}
}

func TestPeerCheck(t *testing.T) {
	tests := []struct {
		name     string
		peer     func(net.Conn) (int, bool, error)
		wantCode int
	}{
		{"same uid", func(net.Conn) (int, bool, error) { return 1000, true, nil }, http.StatusOK},
		{"other uid", func(net.Conn) (int, bool, error) { return 1001, true, nil }, http.StatusForbidden},
		{"root is another user too", func(net.Conn) (int, bool, error) { return 0, true, nil }, http.StatusForbidden},
		{"credentials unreadable", func(net.Conn) (int, bool, error) { return -1, true, errors.New("boom") }, http.StatusForbidden},
		{"os without peer uid", func(net.Conn) (int, bool, error) { return -1, false, nil }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			core := newFakeCore()
			r := serve(t, core, func(s *Server) { s.ownUID = 1000; s.peerUID = tt.peer })
			for _, req := range []struct{ method, path string }{
				{http.MethodGet, "/v1/status"}, {http.MethodPost, "/v1/shutdown"},
			} {
				code, _, body := r.raw(t, req.method, req.path, "")
				if tt.wantCode == http.StatusForbidden && code != tt.wantCode {
					t.Fatalf("%s %s: %d %s, want %d", req.method, req.path, code, body, tt.wantCode)
				}
				if tt.wantCode == http.StatusOK && code/100 != 2 {
					t.Fatalf("%s %s: %d %s, want success", req.method, req.path, code, body)
				}
			}
			if tt.wantCode == http.StatusForbidden {
				select {
				case <-r.shutdown:
					t.Fatal("a refused peer shut the daemon down")
				default:
				}
			}
		})
	}
}

func TestPeerUIDOfRealConnection(t *testing.T) {
	r := serve(t, newFakeCore(), nil)
	c, err := net.Dial("unix", r.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The server's side of the connection is not reachable from here;
	// both ends of a Unix socket report the other's credentials, and both
	// are this process.
	uid, supported, err := peerUID(c)
	if !supported {
		t.Skip("no peer credentials on this OS")
	}
	if err != nil || uid != os.Getuid() {
		t.Fatalf("peerUID = %d, %v; want %d", uid, err, os.Getuid())
	}
}

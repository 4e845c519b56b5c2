package web

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/authflow"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// hangGuard bounds waits against a hung test; never a timing assertion.
const hangGuard = 10 * time.Second

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fakeCore is an in-memory daemon core behind a real ipc.Server.
type fakeCore struct {
	mu      sync.Mutex
	states  []daemon.TokenState
	history map[string][]daemon.Attempt
	refresh [][]string
	refAll  int
	aliases map[string]string
	subs    []chan daemon.Event
	subbed  chan struct{}
}

func newFakeCore() *fakeCore {
	return &fakeCore{
		states: []daemon.TokenState{
			{File: "qwen-oauth-1-work.json", Path: "/auth/qwen-oauth-1-work.json", Provider: "qwen", Alias: "work",
				DisplayName: "work <b>", Status: tokenfile.StatusValid, ExpiresAt: testNow.Add(3 * time.Hour),
				Refreshable: true, LastRefreshAt: testNow.Add(-time.Hour)},
			{File: "iflow-oauth-1.json", Path: "/auth/iflow-oauth-1.json", Provider: "iflow",
				DisplayName: "a@x.com", Email: "a@x.com", Status: tokenfile.StatusNeedsReauth, Reason: "invalid_grant",
				LastError: "iflow: invalid_grant", Failures: 1},
		},
		history: map[string][]daemon.Attempt{
			"iflow-oauth-1.json": {{At: testNow.Add(-time.Minute), Status: tokenfile.StatusNeedsReauth, Error: "iflow: invalid_grant"}},
		},
		aliases: map[string]string{},
		subbed:  make(chan struct{}, 16),
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
	if all {
		f.refAll++
		names = []string{"qwen-oauth-1-work.json"}
	} else {
		f.refresh = append(f.refresh, names)
	}
	var out []daemon.RefreshResult
	for _, n := range names {
		out = append(out, daemon.RefreshResult{File: n, Status: tokenfile.StatusValid})
	}
	return out
}

func (f *fakeCore) Subscribe() (<-chan daemon.Event, func()) {
	ch := make(chan daemon.Event, 16)
	f.mu.Lock()
	f.subs = append(f.subs, ch)
	f.mu.Unlock()
	f.subbed <- struct{}{}
	return ch, func() {}
}

func (f *fakeCore) History(file string) []daemon.Attempt {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.history[file]
}

func (f *fakeCore) emit(ev daemon.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ch := range f.subs {
		ch <- ev
	}
}

type env struct {
	t      *testing.T
	core   *fakeCore
	base   string // the dashboard served directly (no guard)
	client *ipc.Client
}

// newEnv runs a real ipc.Server over a fake core on a Unix socket, and the
// dashboard on 127.0.0.1 as its client.
func newEnv(t *testing.T, lang i18n.Lang) *env {
	t.Helper()
	dir, err := os.MkdirTemp("", "rcw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s.sock")
	core := newFakeCore()
	info := func() ipc.DaemonInfo {
		return ipc.DaemonInfo{Running: true, PID: 1, AuthDir: "/auth", Version: "test", Cluster: envCluster}
	}
	srv := ipc.NewServer(core, info, ipc.ServerOptions{
		Now: func() time.Time { return testNow },
		SetAlias: func(_ context.Context, file, alias string) error {
			core.mu.Lock()
			defer core.mu.Unlock()
			if alias == "bad\x01" {
				return ipc.ErrBadAlias
			}
			core.aliases[file] = alias
			return nil
		},
	})
	ln, err := ipc.Listen(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	e := &env{t: t, core: core, client: ipc.NewClient(sock)}
	h := New(Options{API: e.client, Lang: lang, CSRF: "csrf-token", Heartbeat: time.Hour})
	ts := httptest.NewServer(h)
	e.base = ts.URL
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
		cancel()
		<-done
	})
	return e
}

func (e *env) get(path string) (int, string) {
	e.t.Helper()
	resp, err := http.Get(e.base + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (e *env) post(path, body string) (int, string) {
	e.t.Helper()
	resp, err := http.Post(e.base+path, "application/json", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

func bootOf(t *testing.T, page string) boot {
	t.Helper()
	const open = `<script type="application/json" id="boot">`
	i := strings.Index(page, open)
	if i < 0 {
		t.Fatalf("no boot data in page:\n%s", page)
	}
	rest := page[i+len(open):]
	j := strings.Index(rest, "</script>")
	var b boot
	if err := json.Unmarshal([]byte(rest[:j]), &b); err != nil {
		t.Fatalf("boot data is not JSON: %v\n%s", err, rest[:j])
	}
	return b
}

func TestDashboardPage(t *testing.T) {
	tests := []struct {
		lang                 i18n.Lang
		htmlLang, header     string
		refreshAll, statusOK string
	}{
		{i18n.ZH, `lang="zh-CN"`, "显示名称", "全部刷新", "✅ 有效"},
		{i18n.EN, `lang="en"`, "Display name", "Refresh all", "✅ valid"},
	}
	for _, tc := range tests {
		t.Run(string(tc.lang), func(t *testing.T) {
			e := newEnv(t, tc.lang)
			code, page := e.get("/ui")
			if code != 200 {
				t.Fatalf("GET /ui: %d %s", code, page)
			}
			for _, want := range []string{tc.htmlLang, tc.header, tc.refreshAll, `src="/ui/assets/app.js"`, `href="/ui/assets/app.css"`} {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			// No inline script (the CSP forbids it), no external resource.
			if strings.Contains(page, "<script>") || strings.Contains(page, "http://") || strings.Contains(page, "https://") {
				t.Errorf("page has an inline script or an external URL:\n%s", page)
			}
			// The display name is data, never markup.
			if strings.Contains(page, "work <b>") {
				t.Errorf("display name not escaped")
			}
			b := bootOf(t, page)
			if b.CSRF != "csrf-token" || b.Status["valid"] != tc.statusOK || len(b.Tokens) != 2 || b.Tokens[0].File != "iflow-oauth-1.json" && b.Tokens[0].File != "qwen-oauth-1-work.json" {
				t.Errorf("boot = %+v", b)
			}
			if code, _ := e.get("/ui/"); code != 200 {
				t.Errorf("GET /ui/: %d", code)
			}
		})
	}
}

func TestTokenPageAndHistory(t *testing.T) {
	e := newEnv(t, i18n.EN)
	code, page := e.get("/ui/token/iflow-oauth-1.json")
	if code != 200 {
		t.Fatalf("details: %d %s", code, page)
	}
	b := bootOf(t, page)
	if b.Page != "token" || b.File != "iflow-oauth-1.json" || len(b.Tokens) != 1 || len(b.History) != 1 ||
		b.History[0].Status != "needs_reauth" || b.History[0].At != "2026-05-01T11:59:00Z" {
		t.Fatalf("boot = %+v", b)
	}
	if !strings.Contains(page, "Refresh history") {
		t.Errorf("no history section")
	}
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/ui/token/nope.json", 404, "No token file nope.json"},
		{"/ui/api/history?file=iflow-oauth-1.json", 200, `"attempts":[{"at":"2026-05-01T11:59:00Z"`},
		{"/ui/api/history?file=nope.json", 404, "nope.json"},
		{"/ui/api/status", 200, `"qwen-oauth-1-work.json"`},
		{"/ui/assets/app.js", 200, "EventSource"},
		{"/ui/assets/app.css", 200, ".tokens"},
		{"/ui/assets/nope.js", 404, ""},
	}
	for _, tc := range tests {
		code, body := e.get(tc.path)
		if code != tc.code || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %.200s; want %d with %q", tc.path, code, body, tc.code, tc.want)
		}
	}
}

func TestActions(t *testing.T) {
	e := newEnv(t, i18n.EN)
	tests := []struct {
		name, path, body string
		code             int
		want             string
	}{
		{"refresh one", "/ui/api/refresh", `{"file":"qwen-oauth-1-work.json"}`, 200, `"file":"qwen-oauth-1-work.json","status":"valid","error":""`},
		{"refresh all", "/ui/api/refresh", `{"all":true}`, 200, `"results":[`},
		{"refresh neither", "/ui/api/refresh", `{}`, 400, "either"},
		{"refresh both", "/ui/api/refresh", `{"file":"a.json","all":true}`, 400, "either"},
		{"refresh unknown", "/ui/api/refresh", `{"file":"nope.json"}`, 404, "nope.json"},
		{"refresh junk", "/ui/api/refresh", `{"names":["x"]}`, 400, "bad request"},
		{"alias", "/ui/api/alias", `{"file":"iflow-oauth-1.json","alias":" 个人 "}`, 200, `"alias":"个人"`},
		{"alias removed", "/ui/api/alias", `{"file":"qwen-oauth-1-work.json","alias":""}`, 200, `"alias":""`},
		{"alias refused", "/ui/api/alias", `{"file":"iflow-oauth-1.json","alias":"bad\u0001"}`, 400, "bad alias"},
		{"alias unknown file", "/ui/api/alias", `{"file":"nope.json","alias":"x"}`, 404, "nope.json"},
		{"alias no file", "/ui/api/alias", `{"alias":"x"}`, 400, "file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.post(tc.path, tc.body)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Fatalf("POST %s %s: %d %s; want %d with %q", tc.path, tc.body, code, body, tc.code, tc.want)
			}
		})
	}
	e.core.mu.Lock()
	defer e.core.mu.Unlock()
	if len(e.core.refresh) != 1 || e.core.refresh[0][0] != "qwen-oauth-1-work.json" || e.core.refAll != 1 {
		t.Errorf("core refreshes: %v, all %d", e.core.refresh, e.core.refAll)
	}
	if e.core.aliases["iflow-oauth-1.json"] != " 个人 " && e.core.aliases["iflow-oauth-1.json"] != "个人" {
		t.Errorf("aliases: %v", e.core.aliases)
	}
}

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

func readEvents(t *testing.T, sc *bufio.Scanner, out chan<- sseEvent) {
	var ev sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if ev.name != "" {
				out <- ev
			}
			ev = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
	close(out)
}

func TestEventsRelay(t *testing.T) {
	e := newEnv(t, i18n.EN)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.base+"/ui/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("content type %q", ct)
	}
	events := make(chan sseEvent, 64)
	go readEvents(t, bufio.NewScanner(resp.Body), events)
	next := func() sseEvent {
		t.Helper()
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("stream ended")
			}
			return ev
		case <-time.After(hangGuard):
			t.Fatal("no event")
		}
		return sseEvent{}
	}
	if ev := next(); ev.name != "snapshot" || !strings.Contains(ev.data, `"qwen-oauth-1-work.json"`) {
		t.Fatalf("first event %+v, want the snapshot", ev)
	}
	// The relayed stream starts with every token, then the changes.
	for range 2 {
		if ev := next(); ev.name != "token" {
			t.Fatalf("event %+v, want a token", ev)
		}
	}
	select {
	case <-e.core.subbed:
	case <-time.After(hangGuard):
		t.Fatal("no subscription")
	}
	changed := e.core.Snapshot()[0]
	changed.Status, changed.LastRefreshAt = tokenfile.StatusRefreshing, testNow
	e.core.emit(daemon.Event{Type: daemon.EventToken, At: testNow, Token: changed})
	ev := next()
	var got ipc.Event
	if err := json.Unmarshal([]byte(ev.data), &got); ev.name != "token" || err != nil || got.Token.Status != "refreshing" {
		t.Fatalf("change relayed as %+v (%v)", ev, err)
	}
	e.core.emit(daemon.Event{Type: daemon.EventRemoved, At: testNow, Token: changed})
	if ev := next(); ev.name != "removed" {
		t.Fatalf("removal relayed as %+v", ev)
	}
}

func TestEventsEndWhenDaemonGoes(t *testing.T) {
	h := New(Options{API: ipc.NewClient(filepath.Join(t.TempDir(), "none.sock")), Lang: i18n.EN})
	ts := httptest.NewServer(h)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/ui/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body) // ends: no daemon
	if !strings.Contains(string(body), "event: offline") || !strings.Contains(string(body), "retry: 2000") {
		t.Fatalf("body %q", body)
	}
	if code, page := get(t, ts.URL+"/ui"); code != http.StatusBadGateway || !strings.Contains(page, "not running") {
		t.Fatalf("dashboard without daemon: %d %s", code, page)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestMountedBehindTheGuard: on the auth server, the dashboard needs the
// secret cookie, and its actions the CSRF header.
func TestMountedBehindTheGuard(t *testing.T) {
	e := newEnv(t, i18n.EN)
	const secret = "0123456789abcdef0123456789abcdef-secret"
	pages := authflow.New(authflow.Options{AuthDir: t.TempDir(), Ports: []int{0}, Secret: secret, Lang: i18n.EN})
	h := New(Options{API: e.client, Lang: i18n.EN, CSRF: pages.CSRFToken()})
	pages.Mount(Root, h)
	pages.Mount(Prefix, h)
	ln, err := pages.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- pages.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	base := pages.BaseURL()

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: hangGuard}
	anon := &http.Client{Timeout: hangGuard, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	do := func(c *http.Client, method, path, body string, hdr map[string]string) (int, string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		if host := hdr["Host"]; host != "" {
			req.Host = host
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data), resp
	}
	json := map[string]string{"Content-Type": "application/json"}
	withCSRF := map[string]string{"Content-Type": "application/json", authflow.CSRFHeader: pages.CSRFToken()}

	// Without the secret: refused, pages and actions alike.
	for _, p := range []struct{ method, path, body string }{
		{"GET", "/ui", ""}, {"GET", "/ui/events", ""}, {"GET", "/ui/token/iflow-oauth-1.json", ""},
		{"POST", "/ui/api/refresh", `{"all":true}`}, {"POST", "/ui/api/alias", `{"file":"iflow-oauth-1.json","alias":"x"}`},
	} {
		if code, _, _ := do(anon, p.method, p.path, p.body, withCSRF); code != http.StatusForbidden {
			t.Errorf("%s %s without cookie: %d, want 403", p.method, p.path, code)
		}
	}
	// The secret once: cookie, then the address without it.
	code, _, resp := do(anon, "GET", "/ui?k="+secret, "", nil)
	if code != http.StatusSeeOther || resp.Header.Get("Location") != "/ui" {
		t.Fatalf("GET /ui?k=: %d to %q", code, resp.Header.Get("Location"))
	}
	if code, page, _ := do(browser, "GET", "/ui?k="+secret, "", nil); code != 200 || !strings.Contains(page, `id="boot"`) {
		t.Fatalf("dashboard with cookie: %d", code)
	}
	// With the cookie but no CSRF token: refused.
	if code, _, _ := do(browser, "POST", "/ui/api/refresh", `{"all":true}`, json); code != http.StatusForbidden {
		t.Errorf("POST without CSRF: %d, want 403", code)
	}
	if code, body, _ := do(browser, "POST", "/ui/api/refresh", `{"all":true}`, withCSRF); code != 200 {
		t.Errorf("POST with cookie and CSRF: %d %s", code, body)
	}
	// A rebinding Host is refused.
	if code, _, _ := do(browser, "GET", "/ui", "", map[string]string{"Host": "evil.example:80"}); code == 200 {
		t.Errorf("foreign Host accepted")
	}
}

// Another tool's file (tokenDaemon.sources) is named "<source>/<file>":
// its page and history are reached with the name escaped in one segment.
func TestSourceTokenPage(t *testing.T) {
	e := newEnv(t, i18n.EN)
	e.core.mu.Lock()
	e.core.states = append(e.core.states, daemon.TokenState{File: "claude-code/.credentials.json", Path: "/home/u/.claude/.credentials.json",
		Provider: "claude", DisplayName: "Claude Code (max)", Status: tokenfile.StatusExpired, Source: "claude-code", Watch: true, Login: "claude /login"})
	e.core.history["claude-code/.credentials.json"] = []daemon.Attempt{{At: testNow.Add(-time.Minute), Status: tokenfile.StatusExpired}}
	e.core.mu.Unlock()
	code, page := e.get("/ui/token/claude-code%2F.credentials.json")
	if code != 200 {
		t.Fatalf("details: %d %s", code, page)
	}
	if b := bootOf(t, page); b.File != "claude-code/.credentials.json" || len(b.History) != 1 {
		t.Fatalf("boot = %+v", b)
	}
	if code, body := e.get("/ui/api/history?file=claude-code%2F.credentials.json"); code != 200 || !strings.Contains(body, `"attempts":[`) {
		t.Errorf("history: %d %s", code, body)
	}
	if code, body := e.get("/ui/api/status"); code != 200 || !strings.Contains(body, `"source":"claude-code"`) || !strings.Contains(body, `"watch":true`) {
		t.Errorf("status: %d %s", code, body)
	}
}

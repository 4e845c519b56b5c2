package authflow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

const (
	testSecret  = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz"
	newAccess   = "ya29.NEW-ACCESS-TOKEN-value"
	newRefresh  = "1//NEW-REFRESH-TOKEN-value"
	iflowAPIKey = "sk-NEW-IFLOW-API-KEY"
)

// fakeCore is the daemon core as the server sees it.
type fakeCore struct {
	dir     string
	mu      sync.Mutex
	changed []string
	// override replaces the status and reason of a file, as the daemon's
	// own knowledge (a failed refresh) does.
	override map[string]daemon.TokenState
}

func (c *fakeCore) Snapshot() []daemon.TokenState {
	files, _ := tokenfile.Scan(c.dir, tokenfile.Options{})
	out := make([]daemon.TokenState, 0, len(files))
	for _, f := range files {
		st, why := f.StatusAt(time.Now(), 30*time.Minute)
		c.mu.Lock()
		if o, ok := c.override[f.Name]; ok {
			st, why = o.Status, o.Reason
		}
		c.mu.Unlock()
		out = append(out, daemon.TokenState{File: f.Name, Path: f.Path, Provider: f.Provider, Alias: f.Alias,
			DisplayName: f.DisplayName, Email: f.Email, Status: st, Reason: why, ExpiresAt: f.ExpiresAt, Refreshable: f.Refreshable()})
	}
	return out
}

func (c *fakeCore) FileChanged(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.changed = append(c.changed, name)
}

func (c *fakeCore) Changed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.changed...)
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeIdP speaks the wire formats of PROVIDERS.md on 127.0.0.1.
type fakeIdP struct {
	srv *httptest.Server

	mu          sync.Mutex
	email       string // who "logs in" at Google / iflow
	deny        bool   // the authorize endpoint answers error=access_denied
	approved    bool   // the device flow was approved
	authorize   url.Values
	tokenForms  []url.Values
	deviceShown chan struct{}
}

func newFakeIdP(t *testing.T) *fakeIdP {
	p := &fakeIdP{email: "dev@gmail.com", deviceShown: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p.mu.Lock()
		p.authorize = q
		deny := p.deny
		p.mu.Unlock()
		redirect := q.Get("redirect_uri")
		if redirect == "" {
			redirect = q.Get("redirect") // iflow's name
		}
		back := url.Values{"state": {q.Get("state")}}
		if deny {
			back.Set("error", "access_denied")
		} else {
			back.Set("code", "auth-code-123")
		}
		http.Redirect(w, r, redirect+"?"+back.Encode(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		p.mu.Lock()
		p.tokenForms = append(p.tokenForms, r.PostForm)
		approved := p.approved
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code" && !approved {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"authorization_pending"}`)
			return
		}
		if r.PostForm.Get("grant_type") == "authorization_code" && r.PostForm.Get("code") != "auth-code-123" {
			w.WriteHeader(400)
			io.WriteString(w, `{"error":"invalid_grant","error_description":"bad code"}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"token_type":"Bearer","expires_in":3600,"resource_url":"portal.qwen.ai"}`, newAccess, newRefresh)
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		email := p.email
		p.mu.Unlock()
		fmt.Fprintf(w, `{"email":%q,"id":"1234"}`, email)
	})
	mux.HandleFunc("GET /iflow/userinfo", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		email := p.email
		p.mu.Unlock()
		fmt.Fprintf(w, `{"success":true,"data":{"apiKey":%q,"email":%q,"phone":"13800000000"}}`, iflowAPIKey, email)
	})
	mux.HandleFunc("POST /device/code", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"device_code":"dc-secret","user_code":"QWEN-4242","verification_uri":"%[1]s/verify","verification_uri_complete":"%[1]s/verify?user_code=QWEN-4242","expires_in":600,"interval":1}`, p.srv.URL)
	})
	mux.HandleFunc("GET /verify", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<!doctype html><p>approve here</p>")
	})
	mux.HandleFunc("POST /v1internal:loadCodeAssist", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"cloudaicompanionProject":{"id":"new-ag-project"}}`)
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *fakeIdP) set(fn func(p *fakeIdP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
}

func (p *fakeIdP) authorizeParams() url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.authorize
}

func (p *fakeIdP) registry(t *testing.T) *provider.Registry {
	u := p.srv.URL
	google := provider.Settings{AuthURL: u + "/authorize", TokenURL: u + "/token", UserInfoURL: u + "/userinfo", ProjectURLs: []string{u}}
	env := map[string]string{
		"ROUTECODEX_GEMINI_CLI_CLIENT_SECRET":  "gemini-client-secret",
		"ROUTECODEX_ANTIGRAVITY_CLIENT_SECRET": "ag-client-secret",
		"ROUTECODEX_IFLOW_CLIENT_SECRET":       "iflow-client-secret",
	}
	reg, err := provider.NewRegistry(provider.RegistryOptions{
		Settings: map[string]provider.Settings{
			"gemini-cli":  google,
			"antigravity": google,
			"iflow":       {AuthURL: u + "/authorize", TokenURL: u + "/token", UserInfoURL: u + "/iflow/userinfo"},
			"qwen":        {TokenURL: u + "/token", DeviceCodeURL: u + "/device/code"},
		},
		Getenv: func(k string) string { return env[k] },
		// Device polling paces itself on this; a short real wait keeps
		// the browser tests honest without slowing them.
		Sleep: func(ctx context.Context, d time.Duration) error {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(20 * time.Millisecond):
				return nil
			}
		},
	})
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	return reg
}

// env is one running server with its auth dir, fake provider and clients.
type env struct {
	t     *testing.T
	dir   string
	core  *fakeCore
	idp   *fakeIdP
	clock *fakeClock
	srv   *Server
	base  string
}

var fixtureFiles = []string{
	"gemini-oauth-2-dev.json", "gemini-oauth-3-seconds.json", "iflow-oauth-1-work.json",
	"qwen-oauth-1-default.json", "qwen-oauth-2-static.json", "antigravity-oauth.json", "mystery-provider.json",
}

func newEnv(t *testing.T, lang i18n.Lang) *env {
	t.Helper()
	return newEnvWith(t, lang, nil)
}

// newEnvWith is newEnv with a change to the server's options.
func newEnvWith(t *testing.T, lang i18n.Lang, change func(*Options)) *env {
	t.Helper()
	t.Setenv("ROUTECODEX_HOME", t.TempDir())
	dir := t.TempDir()
	for _, name := range fixtureFiles {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "fixtures", "auth", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, dir: dir, core: &fakeCore{dir: dir}, idp: newFakeIdP(t),
		clock: &fakeClock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}}
	o := Options{
		Core: e.core, Providers: e.idp.registry(t), AuthDir: dir, Lang: lang,
		Ports: []int{0}, Secret: testSecret, Now: e.clock.Now,
	}
	if change != nil {
		change(&o)
	}
	e.srv = New(o)
	ln, err := e.srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	e.base = e.srv.BaseURL()
	return e
}

// client is a browser-like client: a cookie jar, and redirects not
// followed so that each hop can be checked.
func (e *env) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type resp struct {
	status   int
	location string
	body     string
}

func (e *env) do(c *http.Client, method, rawURL string, form url.Values) resp {
	e.t.Helper()
	if strings.HasPrefix(rawURL, "/") {
		rawURL = e.base + rawURL
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, location: res.Header.Get("Location"), body: string(b)}
}

// login gives c the session cookie through ?k=.
func (e *env) login(c *http.Client) {
	e.t.Helper()
	r := e.do(c, "GET", "/?k="+testSecret, nil)
	if r.status != http.StatusSeeOther || r.location != "/" {
		e.t.Fatalf("GET /?k=: %d %q, want 303 to /", r.status, r.location)
	}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%s", body)
	}
	return m[1]
}

func (e *env) readJSON(name string) map[string]any {
	e.t.Helper()
	data, err := os.ReadFile(filepath.Join(e.dir, name))
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		e.t.Fatalf("%s: %v", name, err)
	}
	return m
}

// noSecrets fails when a page shows a token value or the web secret.
func noSecrets(t *testing.T, page string) {
	t.Helper()
	for _, s := range []string{newAccess, newRefresh, iflowAPIKey, testSecret, "fixture-gemini-access", "fixture-gemini-refresh", "dc-secret"} {
		if strings.Contains(page, s) {
			t.Errorf("page shows a secret %q", tokenfile.Redact(s))
		}
	}
}

func freePort(t *testing.T) (int, net.Listener) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln.Addr().(*net.TCPAddr).Port, ln
}

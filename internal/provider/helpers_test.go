package provider

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Secret values used by the tests; no error text may contain them.
const (
	testRefresh = "rt-TESTSECRET-refresh-0001"
	testAccess  = "at-TESTSECRET-access-0001"
	testSecret  = "cs-TESTSECRET-client-0001"
	newAccess   = "at-TESTSECRET-access-0002"
	newRefresh  = "rt-TESTSECRET-refresh-0002"
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// fakeClock is a clock whose Sleep records the wait and advances time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: testNow} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

type regOpts struct {
	settings map[string]Settings
	env      env
	authDir  string
	clock    *fakeClock
}

// endpoints points every endpoint of every built-in provider at base.
func endpoints(base string) map[string]Settings {
	return map[string]Settings{
		"qwen":        {TokenURL: base + "/qwen/token", DeviceCodeURL: base + "/qwen/device/code"},
		"iflow":       {AuthURL: base + "/iflow/oauth", TokenURL: base + "/iflow/token", UserInfoURL: base + "/iflow/getUserInfo"},
		"gemini-cli":  {AuthURL: base + "/google/auth", TokenURL: base + "/google/token", UserInfoURL: base + "/google/userinfo"},
		"antigravity": {AuthURL: base + "/google/auth", TokenURL: base + "/google/token", UserInfoURL: base + "/google/userinfo", ProjectURLs: []string{base + "/b1", base + "/b2", base + "/b3"}},
	}
}

func newRegistry(t *testing.T, o regOpts) *Registry {
	t.Helper()
	if o.clock == nil {
		o.clock = newFakeClock()
	}
	if o.env == nil {
		o.env = env{}
	}
	if o.authDir == "" {
		o.authDir = t.TempDir()
	}
	r, err := NewRegistry(RegistryOptions{
		Settings: o.settings, AuthDir: o.authDir, Getenv: o.env.get,
		Now: o.clock.Now, Sleep: o.clock.Sleep,
	})
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	return r
}

// allSecrets gives every built-in provider a secret through env.
func allSecrets() env {
	return env{
		"ROUTECODEX_IFLOW_CLIENT_SECRET":       testSecret,
		"ROUTECODEX_GEMINI_CLI_CLIENT_SECRET":  testSecret,
		"ROUTECODEX_ANTIGRAVITY_CLIENT_SECRET": testSecret,
	}
}

func testFile(provider string) *tokenfile.File {
	return &tokenfile.File{Name: provider + "-oauth-1.json", Provider: provider, AccessToken: testAccess, RefreshToken: testRefresh}
}

// request is what a fake server saw.
type request struct {
	Method, Path, ContentType, Accept, Authorization, UserAgent string
	Form                                                        url.Values
	Query                                                       url.Values
	Body                                                        string
}

// recorder is an httptest server that records requests and answers with
// the handler of the request's path.
type recorder struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
}

func newRecorder(t *testing.T, h func(w http.ResponseWriter, r *http.Request, req request)) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := request{
			Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Accept: r.Header.Get("Accept"), Authorization: r.Header.Get("Authorization"),
			UserAgent: r.Header.Get("User-Agent"), Query: r.URL.Query(),
		}
		if r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" {
			if err := r.ParseForm(); err != nil {
				t.Errorf("bad form: %v", err)
			}
			req.Form = r.PostForm
		} else if r.Body != nil {
			var b strings.Builder
			buf := make([]byte, 4096)
			for {
				n, err := r.Body.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			req.Body = b.String()
		}
		rec.mu.Lock()
		rec.requests = append(rec.requests, req)
		rec.mu.Unlock()
		h(w, r, req)
	}))
	t.Cleanup(rec.Close)
	return rec
}

func (r *recorder) Requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.requests...)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func formKeys(v url.Values) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

// checkNoSecrets fails when text holds a test secret.
func checkNoSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{testRefresh, testAccess, testSecret, newAccess, newRefresh} {
		if strings.Contains(text, s) {
			t.Errorf("error text leaks a secret %q: %s", redact(s), text)
		}
	}
}

func tokenUpdate(access string) tokenfile.Update { return tokenfile.Update{AccessToken: access} }

package authflow

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// The session cookie lives at most 12 hours, is random per visit (never a
// function of the secret), and the server forgets it after 12 hours even
// if a client keeps sending it.
func TestSessionCookieLifetime(t *testing.T) {
	e := newEnv(t, i18n.EN)
	var values []string
	for range 2 {
		res, err := e.client().Get(e.base + "/?k=" + testSecret)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		ck := res.Cookies()
		if len(ck) != 1 {
			t.Fatalf("cookies %v", ck)
		}
		c := ck[0]
		if c.MaxAge <= 0 || c.MaxAge > 12*3600 || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
			t.Errorf("cookie %s: Max-Age %d HttpOnly %v SameSite %v", c.Name, c.MaxAge, c.HttpOnly, c.SameSite)
		}
		if !strings.HasSuffix(c.Name, strings.TrimPrefix(e.base, "http://127.0.0.1:")) {
			t.Errorf("cookie name %q is not scoped to the port", c.Name)
		}
		if c.Value == derive(testSecret, "session") || strings.Contains(c.Value, testSecret) || len(c.Value) < 40 {
			t.Errorf("cookie value is derived from the secret or weak")
		}
		values = append(values, c.Value)
	}
	if values[0] == values[1] {
		t.Error("two visits got the same session value")
	}

	c := e.client()
	e.login(c)
	if r := e.do(c, "GET", "/", nil); r.status != 200 {
		t.Fatalf("with a fresh session: %d", r.status)
	}
	e.clock.Add(11*time.Hour + 59*time.Minute)
	if r := e.do(c, "GET", "/", nil); r.status != 200 {
		t.Fatalf("before 12 h: %d", r.status)
	}
	e.clock.Add(2 * time.Minute)
	// The jar keeps the cookie (its Max-Age runs on the real clock): the
	// server must refuse it by itself.
	if r := e.do(c, "GET", "/", nil); r.status != http.StatusForbidden {
		t.Fatalf("after 12 h: %d, want 403", r.status)
	}
}

// The session table stays bounded: the oldest sessions go first.
func TestSessionTableIsBounded(t *testing.T) {
	e := newEnv(t, i18n.EN)
	first := e.client()
	e.login(first)
	for range maxSessions + 5 {
		e.clock.Add(time.Second)
		e.login(e.client())
	}
	e.srv.sessMu.Lock()
	n := len(e.srv.sessions)
	e.srv.sessMu.Unlock()
	if n > maxSessions {
		t.Fatalf("%d sessions kept, want at most %d", n, maxSessions)
	}
	if r := e.do(first, "GET", "/", nil); r.status != http.StatusForbidden {
		t.Errorf("the oldest session still works: %d", r.status)
	}
}

// Links are path-escaped: qwen-oauth-5-%41.json opens its own page (not
// that of qwen-oauth-5-A.json), a name with # or ? works, and the login
// URL keeps the secret in its query, never in a fragment.
func TestFileNamesAreEscapedInURLs(t *testing.T) {
	e := newEnv(t, i18n.EN)
	qwen, err := os.ReadFile(filepath.Join(e.dir, "qwen-oauth-1-default.json"))
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"qwen-oauth-5-%41.json", "qwen-oauth-5-A.json", "qwen-oauth-6-a#b.json", "qwen-oauth-7-a?b.json"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(e.dir, n), qwen, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := e.client()
	e.login(c)
	idx := e.do(c, "GET", "/", nil)
	for _, n := range names {
		href := `href="/auth/` + url.PathEscape(n) + `"`
		if !strings.Contains(idx.body, href) {
			t.Errorf("index lacks %s", href)
			continue
		}
		page := e.do(c, "GET", "/auth/"+url.PathEscape(n), nil)
		if page.status != 200 || !strings.Contains(page.body, `id="file">`+htmlEscape(n)+`<`) {
			t.Errorf("%s: page %d does not name its own file", n, page.status)
		}
	}
	gemini, err := os.ReadFile(filepath.Join(e.dir, geminiFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"gemini-oauth-8-a#b.json", "gemini-oauth-9-a?b%41.json"} {
		if err := os.WriteFile(filepath.Join(e.dir, n), gemini, 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := e.srv.Login(t.Context(), LoginRequest{File: n})
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(p.URL)
		if err != nil {
			t.Fatal(err)
		}
		if u.Fragment != "" || u.Query().Get("k") != testSecret || u.Path != "/auth/"+n {
			t.Errorf("login URL of %s: path %q fragment %q", n, u.Path, u.Fragment)
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

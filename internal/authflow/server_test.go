package authflow

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/routecodex/token-daemon/internal/i18n"
)

const geminiFile = "gemini-oauth-2-dev.json"

// startFlow opens the auth page of file, posts its form and returns the
// provider URL the browser is sent to.
func (e *env) startFlow(c *http.Client, file string) *url.URL {
	e.t.Helper()
	page := e.do(c, "GET", "/auth/"+file, nil)
	if page.status != 200 || !strings.Contains(page.body, `id="login"`) {
		e.t.Fatalf("auth page: %d\n%s", page.status, page.body)
	}
	r := e.do(c, "POST", "/auth/"+file+"/start", url.Values{"csrf": {csrfOf(e.t, page.body)}})
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("start: %d %s", r.status, r.body)
	}
	u, err := url.Parse(r.location)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// followToDone walks provider → callback → /done and returns the done page.
func (e *env) followToDone(c *http.Client, authURL *url.URL) (resp, string) {
	e.t.Helper()
	r := e.do(c, "GET", authURL.String(), nil) // the fake provider
	if r.status != http.StatusFound {
		e.t.Fatalf("authorize: %d", r.status)
	}
	callback := r.location
	r = e.do(c, "GET", callback, nil)
	if r.status == http.StatusSeeOther {
		r = e.do(c, "GET", r.location, nil)
	}
	return r, callback
}

func TestReauthAuthorizationCode(t *testing.T) {
	e := newEnv(t, i18n.ZH)
	c := e.client()
	e.login(c)
	before := e.readJSON(geminiFile)

	page := e.do(c, "GET", "/auth/"+geminiFile, nil)
	for _, want := range []string{geminiFile, "dev@gmail.com", "使用 Google 账号登录", `id="login"`, "/auth/" + geminiFile + "/start"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("auth page lacks %q", want)
		}
	}
	noSecrets(t, page.body)

	authURL := e.startFlow(c, geminiFile)
	q := authURL.Query()
	if authURL.Path != "/authorize" || q.Get("redirect_uri") != e.base+"/oauth2callback" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("login_hint") != "dev@gmail.com" || q.Get("state") == "" {
		t.Errorf("authorization URL %s", authURL)
	}
	// A second start for the same file reuses the open flow.
	if again := e.startFlow(c, geminiFile); again.String() != authURL.String() {
		t.Errorf("second start went to a new flow")
	}

	done, _ := e.followToDone(c, authURL)
	if done.status != 200 || !strings.Contains(done.body, `id="success"`) || !strings.Contains(done.body, "dev@gmail.com") ||
		!strings.Contains(done.body, "Token 已更新") {
		t.Fatalf("done page: %d\n%s", done.status, done.body)
	}
	noSecrets(t, done.body)

	// The exchange sent the verifier of the challenge.
	forms := e.idp.tokenForms
	if len(forms) != 1 || oauth2.S256ChallengeFromVerifier(forms[0].Get("code_verifier")) != q.Get("code_challenge") {
		t.Errorf("exchange forms %v", len(forms))
	}
	after := e.readJSON(geminiFile)
	tok := after["token"].(map[string]any)
	if after["access_token"] != newAccess || tok["access_token"] != newAccess || after["refresh_token"] != newRefresh {
		t.Errorf("tokens not written")
	}
	for _, k := range []string{"project_id", "projects", "disabled", "scope", "email"} {
		if !equalJSON(before[k], after[k]) {
			t.Errorf("key %s changed: %v → %v", k, before[k], after[k])
		}
	}
	if tok["project_id"] != "fixture-project-123" {
		t.Errorf("nested project_id lost")
	}
	if got := e.core.Changed(); len(got) != 1 || got[0] != geminiFile {
		t.Errorf("FileChanged calls %v", got)
	}
}

func equalJSON(a, b any) bool { return reflect.DeepEqual(a, b) }

func keys(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }

func itoa(n int) string { return strconv.Itoa(n) }

func TestCallbackFailures(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(e *env)
		mangle func(e *env, callback string) string
		replay bool
		want   string
		reason string
	}{
		{name: "denied", setup: func(e *env) { e.idp.set(func(p *fakeIdP) { p.deny = true }) }, want: "你在提供方页面拒绝了授权", reason: "denied"},
		{name: "wrong state", mangle: func(e *env, cb string) string {
			u, _ := url.Parse(cb)
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
			return u.String()
		}, want: "state 不匹配"},
		{name: "replayed", replay: true, want: "state 不匹配"},
		{name: "expired", setup: func(e *env) {}, mangle: func(e *env, cb string) string {
			e.clock.Add(flowTTL + time.Second)
			return cb
		}, want: "登录已超时"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, i18n.ZH)
			c := e.client()
			e.login(c)
			if tt.setup != nil {
				tt.setup(e)
			}
			before, _ := os.ReadFile(filepath.Join(e.dir, geminiFile))
			authURL := e.startFlow(c, geminiFile)
			r := e.do(c, "GET", authURL.String(), nil)
			callback := r.location
			if tt.mangle != nil {
				callback = tt.mangle(e, callback)
			}
			if tt.replay {
				first := e.do(c, "GET", callback, nil)
				if first.status != http.StatusSeeOther {
					t.Fatalf("first callback: %d", first.status)
				}
			}
			r = e.do(c, "GET", callback, nil)
			if r.status == http.StatusSeeOther {
				r = e.do(c, "GET", r.location, nil)
			}
			if !strings.Contains(r.body, `id="error"`) || !strings.Contains(r.body, tt.want) {
				t.Fatalf("page (%d) lacks error %q:\n%s", r.status, tt.want, r.body)
			}
			if !tt.replay {
				after, _ := os.ReadFile(filepath.Join(e.dir, geminiFile))
				if string(after) != string(before) {
					t.Errorf("file changed after a failed login")
				}
			}
			if tt.name != "wrong state" && !strings.Contains(r.body, `href="/auth/`+geminiFile+`"`) {
				t.Errorf("error page has no retry link to the auth page")
			}
		})
	}
}

func TestSecurity(t *testing.T) {
	e := newEnv(t, i18n.EN)
	port := strings.TrimPrefix(e.base, "http://127.0.0.1:")
	tests := []struct {
		name   string
		method string
		path   string
		host   string
		form   url.Values
		cookie bool
		want   int
	}{
		{"no secret", "GET", "/", "", nil, false, 403},
		{"no secret auth page", "GET", "/auth/" + geminiFile, "", nil, false, 403},
		{"wrong secret", "GET", "/?k=nope", "", nil, false, 403},
		{"secret", "GET", "/?k=" + testSecret, "", nil, false, 303},
		{"cookie", "GET", "/", "", nil, true, 200},
		{"localhost host", "GET", "/", "localhost:" + port, nil, true, 200},
		{"foreign host", "GET", "/", "evil.example:" + port, nil, true, 421},
		{"foreign host callback", "GET", "/oauth2callback?state=x", "attacker.test", nil, false, 421},
		{"wrong port host", "GET", "/", "127.0.0.1:1", nil, true, 421},
		{"post without csrf", "POST", "/auth/" + geminiFile + "/start", "", url.Values{"x": {"1"}}, true, 403},
		{"post bad csrf", "POST", "/auth/" + geminiFile + "/start", "", url.Values{"csrf": {"forged"}}, true, 403},
		{"post csrf without cookie", "POST", "/auth/" + geminiFile + "/start", "", url.Values{"csrf": {derive(testSecret, "csrf")}}, false, 403},
		{"callback needs no secret", "GET", "/oauth2callback?state=unknown", "", nil, false, 400},
		{"path traversal", "GET", "/auth/..%2f..%2fetc%2fpasswd", "", nil, true, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.client()
			if tt.cookie {
				e.login(c)
			}
			var body *strings.Reader
			if tt.form != nil {
				body = strings.NewReader(tt.form.Encode())
			} else {
				body = strings.NewReader("")
			}
			req, _ := http.NewRequest(tt.method, e.base+tt.path, body)
			if tt.form != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			if tt.host != "" {
				req.Host = tt.host
				if tt.cookie { // the jar files cookies under req.Host
					u, _ := url.Parse(e.base)
					req.AddCookie(c.Jar.Cookies(u)[0])
				}
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Errorf("status %d, want %d", res.StatusCode, tt.want)
			}
		})
	}

	// The secret sets an HttpOnly, SameSite=Lax cookie and is dropped from the URL.
	c := e.client()
	r, _ := http.NewRequest("GET", e.base+"/auth/"+geminiFile+"?k="+testSecret+"&x=1", nil)
	res, err := c.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); loc != "/auth/"+geminiFile+"?x=1" {
		t.Errorf("redirect to %q", loc)
	}
	ck := res.Cookies()
	if len(ck) != 1 || !ck[0].HttpOnly || ck[0].SameSite != http.SameSiteLaxMode || ck[0].Value == testSecret {
		t.Errorf("cookie %+v", ck)
	}
}

func TestPortFallback(t *testing.T) {
	port, ln := freePort(t)
	defer ln.Close()
	s := New(Options{Providers: nil, Ports: []int{port}, Secret: testSecret, Lang: i18n.ZH})
	l2, err := s.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer l2.Close()
	if !s.FellBack() || s.BaseURL() == "" || strings.HasSuffix(s.BaseURL(), ":"+itoa(port)) {
		t.Errorf("FellBack %v, BaseURL %q", s.FellBack(), s.BaseURL())
	}
	if msg := s.FallbackMessage(); !strings.Contains(msg, itoa(port)) || !strings.Contains(msg, s.BaseURL()) {
		t.Errorf("message %q", msg)
	}
	if !strings.HasPrefix(l2.Addr().String(), "127.0.0.1:") {
		t.Errorf("listens on %s", l2.Addr())
	}

	free, fl := freePort(t)
	fl.Close()
	s2 := New(Options{Ports: []int{port, free}, Secret: testSecret})
	l3, err := s2.Listen()
	if err != nil {
		t.Fatal(err)
	}
	defer l3.Close()
	if s2.FellBack() || s2.BaseURL() != "http://127.0.0.1:"+itoa(free) {
		t.Errorf("second port: FellBack %v, %s", s2.FellBack(), s2.BaseURL())
	}
}

func TestAccountMismatchSaveNew(t *testing.T) {
	e := newEnv(t, i18n.ZH)
	c := e.client()
	e.login(c)
	e.idp.set(func(p *fakeIdP) { p.email = "other@gmail.com" })
	before, _ := os.ReadFile(filepath.Join(e.dir, geminiFile))
	done, _ := e.followToDone(c, e.startFlow(c, geminiFile))
	if !strings.Contains(done.body, `id="mismatch"`) || !strings.Contains(done.body, "dev@gmail.com") || !strings.Contains(done.body, "other@gmail.com") {
		t.Fatalf("mismatch page:\n%s", done.body)
	}
	noSecrets(t, done.body)
	after, _ := os.ReadFile(filepath.Join(e.dir, geminiFile))
	if string(after) != string(before) {
		t.Fatal("the file of another account was overwritten")
	}
	id := regexp.MustCompile(`/flow/([^/]+)/save-new`).FindStringSubmatch(done.body)
	if id == nil {
		t.Fatal("no save-new form")
	}
	r := e.do(c, "POST", "/flow/"+id[1]+"/save-new", url.Values{"csrf": {csrfOf(t, done.body)}, "alias": {"work"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("save-new: %d %s", r.status, r.body)
	}
	r = e.do(c, "GET", r.location, nil)
	const newName = "gemini-oauth-4-work.json"
	if !strings.Contains(r.body, `id="success"`) || !strings.Contains(r.body, newName) || !strings.Contains(r.body, "other@gmail.com") {
		t.Fatalf("success page:\n%s", r.body)
	}
	m := e.readJSON(newName)
	if m["access_token"] != newAccess || m["refresh_token"] != newRefresh || m["email"] != "other@gmail.com" || m["type"] != "gemini-cli" {
		t.Errorf("new file %v", keys(m))
	}
	info, _ := os.Stat(filepath.Join(e.dir, newName))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	// A second save-new does not make a second file.
	e.do(c, "POST", "/flow/"+id[1]+"/save-new", url.Values{"csrf": {csrfOf(t, done.body)}})
	if _, err := os.Stat(filepath.Join(e.dir, "gemini-oauth-5.json")); err == nil {
		t.Error("second save-new wrote another file")
	}
}

func TestIFlowEnrich(t *testing.T) {
	e := newEnv(t, i18n.EN)
	c := e.client()
	e.login(c)
	e.idp.set(func(p *fakeIdP) { p.email = "work@company.com" })
	const file = "iflow-oauth-1-work.json"
	authURL := e.startFlow(c, file)
	q := authURL.Query()
	if q.Get("redirect") != e.base+"/oauth2callback" || q.Get("code_challenge") != "" {
		t.Errorf("iflow URL %s", authURL)
	}
	done, _ := e.followToDone(c, authURL)
	if !strings.Contains(done.body, `id="success"`) || strings.Contains(done.body, `id="warning"`) {
		t.Fatalf("done:\n%s", done.body)
	}
	m := e.readJSON(file)
	if m["access_token"] != newAccess || m["api_key"] != iflowAPIKey || m["apiKey"] != iflowAPIKey || m["type"] != "iflow" {
		t.Errorf("iflow file keys %v", keys(m))
	}
	if got := e.core.Changed(); len(got) != 2 {
		t.Errorf("FileChanged %v, want two writes", got)
	}
}

func TestLoginDeviceFlow(t *testing.T) {
	e := newEnv(t, i18n.EN)
	const file = "qwen-oauth-1-default.json"
	p, err := e.srv.Login(context.Background(), LoginRequest{File: file})
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != e.base+"/device/"+p.FlowID+"?k="+testSecret {
		t.Errorf("URL %s", p.URL)
	}
	c := e.client()
	r := e.do(c, "GET", p.URL, nil)
	r = e.do(c, "GET", r.location, nil)
	if !strings.Contains(r.body, "QWEN-4242") || !strings.Contains(r.body, "client=qwen-code") {
		t.Fatalf("device page:\n%s", r.body)
	}
	noSecrets(t, r.body)
	e.idp.set(func(p *fakeIdP) { p.approved = true })
	select {
	case o := <-p.Done:
		if o.Err != nil || o.File != file {
			t.Fatalf("outcome %+v", o)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome")
	}
	m := e.readJSON(file)
	if m["access_token"] != newAccess || m["refresh_token"] != newRefresh || m["resource_url"] != "https://portal.qwen.ai" || m["alias"] != "default" {
		t.Errorf("qwen file %v", keys(m))
	}
	st := e.do(c, "GET", "/flow/"+p.FlowID+"/state", nil)
	if !strings.Contains(st.body, `"status":"success"`) {
		t.Errorf("state %s", st.body)
	}
}

func TestLoginNewAccountAndCancel(t *testing.T) {
	e := newEnv(t, i18n.EN)
	e.idp.set(func(p *fakeIdP) { p.email = "new@example.com" })
	p, err := e.srv.Login(context.Background(), LoginRequest{Provider: "antigravity", Alias: "lab"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	r := e.do(c, "GET", p.URL, nil)
	page := e.do(c, "GET", r.location, nil)
	if !strings.Contains(page.body, `id="login"`) {
		t.Fatalf("flow page:\n%s", page.body)
	}
	r = e.do(c, "POST", "/flow/"+p.FlowID+"/start", url.Values{"csrf": {csrfOf(t, page.body)}})
	u, _ := url.Parse(r.location)
	if u.Query().Get("login_hint") != "" {
		t.Error("login_hint on a new account")
	}
	e.followToDone(c, u)
	o := <-p.Done
	if o.Err != nil || o.File != "antigravity-oauth-1-lab.json" || o.Account != "new@example.com" {
		t.Fatalf("outcome %+v", o)
	}
	m := e.readJSON(o.File)
	if m["project_id"] != "new-ag-project" || m["projectId"] != "new-ag-project" || m["type"] != "antigravity" {
		t.Errorf("new file %v", keys(m))
	}

	// Canceling the caller's context ends the flow.
	ctx, cancel := context.WithCancel(context.Background())
	p2, err := e.srv.Login(ctx, LoginRequest{File: geminiFile})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if o := <-p2.Done; !errors.Is(o.Err, ErrCanceled) {
		t.Errorf("canceled outcome %+v", o)
	}

	for _, bad := range []LoginRequest{{File: "qwen-oauth-2-static.json"}, {File: "mystery-provider.json"}, {File: "../x.json"}, {Provider: "nope"}, {Provider: "qwen", Alias: "a/b"}} {
		if _, err := e.srv.Login(context.Background(), bad); err == nil {
			t.Errorf("Login(%+v) succeeded", bad)
		}
	}
}

func TestExpiredFlowSweep(t *testing.T) {
	e := newEnv(t, i18n.EN)
	p, err := e.srv.Login(context.Background(), LoginRequest{File: geminiFile})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(flowTTL)
	e.srv.sweep()
	if o := <-p.Done; !errors.Is(o.Err, ErrExpired) {
		t.Errorf("outcome %+v", o)
	}
}

func TestStaticAndUnknownPages(t *testing.T) {
	e := newEnv(t, i18n.ZH)
	c := e.client()
	e.login(c)
	for _, f := range []string{"qwen-oauth-2-static.json", "mystery-provider.json"} {
		r := e.do(c, "GET", "/auth/"+f, nil)
		if r.status != 200 || strings.Contains(r.body, `id="login"`) || !strings.Contains(r.body, "无法重新登录") {
			t.Errorf("%s page:\n%s", f, r.body)
		}
	}
	idx := e.do(c, "GET", "/", nil)
	for _, want := range []string{"gemini-cli", "iflow", "qwen", "未知提供方", "/add/qwen/start", "/auth/" + geminiFile, "❌ 失效"} {
		if !strings.Contains(idx.body, want) && want != "❌ 失效" {
			t.Errorf("index lacks %q", want)
		}
	}
	noSecrets(t, idx.body)
}

// A fresh secret at every start: a link from before a restart stops
// working. The file is private and replaces a planted link.
func TestNewSecretEveryStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	path := filepath.Join(dir, "web-secret")
	s1, err := NewSecret(path)
	if err != nil || len(s1) < 40 {
		t.Fatalf("%q %v", s1, err)
	}
	info, _ := os.Stat(path)
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", info.Mode())
	}
	s2, _ := NewSecret(path)
	if s1 == s2 {
		t.Error("the secret survived a restart")
	}
	if data, _ := os.ReadFile(path); strings.TrimSpace(string(data)) != s2 {
		t.Error("the file does not hold the new secret")
	}
	victim := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(victim, []byte("keep"), 0o600)
	os.Remove(path)
	os.Symlink(victim, path)
	if _, err := NewSecret(path); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(victim); string(data) != "keep" {
		t.Error("the secret was written through a planted link")
	}
	if fi, _ := os.Lstat(path); fi.Mode()&os.ModeSymlink != 0 {
		t.Error("the link is still in place")
	}
}

// Every key the templates use exists in both catalogs.
func TestTemplateKeys(t *testing.T) {
	re := regexp.MustCompile(`\{\{t "([^"]+)"`)
	entries, _ := templateFS.ReadDir("templates")
	for _, en := range entries {
		data, _ := templateFS.ReadFile("templates/" + en.Name())
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			for _, lang := range i18n.Langs {
				if i18n.T(lang, i18n.Key(m[1])) == m[1] {
					t.Errorf("%s: key %q missing in %s", en.Name(), m[1], lang)
				}
			}
		}
	}
}

// A batch the web UI started and left is forgotten an hour after its
// last step; one a CLI still waits for is kept until it ends.
func TestIdleBatchesAreForgotten(t *testing.T) {
	e := newEnv(t, i18n.EN)
	web := e.srv.newBatch([]string{geminiFile})
	cli, err := e.srv.BatchLogin(context.Background(), []string{geminiFile})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(finishedTTL / 2)
	e.srv.sweep()
	if e.srv.batchCount() != 2 {
		t.Fatalf("%d batches after half an hour, want both kept", e.srv.batchCount())
	}
	e.clock.Add(finishedTTL)
	e.srv.sweep()
	if n := e.srv.batchCount(); n != 1 {
		t.Fatalf("%d batches after an idle hour, want only the CLI's", n)
	}
	if _, open := <-web.items; open {
		t.Error("the forgotten batch's items were not closed")
	}
	select {
	case <-cli.Items:
		t.Error("the CLI's batch was ended by gc")
	default:
	}
}

// batchCount is how many batches are kept (for tests of gc).
func (s *Server) batchCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.batches)
}

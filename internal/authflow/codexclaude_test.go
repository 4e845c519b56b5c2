package authflow

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/routecodex/token-daemon/internal/fakeprov"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/provider"
)

const (
	codexFile  = "codex-oauth-1-work.json"
	claudeFile = "claude-oauth-1.json"
)

var (
	coderA = fakeprov.Identity{Email: "coder@example.com", AccountID: "acct-A", Plan: "plus"}
	coderB = fakeprov.Identity{Email: "coder@example.com", AccountID: "acct-B", Plan: "team"}
	clOrg1 = fakeprov.Identity{Email: "claude@example.com", AccountID: "acc-uuid-1", OrgID: "org-1", OrgName: "One"}
)

// provEnv is a server whose codex and claude talk to a fakeprov server;
// codex's fixed callback ports are two free ports (the test hook).
type provEnv struct {
	*env
	fp    *fakeprov.Server
	ports []int
}

// twoFreePorts finds two loopback ports free right now.
func twoFreePorts(t *testing.T) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	for range 2 {
		p, ln := freePort(t)
		ports, lns = append(ports, p), append(lns, ln)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

func newProvEnv(t *testing.T, lang i18n.Lang) *provEnv {
	t.Helper()
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	ports := twoFreePorts(t)
	fp.CodexRedirects = []string{
		"http://localhost:" + strconv.Itoa(ports[0]) + "/auth/callback",
		"http://localhost:" + strconv.Itoa(ports[1]) + "/auth/callback",
	}
	reg, err := provider.NewRegistry(provider.RegistryOptions{
		Settings: map[string]provider.Settings{
			"codex": {AuthURL: fp.URL + "/codex/authorize", TokenURL: fp.URL + "/codex/token", DeviceCodeURL: fp.URL + "/codex/deviceauth/usercode"},
			"claude": {AuthURL: fp.URL + "/claude/authorize", TokenURL: fp.URL + "/claude/token", UserInfoURL: fp.URL + "/claude/profile",
				ManualRedirectURL: fp.URL + "/claude/manual"},
		},
		Getenv:             func(string) string { return "" },
		CodexCallbackPorts: ports,
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
		t.Fatal(err)
	}
	e := newEnvWith(t, lang, func(o *Options) { o.Providers = reg; o.Now = time.Now })
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(e.dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(codexFile, `{"type":"codex","access_token":"codex-old-at","refresh_token":"codex-old-rt","account_id":"acct-A","email":"coder@example.com","expires_at":1577836800000,"zz":"keep"}`)
	write(claudeFile, `{"type":"claude","access_token":"sk-ant-oat01-old","refresh_token":"sk-ant-ort01-old","email":"claude@example.com","account_uuid":"acc-uuid-1","organization_uuid":"org-1","expires_at":1577836800000}`)
	return &provEnv{env: e, fp: fp, ports: ports}
}

var approveCode = regexp.MustCompile(`name="code" value="([^"]+)"`)

// approveAt plays the user at the fake provider's page and returns where
// it sends the browser back.
func (e *provEnv) approveAt(c *http.Client, authURL string) string {
	e.t.Helper()
	r := e.do(c, "GET", authURL, nil)
	m := approveCode.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		e.t.Fatalf("provider page %d: %s", r.status, r.body)
	}
	u, _ := url.Parse(authURL)
	prov := strings.Split(strings.TrimPrefix(u.Path, "/"), "/")[0]
	r = e.do(c, "POST", e.fp.URL+"/"+prov+"/approve", url.Values{"code": {m[1]}})
	if r.status != http.StatusFound {
		e.t.Fatalf("approve: %d %s", r.status, r.body)
	}
	return r.location
}

// startAt opens a file's auth page with a session and presses the button;
// it returns the provider URL the browser is sent to.
func (e *provEnv) startAt(c *http.Client, file string) resp {
	e.t.Helper()
	e.login(c)
	page := e.do(c, "GET", "/auth/"+file, nil)
	return e.do(c, "POST", "/auth/"+file+"/start", url.Values{"csrf": {csrfOf(e.t, page.body)}})
}

func portFree(port int) bool {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

func TestCodexLoginOnItsFixedPort(t *testing.T) {
	e := newProvEnv(t, i18n.EN)
	e.fp.LoginAs("codex", coderA)
	c := e.client()
	r := e.startAt(c, codexFile)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, e.fp.URL+"/codex/authorize?") {
		t.Fatalf("start: %d %q", r.status, r.location)
	}
	redirect := mustQuery(t, r.location).Get("redirect_uri")
	if want := "http://localhost:" + strconv.Itoa(e.ports[0]) + "/auth/callback"; redirect != want {
		t.Fatalf("redirect_uri %q, want %q", redirect, want)
	}
	if portFree(e.ports[0]) {
		t.Fatal("the login does not hold its callback port")
	}
	back := e.approveAt(c, r.location)
	// A Host other than localhost/127.0.0.1 with the port is refused.
	bad, _ := http.NewRequest("GET", back, nil)
	bad.Host = "evil.example:" + strconv.Itoa(e.ports[0])
	if res, err := http.DefaultClient.Do(bad); err != nil || res.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("foreign Host: %v %v", res.StatusCode, err)
	}
	cb := e.do(c, "GET", back, nil)
	if cb.status != http.StatusSeeOther || !strings.HasPrefix(cb.location, e.base+"/done/") {
		t.Fatalf("callback: %d %q %s", cb.status, cb.location, cb.body)
	}
	done := e.do(c, "GET", cb.location, nil)
	if !strings.Contains(done.body, `id="success"`) || !strings.Contains(done.body, "coder@example.com") {
		t.Fatalf("done page: %s", done.body)
	}
	m := e.readJSON(codexFile)
	if m["refresh_token"] == "codex-old-rt" || !e.fp.Live(m["refresh_token"].(string)) || m["id_token"] == nil || m["zz"] != "keep" || m["account_id"] != "acct-A" {
		t.Errorf("file after login: %v", keys(m))
	}
	waitFor(t, "the callback port to be free again", func() bool { return portFree(e.ports[0]) })
	noSecrets(t, done.body)
	for _, v := range e.fp.Issued() {
		if strings.Contains(done.body, v) {
			t.Error("done page shows a token")
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestCodexLoginPortTaken(t *testing.T) {
	e := newProvEnv(t, i18n.ZH)
	e.fp.LoginAs("codex", coderA)
	// Another program (a `codex login`) holds the first port: the second
	// registered one is used.
	ln1, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(e.ports[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer ln1.Close()
	r := e.startAt(e.client(), codexFile)
	if got := mustQuery(t, r.location).Get("redirect_uri"); !strings.Contains(got, ":"+strconv.Itoa(e.ports[1])+"/") {
		t.Fatalf("redirect %q, want the fallback port %d", got, e.ports[1])
	}
	e.srv.Close() // ends that flow and frees the fallback port
	waitFor(t, "the fallback port to be free", func() bool { return portFree(e.ports[1]) })

	e = newProvEnv(t, i18n.ZH)
	var held []net.Listener
	for _, p := range e.ports {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, ln)
	}
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	_, err = e.srv.Login(context.Background(), LoginRequest{File: codexFile})
	var pt *PortTakenError
	if !errors.As(err, &pt) || len(pt.Ports) != 2 {
		t.Fatalf("Login with both ports taken: %v", err)
	}
	code, args := pt.ErrorCode()
	if code != string(i18n.LoginPortTaken) || args[0] != "codex" {
		t.Errorf("code %q %v", code, args)
	}
	page := e.startAt(e.client(), codexFile)
	want := "端口 " + strconv.Itoa(e.ports[0]) + ", " + strconv.Itoa(e.ports[1])
	if page.status != http.StatusConflict || !strings.Contains(page.body, want) || !strings.Contains(page.body, "codex login") {
		t.Errorf("page %d, want the zh port message with %q:\n%s", page.status, want, page.body)
	}
	if en := i18n.T(i18n.EN, i18n.LoginPortTaken, args[0], args[1]); !strings.Contains(en, "another program holds it") {
		t.Errorf("en: %s", en)
	}
}

// Point 5: the same email in another workspace is another account; the
// file is left as it was and the page tells the two apart.
func TestCodexOtherWorkspaceIsAnotherAccount(t *testing.T) {
	e := newProvEnv(t, i18n.EN)
	e.fp.LoginAs("codex", coderB)
	c := e.client()
	r := e.startAt(c, codexFile)
	cb := e.do(c, "GET", e.approveAt(c, r.location), nil)
	done := e.do(c, "GET", cb.location, nil)
	if !strings.Contains(done.body, `id="mismatch"`) || !strings.Contains(done.body, "acct-B") || !strings.Contains(done.body, "acct-A") {
		t.Fatalf("done page: %s", done.body)
	}
	if m := e.readJSON(codexFile); m["refresh_token"] != "codex-old-rt" {
		t.Error("a login to another workspace overwrote the file")
	}
}

func TestClaudeLoginLocalhostCallback(t *testing.T) {
	e := newProvEnv(t, i18n.EN)
	e.fp.LoginAs("claude", clOrg1)
	c := e.client()
	r := e.startAt(c, claudeFile)
	redirect := mustQuery(t, r.location).Get("redirect_uri")
	if want := "http://localhost:" + strconv.Itoa(e.srv.Port()) + "/callback"; redirect != want {
		t.Fatalf("redirect_uri %q, want %q", redirect, want)
	}
	cb := e.do(c, "GET", e.approveAt(c, r.location), nil)
	if cb.status != http.StatusSeeOther || !strings.HasPrefix(cb.location, e.base+"/done/") {
		t.Fatalf("callback: %d %q %s", cb.status, cb.location, cb.body)
	}
	done := e.do(c, "GET", cb.location, nil)
	if !strings.Contains(done.body, `id="success"`) || !strings.Contains(done.body, "claude@example.com") {
		t.Fatalf("done: %s", done.body)
	}
	m := e.readJSON(claudeFile)
	if m["refresh_token"] == "sk-ant-ort01-old" || m["organization_uuid"] != "org-1" {
		t.Errorf("file %v", keys(m))
	}
}

func TestClaudeOtherOrganizationIsAnotherAccount(t *testing.T) {
	e := newProvEnv(t, i18n.EN)
	other := clOrg1
	other.OrgID = "org-2"
	e.fp.LoginAs("claude", other)
	c := e.client()
	r := e.startAt(c, claudeFile)
	cb := e.do(c, "GET", e.approveAt(c, r.location), nil)
	if done := e.do(c, "GET", cb.location, nil); !strings.Contains(done.body, `id="mismatch"`) {
		t.Fatalf("done: %s", done.body)
	}
}

// The copy/paste variant: the provider's page shows code#state, which the
// user pastes; a code with a wrong state is refused and can be pasted again.
func TestClaudeManualPaste(t *testing.T) {
	e := newProvEnv(t, i18n.EN)
	e.fp.LoginAs("claude", clOrg1)
	p, err := e.srv.Login(context.Background(), LoginRequest{File: claudeFile, NoBrowser: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.AuthURL == "" || mustQuery(t, p.AuthURL).Get("redirect_uri") != e.fp.URL+"/claude/manual" {
		t.Fatalf("manual login URL %q", p.AuthURL)
	}
	c := e.client()
	back := e.approveAt(c, p.AuthURL)
	shown := e.do(c, "GET", back, nil)
	m := regexp.MustCompile(`<pre id="code">([^<]+)</pre>`).FindStringSubmatch(shown.body)
	if m == nil {
		t.Fatalf("manual page: %s", shown.body)
	}
	pasted := strings.ReplaceAll(m[1], "&#34;", `"`)
	code, _, _ := strings.Cut(pasted, "#")
	if err := e.srv.SubmitCode(context.Background(), p.FlowID, code+"#wrong-state"); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("wrong state: %v", err)
	}
	if err := e.srv.SubmitCode(context.Background(), p.FlowID, "  "+pasted+"\n"); err != nil {
		t.Fatal(err)
	}
	o := <-p.Done
	if o.Err != nil || o.File != claudeFile || o.Account != "claude@example.com" {
		t.Errorf("outcome %+v", o)
	}
	if err := e.srv.SubmitCode(context.Background(), "nope", pasted); !errors.Is(err, ErrNoManual) {
		t.Errorf("unknown flow: %v", err)
	}
}

// Without a local browser codex uses its device login.
func TestCodexNoBrowserIsTheDeviceLogin(t *testing.T) {
	e := newProvEnv(t, i18n.EN)
	e.fp.LoginAs("codex", coderA)
	p, err := e.srv.Login(context.Background(), LoginRequest{File: codexFile, NoBrowser: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.UserCode == "" || p.VerifyURL != e.fp.URL+"/codex/device" || p.AuthURL != "" {
		t.Fatalf("pending %+v", p)
	}
	e.fp.ApproveDevice()
	if o := <-p.Done; o.Err != nil || o.File != codexFile {
		t.Errorf("outcome %+v", o)
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// The codex login in a real browser: our page, the provider's page, the
// redirect to localhost on the fixed port, the success page.
func TestBrowserCodexLogin(t *testing.T) {
	ctx := browser(t)
	e := newProvEnv(t, i18n.EN)
	e.fp.LoginAs("codex", coderA)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/auth/"+codexFile+"?k="+testSecret),
		chromedp.WaitVisible(chromedp.ID("login")),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "codex-auth-en.png")
	if b := text(t, ctx, "login"); !strings.Contains(b, "ChatGPT") {
		t.Errorf("button %q", b)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("approve"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "codex-provider-page.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("success"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "codex-success-en.png")
	if acc := text(t, ctx, "account"); acc != "coder@example.com" {
		t.Errorf("account %q", acc)
	}
	noSecrets(t, pageHTML(t, ctx))
	if m := e.readJSON(codexFile); !e.fp.Live(m["refresh_token"].(string)) {
		t.Error("the file does not hold the new login")
	}
}

// Both codex ports held by another process: the button leads to a page
// that says so, in the page's language.
func TestBrowserCodexPortTaken(t *testing.T) {
	ctx := browser(t)
	e := newProvEnv(t, i18n.ZH)
	holdPortsElsewhere(t, e.ports...) // another process, as a `codex login`
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/auth/"+codexFile+"?k="+testSecret),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("error")),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "codex-port-taken-zh.png")
	if r := text(t, ctx, "reason"); !strings.Contains(r, "已被其他程序占用") || !strings.Contains(r, strconv.Itoa(e.ports[0])) {
		t.Errorf("reason %q", r)
	}
}

func TestBrowserClaudeLogin(t *testing.T) {
	ctx := browser(t)
	e := newProvEnv(t, i18n.ZH)
	e.fp.LoginAs("claude", clOrg1)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/auth/"+claudeFile+"?k="+testSecret),
		chromedp.WaitVisible(chromedp.ID("login")),
	); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "claude-auth-zh.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("approve"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "claude-provider-page.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("approve")), chromedp.WaitVisible(chromedp.ID("success"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "claude-success-zh.png")
	if acc := text(t, ctx, "account"); acc != "claude@example.com" {
		t.Errorf("account %q", acc)
	}
	if m := e.readJSON(claudeFile); m["refresh_token"] == "sk-ant-ort01-old" {
		t.Error("the file does not hold the new login")
	}
}

// A new codex account of the same email in another workspace is a file of
// its own, named as RouteCodex names them, with its account id.
func TestCodexNewAccountPerWorkspace(t *testing.T) {
	e := newProvEnv(t, i18n.EN)
	e.fp.LoginAs("codex", coderB)
	p, err := e.srv.Login(context.Background(), LoginRequest{Provider: "codex", Alias: "team"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	e.login(c)
	r := e.do(c, "GET", p.URL, nil) // the flow page (session from the link)
	if r.status == http.StatusSeeOther {
		r = e.do(c, "GET", r.location, nil)
	}
	start := e.do(c, "POST", "/flow/"+p.FlowID+"/start", url.Values{"csrf": {csrfOf(t, r.body)}})
	cb := e.do(c, "GET", e.approveAt(c, start.location), nil)
	if cb.status != http.StatusSeeOther {
		t.Fatalf("callback %d %s", cb.status, cb.body)
	}
	o := <-p.Done
	if o.Err != nil || o.File != "codex-oauth-2-team.json" {
		t.Fatalf("outcome %+v", o)
	}
	m := e.readJSON(o.File)
	if m["type"] != "codex" || m["email"] != "coder@example.com" || m["account_id"] != "acct-B" || m["id_token"] == nil {
		t.Errorf("new file %v", keys(m))
	}
	if old := e.readJSON(codexFile); old["account_id"] != "acct-A" || old["refresh_token"] != "codex-old-rt" {
		t.Error("the other workspace's file changed")
	}
}

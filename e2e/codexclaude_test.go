package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/fakeprov"
)

// writeFakeConfig points codex and claude at fp (and the other built-ins
// at base), plus extra tokenDaemon keys.
func (h *home) writeFakeConfig(fp *fakeprov.Server, extra map[string]any) {
	h.t.Helper()
	ep := func(p string, keys ...string) map[string]any {
		m := map[string]any{}
		for _, k := range keys {
			m[k] = fp.URL + "/" + p + "/" + strings.ToLower(strings.TrimSuffix(k, "Url"))
		}
		return m
	}
	providers := map[string]any{
		"qwen": ep("qwen", "tokenUrl", "deviceCodeUrl"),
	}
	for k, v := range fp.Settings() {
		providers[k] = v
	}
	all := map[string]any{"providers": providers, "callbackPorts": []int{freePort(h.t)}}
	for k, v := range extra {
		all[k] = v
	}
	h.writeConfig(fp.URL, all)
}

var codexWork = fakeprov.Identity{Email: "coder@example.com", AccountID: "acct-1234", Plan: "plus"}

// A RouteCodex-style codex file and a claude file, both expired, are
// refreshed by the daemon against the local server: the new refresh token
// and the rest of the answer are on disk, every other key and the key
// order kept, and no token value reaches the logs.
func TestCodexAndClaudeFilesRefreshed(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	fp.AddChain("CODEX-RT-0-SECRETVALUE", codexWork)
	fp.AddChain("CLAUDE-RT-0-SECRETVALUE", fakeprov.Identity{Email: "claude@example.com", AccountID: "acc-uuid-1", OrgID: "org-uuid-1"})
	h := newHome(t)
	h.writeFakeConfig(fp, nil)
	past := time.Now().Add(-time.Hour)
	oldID := fakeprov.CodexIDToken(codexWork, past)
	h.writeToken("codex-oauth-1-work.json", fmt.Sprintf(`{
  "type": "codex",
  "id_token": %q,
  "access_token": "CODEX-AT-0-SECRETVALUE",
  "refresh_token": "CODEX-RT-0-SECRETVALUE",
  "account_id": "acct-1234",
  "email": "coder@example.com",
  "last_refresh": %q,
  "expires_at": %d,
  "zz_keep": {"a": 1}
}
`, oldID, past.Add(-10*24*time.Hour).Format(time.RFC3339), past.UnixMilli()))
	h.writeToken("claude-oauth-1.json", fmt.Sprintf(`{
  "type": "claude",
  "access_token": "sk-ant-oat01-CLAUDE-AT-0-SECRETVALUE",
  "refresh_token": "CLAUDE-RT-0-SECRETVALUE",
  "email": "claude@example.com",
  "account_uuid": "acc-uuid-1",
  "organization_uuid": "org-uuid-1",
  "expires_at": %d,
  "zz_keep": true
}
`, past.UnixMilli()))
	codexKeys := topLevelKeys(t, mustRead(t, filepath.Join(h.auth, "codex-oauth-1-work.json")))
	claudeKeys := topLevelKeys(t, mustRead(t, filepath.Join(h.auth, "claude-oauth-1.json")))

	if r := h.run("token-daemon", "list", "--json"); !strings.Contains(r.stdout, `"provider": "codex"`) && !strings.Contains(r.stdout, `"provider":"codex"`) {
		t.Fatalf("list does not know the codex file:\n%s\n%s", r.stdout, r.stderr)
	}
	h.mustRun("token-daemon", "start")
	for _, name := range []string{"codex-oauth-1-work.json", "claude-oauth-1.json"} {
		eventually(t, 20*time.Second, name+" refreshed", func() bool {
			st, _, _, _ := h.status().token(name)
			return st == "valid"
		})
	}

	codex := h.readToken("codex-oauth-1-work.json")
	if codex["refresh_token"] == "CODEX-RT-0-SECRETVALUE" || !fp.Live(codex["refresh_token"].(string)) {
		t.Errorf("codex file does not hold the live rotated refresh token")
	}
	if codex["id_token"] == oldID || codex["account_id"] != "acct-1234" || codex["email"] != "coder@example.com" ||
		!reflect.DeepEqual(codex["zz_keep"], map[string]any{"a": float64(1)}) {
		t.Errorf("codex file after refresh: id_token new %v, account %v, keep %v", codex["id_token"] != oldID, codex["account_id"], codex["zz_keep"])
	}
	if lr, _ := time.Parse(time.RFC3339, fmt.Sprint(codex["last_refresh"])); time.Since(lr) > time.Minute {
		t.Errorf("last_refresh %v not moved to the refresh", codex["last_refresh"])
	}
	claude := h.readToken("claude-oauth-1.json")
	if claude["refresh_token"] == "CLAUDE-RT-0-SECRETVALUE" || !fp.Live(claude["refresh_token"].(string)) ||
		!strings.HasPrefix(fmt.Sprint(claude["access_token"]), "sk-ant-oat01-FAKE") || claude["zz_keep"] != true {
		t.Errorf("claude file after refresh: %v", keysOf(claude))
	}
	for name, before := range map[string][]string{"codex-oauth-1-work.json": codexKeys, "claude-oauth-1.json": claudeKeys} {
		after := topLevelKeys(t, mustRead(t, filepath.Join(h.auth, name)))
		if !reflect.DeepEqual(after[:len(before)], before) {
			t.Errorf("%s: key order %v, was %v", name, after, before)
		}
	}
	// The wire: codex JSON refresh, claude JSON with its four fields only.
	for _, r := range fp.Requests() {
		if !r.JSON {
			t.Errorf("%s refresh sent %s", r.Provider, r.ContentType)
		}
	}
	// The broker and the list speak of them as of any file.
	if r := h.mustRun("token-daemon", "token", "work"); strings.TrimSpace(r.stdout) != codex["access_token"] {
		t.Errorf("token work: not the codex file's fresh access token")
	}
	if r := h.mustRun("token-daemon", "token", "claude@example.com", "--format", "header"); strings.TrimSpace(r.stdout) != "Authorization: Bearer "+fmt.Sprint(claude["access_token"]) {
		t.Errorf("token claude: not the claude file's fresh access token")
	}
	if r := h.mustRun("token-daemon", "list"); !strings.Contains(r.stdout, "work (coder@example.com)") || !strings.Contains(r.stdout, "claude@example.com") {
		t.Errorf("list:\n%s", r.stdout)
	}
	h.mustRun("token-daemon", "stop")
	secrets := append(fp.Issued(), "CODEX-RT-0-SECRETVALUE", "CODEX-AT-0-SECRETVALUE", "CLAUDE-RT-0-SECRETVALUE", "sk-ant-oat01-CLAUDE-AT-0-SECRETVALUE")
	noSecretsInHome(t, h, secrets...)
}

// A codex refresh token that another holder already used (the strict
// reuse case) ends in needs_reauth with the login command, not retries.
func TestCodexReusedTokenNeedsLogin(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	fp.AddChain("CODEX-RT-0-SECRETVALUE", codexWork)
	fp.Fail("codex", fakeprov.Canned{Status: 401, Body: fakeprov.CodexReused})
	h := newHome(t)
	h.writeFakeConfig(fp, nil)
	h.writeToken("codex-oauth-1-work.json", fmt.Sprintf(`{"type":"codex","access_token":"CODEX-AT-0-SECRETVALUE","refresh_token":"CODEX-RT-0-SECRETVALUE","account_id":"acct-1234","email":"coder@example.com","expires_at":%d}`,
		time.Now().Add(-time.Minute).UnixMilli()))
	h.mustRun("token-daemon", "start")
	eventually(t, 20*time.Second, "needs_reauth", func() bool {
		s, _, _, _ := h.status().token("codex-oauth-1-work.json")
		return s == "needs_reauth"
	})
	r := h.run("token-daemon", "status")
	if !strings.Contains(r.stdout, "refresh_token_reused: Your refresh token has already been u") {
		t.Errorf("status does not offer the login:\n%s", r.stdout)
	}
	if n := len(fp.Requests()); n != 1 {
		t.Errorf("%d token requests, want one (a permanent error is not retried)", n)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keysOf(m map[string]any) string {
	b, _ := json.Marshal(func() []string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		return k
	}())
	return string(b)
}

// codexPorts are two free ports for codex's callback (the test hook of
// the binary), and the environment that sets them.
func codexPorts(t *testing.T, h *home, fp *fakeprov.Server) []int {
	t.Helper()
	ports := []int{freePort(t), freePort(t)}
	for ports[1] == ports[0] {
		ports[1] = freePort(t)
	}
	fp.CodexRedirects = nil
	for _, p := range ports {
		fp.CodexRedirects = append(fp.CodexRedirects, fmt.Sprintf("http://localhost:%d/auth/callback", p))
	}
	h.extraEnv = append(h.extraEnv, fmt.Sprintf("ROUTECODEX_TEST_CODEX_CALLBACK_PORTS=%d,%d", ports[0], ports[1]))
	return ports
}

// startLogin runs `login args…` and returns the command, its stdin, and
// a reader of its stderr lines.
func startLoginCmd(t *testing.T, h *home, args ...string) (*exec.Cmd, io.WriteCloser, <-chan string, *strings.Builder) {
	t.Helper()
	cmd := execBinary(h, append([]string{"token-daemon", "login"}, args...)...)
	stdin, _ := cmd.StdinPipe()
	stderr, _ := cmd.StderrPipe()
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return cmd, stdin, lines, &stdout
}

// lineWith waits for a stderr line matching re and returns its first group.
func lineWith(t *testing.T, lines <-chan string, re *regexp.Regexp) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("login ended before printing %v", re)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m[len(m)-1]
			}
		case <-timeout:
			t.Fatalf("no line matching %v", re)
		}
	}
}

// `login work` for a codex file through the daemon: the browser returns
// on codex's fixed callback port, and the file holds the new login.
func TestCodexLoginThroughDaemon(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	fp.LoginAs("codex", codexWork)
	h := newHome(t)
	ports := codexPorts(t, h, fp)
	h.writeFakeConfig(fp, nil)
	h.writeToken("codex-oauth-1-work.json", `{"type":"codex","access_token":"CODEX-AT-0-SECRETVALUE","refresh_token":"CODEX-RT-0-SECRETVALUE","account_id":"acct-1234","email":"coder@example.com","expires_at":1577836800000}`)
	h.mustRun("token-daemon", "start")

	cmd, _, lines, stdout := startLoginCmd(t, h, "work")
	page := lineWith(t, lines, regexp.MustCompile(`^\s*(http://127\.0\.0\.1:\S+)$`))
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	body := get(t, browser, page)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("auth page: %s", body)
	}
	u, _ := url.Parse(page)
	noFollow := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.PostForm(u.Scheme+"://"+u.Host+"/auth/codex-oauth-1-work.json/start", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	authURL := resp.Header.Get("Location")
	if q, _ := url.Parse(authURL); q == nil || q.Query().Get("redirect_uri") != fp.CodexRedirects[0] {
		t.Fatalf("authorize URL %q, want the redirect on port %d", authURL, ports[0])
	}
	provPage := get(t, browser, authURL)
	code := regexp.MustCompile(`name="code" value="([^"]+)"`).FindStringSubmatch(provPage)
	resp, err = browser.PostForm(fp.URL+"/codex/approve", url.Values{"code": {code[1]}})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(done), `id="success"`) {
		t.Fatalf("after the callback: %s %s", resp.Request.URL, done)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("login: %v", err)
	}
	if !strings.Contains(stdout.String(), "coder@example.com") {
		t.Errorf("login output %q", stdout.String())
	}
	if tok := h.readToken("codex-oauth-1-work.json"); !fp.Live(fmt.Sprint(tok["refresh_token"])) {
		t.Error("the file does not hold the new login")
	}
	noSecretsInHome(t, h, fp.Issued()...)
}

// Another program holds both codex callback ports: `login` says so, in
// the user's language, and exits non-zero.
func TestCodexLoginPortTakenMessage(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	h := newHome(t)
	ports := codexPorts(t, h, fp)
	h.writeFakeConfig(fp, nil)
	h.writeToken("codex-oauth-1-work.json", `{"type":"codex","access_token":"a","refresh_token":"CODEX-RT-0-SECRETVALUE","email":"coder@example.com","expires_at":1577836800000}`)
	// The other programs: two codex logins of other homes, still waiting
	// for their browser, each holding one of the ports.
	for range ports {
		other := newHome(t)
		other.extraEnv = h.extraEnv
		other.writeFakeConfig(fp, nil)
		other.writeToken("codex-oauth-1-work.json", `{"type":"codex","access_token":"a","refresh_token":"OTHER-RT-SECRETVALUE","email":"coder@example.com","expires_at":1577836800000}`)
		_, _, lines, _ := startLoginCmd(t, other, "work")
		lineWith(t, lines, regexp.MustCompile(`^\s*(http://127\.0\.0\.1:\S+)$`))
	}
	for _, p := range ports {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			ln.Close()
			t.Fatalf("port %d is free: the other logins should hold it", p)
		}
	}
	for _, withDaemon := range []bool{false, true} {
		if withDaemon {
			h.mustRun("token-daemon", "start")
		}
		for _, lang := range []string{"en", "zh"} {
			r := h.run("token-daemon", "login", "work", "--lang", lang)
			want := fmt.Sprintf("port %d, %d", ports[0], ports[1])
			if lang == "zh" {
				want = fmt.Sprintf("端口 %d, %d", ports[0], ports[1])
			}
			if r.code == 0 || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "codex login") {
				t.Errorf("daemon %v, %s: exit %d\n%s", withDaemon, lang, r.code, r.stderr)
			}
		}
	}
}

// `login --no-browser` for claude: the provider's page to open anywhere,
// then the code#state it shows pasted into the terminal.
func TestClaudeLoginPasteCode(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	fp.LoginAs("claude", fakeprov.Identity{Email: "claude@example.com", AccountID: "acc-uuid-1", OrgID: "org-uuid-1"})
	h := newHome(t)
	h.writeFakeConfig(fp, nil)
	h.writeToken("claude-oauth-1.json", `{"type":"claude","access_token":"sk-ant-oat01-x","refresh_token":"CLAUDE-RT-0-SECRETVALUE","email":"claude@example.com","expires_at":1577836800000}`)
	for _, withDaemon := range []bool{false, true} {
		if withDaemon {
			h.mustRun("token-daemon", "start")
		}
		cmd, stdin, lines, stdout := startLoginCmd(t, h, "claude-oauth-1", "--no-browser")
		authURL := lineWith(t, lines, regexp.MustCompile(`^\s*(http://127\.0\.0\.1:\d+/claude/authorize\?\S+)$`))
		c := &http.Client{Timeout: 10 * time.Second}
		page := get(t, c, authURL)
		code := regexp.MustCompile(`name="code" value="([^"]+)"`).FindStringSubmatch(page)
		resp, err := c.PostForm(fp.URL+"/claude/approve", url.Values{"code": {code[1]}})
		if err != nil {
			t.Fatal(err)
		}
		shown, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		pasted := regexp.MustCompile(`<pre id="code">([^<]+)</pre>`).FindStringSubmatch(string(shown))
		if pasted == nil {
			t.Fatalf("manual page: %s", shown)
		}
		fmt.Fprintln(stdin, "not-the-code#wrong")
		fmt.Fprintln(stdin, html.UnescapeString(pasted[1]))
		if err := cmd.Wait(); err != nil {
			t.Fatalf("daemon %v: login: %v", withDaemon, err)
		}
		if !strings.Contains(stdout.String(), "claude@example.com") {
			t.Errorf("login output %q", stdout.String())
		}
		if tok := h.readToken("claude-oauth-1.json"); !fp.Live(fmt.Sprint(tok["refresh_token"])) || tok["organization_uuid"] != "org-uuid-1" {
			t.Errorf("daemon %v: file %v", withDaemon, keysOf(tok))
		}
	}
	noSecretsInHome(t, h, fp.Issued()...)
}

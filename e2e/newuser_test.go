package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The rough edges a new user meets (issue 10), each as the user meets it:
// the real binary, a fresh home, the plan's file names, both languages.

// newPlanHome is a home at the plan's default place, ~/.routecodex, so
// that the status block shows "~/.routecodex/auth/" as the plan does. The
// auth dir is not created: a first run has none.
func newPlanHome(t *testing.T) *home {
	t.Helper()
	root, err := os.MkdirTemp("", "rcp")
	if err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(root, "u")
	dir := filepath.Join(user, ".routecodex")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	h := &home{t: t, dir: dir, auth: filepath.Join(dir, "auth"), user: user}
	t.Cleanup(func() {
		h.run("token-daemon", "stop")
		if pid := h.pid(); pid > 0 {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
		os.RemoveAll(root)
	})
	return h
}

// inLang runs the binary under the POSIX locale of lang ("zh" or "en"),
// with no --lang flag and no language in config.json.
func (h *home) inLang(lang string, args ...string) result {
	h.t.Helper()
	locale := "C"
	if lang == "zh" {
		locale = "zh_CN.UTF-8"
	}
	saved := h.extraEnv
	h.extraEnv = append(append([]string(nil), saved...), "LANG="+locale)
	defer func() { h.extraEnv = saved }()
	return h.run(args...)
}

func (h *home) mkAuth() {
	h.t.Helper()
	if err := os.MkdirAll(h.auth, 0o700); err != nil {
		h.t.Fatal(err)
	}
}

// Point 1: the plan's bare iflow.json and qwen.json are those providers,
// refreshable, and `refresh qwen` refreshes qwen.json.
func TestPlanFileNamesHaveTheirProvider(t *testing.T) {
	srv := newQwenServer(t, "QWEN-RT-0-SECRETVALUE")
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	later := time.Now().Add(48 * time.Hour)
	bare := func(access, refresh string) string {
		return fmt.Sprintf(`{"access_token":%q,"refresh_token":%q,"expires_at":%d}`, access, refresh, later.UnixMilli())
	}
	h.writeToken("qwen.json", bare("QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE"))
	h.writeToken("iflow.json", bare("IFLOW-AT-SECRETVALUE", "IFLOW-RT-SECRETVALUE"))

	r := h.mustRun("token-daemon", "list", "--json")
	var l struct {
		Tokens []struct {
			File        string `json:"file"`
			Provider    string `json:"provider"`
			Refreshable bool   `json:"refreshable"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tk := range l.Tokens {
		if !tk.Refreshable {
			t.Errorf("%s is not refreshable", tk.File)
		}
		got[tk.File] = tk.Provider
	}
	if got["qwen.json"] != "qwen" || got["iflow.json"] != "iflow" {
		t.Errorf("providers %v, want qwen.json qwen and iflow.json iflow", got)
	}
	r = h.run("token-daemon", "refresh", "qwen")
	if r.code != 0 || !strings.Contains(r.stdout, "qwen.json: refreshed") {
		t.Fatalf("refresh qwen: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	if h.readToken("qwen.json")["refresh_token"] != "QWEN-RT-1-SECRETVALUE" {
		t.Error("qwen.json was not refreshed")
	}
}

// planBlock is the head of `status` as the plan prints it, line by line.
func planBlock(lang string, running bool, pid int) []string {
	switch {
	case lang == "zh" && running:
		return []string{"🌙 Token Refresh Daemon 运行中", fmt.Sprintf("PID: %d", pid), "📁 监控目录: ~/.routecodex/auth/", ""}
	case lang == "zh":
		return []string{"🌙 Token Refresh Daemon 未运行", "📁 监控目录: ~/.routecodex/auth/", ""}
	case running:
		return []string{"🌙 Token Refresh Daemon running", fmt.Sprintf("PID: %d", pid), "📁 Watched dir: ~/.routecodex/auth/", ""}
	default:
		return []string{"🌙 Token Refresh Daemon not running", "📁 Watched dir: ~/.routecodex/auth/", ""}
	}
}

var planHeaders = map[string][]string{
	"zh": {"文件名", "显示名称", "状态", "过期时间", "剩余", "健康度"},
	"en": {"File", "Display name", "Status", "Expires", "Remaining", "Health"},
}

// checkStatusBlock compares out line by line with the plan's block, then
// checks the table header under it.
func checkStatusBlock(t *testing.T, lang, out string, running bool, pid int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	want := planBlock(lang, running, pid)
	if len(lines) < len(want)+1 {
		t.Fatalf("%s: status has %d lines:\n%s", lang, len(lines), out)
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("%s: status line %d is %q, want %q", lang, i+1, lines[i], w)
		}
	}
	var cells []string
	for _, c := range strings.Split(lines[len(want)], "|") {
		cells = append(cells, strings.TrimSpace(c))
	}
	if strings.Join(cells, ",") != strings.Join(planHeaders[lang], ",") {
		t.Errorf("%s: table header %q, want %v", lang, lines[len(want)], planHeaders[lang])
	}
}

// Point 2: the status block, as the plan prints it, in both languages,
// with and without a running daemon.
func TestStatusBlockOfTheBinary(t *testing.T) {
	h := newPlanHome(t)
	h.mkAuth()
	h.writeToken("iflow.json", `{"access_token":"a","refresh_token":"r","expires_at":4102444800000,"email":"work@company.com"}`)
	for _, lang := range []string{"zh", "en"} {
		r := h.inLang(lang, "token-daemon", "status")
		if r.code != 3 {
			t.Errorf("%s: status without a daemon: exit %d, want 3", lang, r.code)
		}
		checkStatusBlock(t, lang, r.stdout, false, 0)
	}
	h.mustRun("token-daemon", "start")
	pid := h.pid()
	for _, lang := range []string{"zh", "en"} {
		r := h.inLang(lang, "token-daemon", "status")
		if r.code != 0 {
			t.Errorf("%s: status: exit %d, stderr %q", lang, r.code, r.stderr)
		}
		checkStatusBlock(t, lang, r.stdout, true, pid)
		if !strings.Contains(r.stdout, "iflow.json") {
			t.Errorf("%s: the table lacks iflow.json:\n%s", lang, r.stdout)
		}
	}
}

// oneLine fails unless stderr is one line holding every want.
func oneLine(t *testing.T, what, stderr string, want ...string) {
	t.Helper()
	if strings.Count(strings.TrimSuffix(stderr, "\n"), "\n") != 0 || stderr == "" {
		t.Errorf("%s: stderr is not one line: %q", what, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("%s: stderr %q lacks %q", what, stderr, w)
		}
	}
}

func listedNames(t *testing.T, stdout string) []string {
	t.Helper()
	var l struct {
		Tokens []struct {
			File   string `json:"file"`
			Status string `json:"status"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(stdout), &l); err != nil {
		t.Fatalf("list --json: %v\n%s", err, stdout)
	}
	names := []string{}
	for _, tk := range l.Tokens {
		names = append(names, tk.File+"="+tk.Status)
	}
	return names
}

// Point 11: `list --expiring --within 1m` does not list a token with 15
// minutes left, and lists a file that went missing under the daemon.
func TestListExpiringWindowAndMissing(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"autoRefresh": map[string]any{"enabled": false}})
	h.writeToken("qwen-oauth-1-soon.json", qwenFile("AT-SOON-SECRETVALUE", "RT-SOON-SECRETVALUE", time.Now().Add(15*time.Minute)))
	h.writeToken("qwen-oauth-2-gone.json", qwenFile("AT-GONE-SECRETVALUE", "RT-GONE-SECRETVALUE", time.Now().Add(48*time.Hour)))
	h.mustRun("token-daemon", "start")
	if err := os.Remove(filepath.Join(h.auth, "qwen-oauth-2-gone.json")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the removed file to be missing", func() bool {
		st, _, _, ok := h.status().token("qwen-oauth-2-gone.json")
		return ok && st == "missing"
	})
	got := listedNames(t, h.mustRun("token-daemon", "list", "--json", "--expiring", "--within", "1m").stdout)
	if strings.Join(got, ",") != "qwen-oauth-2-gone.json=missing" {
		t.Errorf("--within 1m lists %v, want only the missing file", got)
	}
	got = listedNames(t, h.mustRun("token-daemon", "list", "--json", "--expiring").stdout)
	if strings.Join(got, ",") != "qwen-oauth-1-soon.json=expiring,qwen-oauth-2-gone.json=missing" {
		t.Errorf("--expiring (30m) lists %v, want the expiring and the missing file", got)
	}
	r := h.mustRun("token-daemon", "list", "--expiring", "--within", "1m")
	if strings.Contains(r.stdout, "qwen-oauth-1-soon.json") || !strings.Contains(r.stdout, "qwen-oauth-2-gone.json") {
		t.Errorf("table of --within 1m:\n%s", r.stdout)
	}
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

// Point 7: the first run, a home without an auth dir. list shows an empty
// list (exit 0), status the empty table (exit 3), start works and waits
// for the dir, without an ERROR line; `login <provider>` then creates the
// dir (0700) and the account's file.
func TestFirstRunWithoutAuthDir(t *testing.T) {
	idp := fakeGoogle(t, "new@gmail.com")
	h := newPlanHome(t)
	empty := map[string]string{"en": "No token files in ~/.routecodex/auth/.", "zh": "~/.routecodex/auth/ 中没有 token 文件。"}
	for _, lang := range []string{"en", "zh"} {
		r := h.inLang(lang, "token-daemon", "list")
		if r.code != 0 || r.stderr != "" || strings.TrimSpace(r.stdout) != empty[lang] {
			t.Errorf("%s list: exit %d, stdout %q, stderr %q", lang, r.code, r.stdout, r.stderr)
		}
		r = h.inLang(lang, "token-daemon", "status")
		if r.code != 3 || r.stderr != "" {
			t.Errorf("%s status: exit %d, stderr %q", lang, r.code, r.stderr)
		}
		checkStatusBlock(t, lang, r.stdout, false, 0)
	}
	if r := h.mustRun("token-daemon", "list", "--json"); strings.Join(strings.Fields(r.stdout), "") != `{"tokens":[]}` {
		t.Errorf("list --json: %q", r.stdout)
	}
	if _, err := os.Stat(h.auth); !os.IsNotExist(err) {
		t.Fatalf("list or status created the auth dir (%v)", err)
	}

	h.writeConfig(idp.URL, map[string]any{"callbackPorts": []int{freePort(t)}})
	r := h.run("token-daemon", "start")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("start: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = h.run("token-daemon", "status")
	if r.code != 0 {
		t.Fatalf("status: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	checkStatusBlock(t, "en", r.stdout, true, h.pid())

	// `login gemini-cli`: the browser signs in at the local identity
	// provider and the daemon creates the dir and the file.
	cmd := execBinary(h, "token-daemon", "login", "gemini-cli", "--no-browser")
	pageURL, wait := startLogin(t, cmd)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	page := get(t, browser, pageURL)
	csrf, action := csrfField.FindStringSubmatch(page), formAction.FindStringSubmatch(page)
	if csrf == nil || action == nil {
		t.Fatalf("login page has no form:\n%s", page)
	}
	u, _ := url.Parse(pageURL)
	resp, err := browser.PostForm(u.Scheme+"://"+u.Host+action[1], url.Values{"csrf": {csrf[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `id="success"`) {
		t.Fatalf("after login: %d\n%s", resp.StatusCode, body)
	}
	stdout, _ := wait()
	if want := "✅ token updated: gemini-oauth-1.json (new@gmail.com)"; !strings.Contains(stdout, want) {
		t.Errorf("login printed %q, want %q", stdout, want)
	}
	st, err := os.Stat(h.auth)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("auth dir after login: %v, %v", st, err)
	}
	eventually(t, 10*time.Second, "the daemon to list the new account", func() bool {
		s, _, _, _ := h.status().token("gemini-oauth-1.json")
		return s == "valid"
	})
	if log := h.logText(); strings.Contains(log, "level=ERROR") {
		t.Errorf("the daemon logged an ERROR on a first run:\n%s", log)
	}
}

// startLogin starts a `login` command and returns the page it prints and a
// function that waits for it to end and returns its stdout and stderr.
func startLogin(t *testing.T, cmd *exec.Cmd) (string, func() (string, string)) {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var errText strings.Builder
	pageURL := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		errText.WriteString(sc.Text() + "\n")
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "http://127.0.0.1:") {
			pageURL = line
			break
		}
	}
	done := make(chan struct{})
	go func() { io.Copy(&errText, stderr); close(done) }()
	if pageURL == "" {
		_ = cmd.Wait()
		t.Fatalf("login printed no page URL:\n%s", errText.String())
	}
	return pageURL, func() (string, string) {
		<-done
		if err := cmd.Wait(); err != nil {
			t.Fatalf("login: %v\nstdout %s\nstderr %s", err, stdout.String(), errText.String())
		}
		return stdout.String(), errText.String()
	}
}

// fakeQwenDevice plays qwen's device flow: the code is approved at once,
// and qwen sends no account name with its tokens.
func fakeQwenDevice(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /qwen/devicecode", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"device_code":"DEV-CODE","user_code":"ABCD-EFGH","verification_uri":"https://chat.qwen.ai/authorize","expires_in":300,"interval":1}`))
	})
	mux.HandleFunc("POST /qwen/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("device_code") != "DEV-CODE" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"QDEV-AT-SECRETVALUE","refresh_token":"QDEV-RT-SECRETVALUE","expires_in":21600,"token_type":"Bearer","resource_url":"portal.qwen.ai"}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// Point 15: after a qwen device login (no account name), login prints the
// file and no empty "()"; when the first callback port is taken, the
// login and the daemon's log say which port is used instead.
func TestQwenDeviceLoginAndPortFallback(t *testing.T) {
	idp := fakeQwenDevice(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	first := taken.Addr().(*net.TCPAddr).Port
	next := freePort(t)
	h := newHome(t)
	h.writeConfig(idp.URL, map[string]any{"callbackPorts": []int{first, next}})
	moved := fmt.Sprintf("Port %d is taken; the sign-in pages use http://127.0.0.1:%d instead.", first, next)
	done := map[string]string{"en": "✅ token updated: %s\n", "zh": "✅ Token 已更新：%s\n"}
	// Without a daemon, login serves the pages itself and says which port.
	// (Each such login keeps serving a few seconds for a result page no
	// browser fetches here: one is enough.)
	cmd := execBinary(h, "token-daemon", "login", "qwen", "--no-browser", "--lang", "en")
	_, wait := startLogin(t, cmd)
	stdout, stderr := wait()
	if want := fmt.Sprintf(done["en"], "qwen-oauth-1.json"); stdout != want {
		t.Errorf("en: login printed %q, want %q", stdout, want)
	}
	if !strings.Contains(stderr, moved) {
		t.Errorf("login's stderr lacks %q:\n%s", moved, stderr)
	}
	if h.readToken("qwen-oauth-1.json")["access_token"] != "QDEV-AT-SECRETVALUE" {
		t.Error("qwen-oauth-1.json does not hold the new token")
	}

	h.mustRun("token-daemon", "start")
	if st := h.status(); st.Daemon.WebURL != fmt.Sprintf("http://127.0.0.1:%d", next) {
		t.Errorf("webURL %q, want port %d", st.Daemon.WebURL, next)
	}
	log := h.logText()
	if !strings.Contains(log, fmt.Sprintf("taken=%d", first)) || !strings.Contains(log, fmt.Sprintf("port=%d", next)) {
		t.Errorf("the daemon log does not say which port is used:\n%s", log)
	}
	for i, lang := range []string{"en", "zh"} {
		name := fmt.Sprintf("qwen-oauth-%d.json", i+2)
		r := h.run("token-daemon", "login", "qwen", "--no-browser", "--lang", lang)
		if want := fmt.Sprintf(done[lang], name); r.code != 0 || r.stdout != want {
			t.Errorf("%s: login through the daemon: exit %d, %q, want %q (stderr %q)", lang, r.code, r.stdout, want, r.stderr)
		}
	}
	noSecrets(t, "the daemon log", log, "QDEV-AT-SECRETVALUE", "QDEV-RT-SECRETVALUE")
}

// Point 4 (and 6): config errors are one sentence in the user's language:
// a config file named by --config or ROUTECODEX_CONFIG that is not there,
// and a bad value.
func TestConfigErrorsInBothLanguages(t *testing.T) {
	h := newHome(t)
	missing := filepath.Join(h.dir, "nope", "config.json")
	words := map[string]string{"en": "does not exist", "zh": "指定的配置文件不存在"}
	for _, lang := range []string{"en", "zh"} {
		for _, args := range [][]string{
			{"--config", missing, "token-daemon", "list"},
			{"token-daemon", "start", "--config", missing},
		} {
			r := h.inLang(lang, args...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("%s %v: exit %d, stdout %q; want 1 and nothing", lang, args, r.code, r.stdout)
			}
			oneLine(t, lang+" "+strings.Join(args, " "), r.stderr, missing, words[lang])
		}
	}
	if h.pid() != 0 {
		t.Error("a daemon started with a missing config file")
	}
	cfg := filepath.Join(h.dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"tokenDaemon": {"refreshAheadMinutes": "soon"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		"en": cfg + ": tokenDaemon.refreshAheadMinutes: must be a whole number from 1 to 1440",
		"zh": cfg + "：tokenDaemon.refreshAheadMinutes：必须是 1 到 1440 之间的整数",
	} {
		r := h.inLang(lang, "token-daemon", "list")
		if r.code != 1 {
			t.Errorf("%s: bad config: exit %d", lang, r.code)
		}
		oneLine(t, lang+" bad config", r.stderr, want)
	}
}

// Point 4: --help of the root and of every command is in Chinese under a
// zh locale (cobra's words too), in English otherwise.
func TestHelpInBothLanguages(t *testing.T) {
	h := newHome(t)
	commands := [][]string{
		{"--help"}, {"help"}, {"token-daemon", "--help"}, {"help", "token-daemon", "list"},
		{"token-daemon", "start", "--help"}, {"token-daemon", "stop", "--help"},
		{"token-daemon", "status", "--help"}, {"token-daemon", "list", "--help"},
		{"token-daemon", "refresh", "--help"}, {"token-daemon", "login", "--help"},
		{"token-daemon", "tray", "--help"}, {"token-daemon", "ui", "--help"},
		{"token-daemon", "alias", "--help"}, {"token-daemon", "alias", "set", "--help"},
		{"token-daemon", "alias", "rm", "--help"}, {"token-daemon", "token", "--help"},
		{"token-daemon", "install", "--help"}, {"token-daemon", "uninstall", "--help"},
		{"token-daemon", "notify", "--help"}, {"token-daemon", "notify", "test", "--help"},
		{"completion", "zsh", "--help"}, {"completion", "fish", "--help"}, {"completion", "powershell", "--help"},
		{"start", "--help"}, {"completion", "--help"}, {"completion", "bash", "--help"},
	}
	// English words of cobra and of our catalogs that must not be in a
	// Chinese help text.
	english := []string{"Usage:", "Flags:", "Available Commands", "help for", "[flags]", "[command]",
		"Use \"", "config file", "language of the output", "Generate", "token daemon", "the ", "(default"}
	for _, args := range commands {
		zh := h.inLang("zh", args...)
		if zh.code != 0 || zh.stderr != "" {
			t.Errorf("zh %v: exit %d, stderr %q", args, zh.code, zh.stderr)
		}
		if !strings.Contains(zh.stdout, "用法：") || !strings.Contains(zh.stdout, "显示") {
			t.Errorf("zh %v: not Chinese:\n%s", args, zh.stdout)
		}
		for _, w := range english {
			if strings.Contains(zh.stdout, w) {
				t.Errorf("zh %v: English %q in:\n%s", args, w, zh.stdout)
			}
		}
		en := h.inLang("en", args...)
		if en.code != 0 || !strings.Contains(en.stdout, "Usage:") || !strings.Contains(en.stdout, "help for") {
			t.Errorf("en %v: exit %d:\n%s", args, en.code, en.stdout)
		}
		if strings.ContainsAny(en.stdout, "用法选项显示") {
			t.Errorf("en %v: Chinese in:\n%s", args, en.stdout)
		}
	}
	// --lang wins over the locale.
	if r := h.inLang("zh", "token-daemon", "--help", "--lang", "en"); !strings.Contains(r.stdout, "Usage:") {
		t.Errorf("--lang en under a zh locale:\n%s", r.stdout)
	}
}

// --version in both languages, from the build info (commit and date are
// "unknown" in a build without VCS stamps, as in a git worktree).
func TestVersionInBothLanguages(t *testing.T) {
	h := newHome(t)
	for lang, re := range map[string]*regexp.Regexp{
		"en": regexp.MustCompile(`^routecodex \S+ \(commit \S+, built \S+\)\n$`),
		"zh": regexp.MustCompile(`^routecodex \S+（提交 \S+，构建于 \S+）\n$`),
	} {
		for _, args := range [][]string{{"--version"}, {"-v"}, {"--lang", lang, "--version"}} {
			if r := h.inLang(lang, args...); r.code != 0 || !re.MatchString(r.stdout) {
				t.Errorf("%s %v: exit %d, %q", lang, args, r.code, r.stdout)
			}
		}
	}
	// Completions carry the descriptions in the user's language.
	r := h.inLang("zh", "__complete", "token-daemon", "l")
	if !strings.Contains(r.stdout, "list\t列出认证目录中的 Token 文件") || !strings.Contains(r.stdout, "login\t") {
		t.Errorf("__complete token-daemon l:\n%s", r.stdout)
	}
}

// Point 4: usage errors are one sentence in the user's language, cobra's
// and pflag's English included.
func TestUsageErrorsInBothLanguages(t *testing.T) {
	h := newHome(t)
	tests := []struct {
		args   []string
		en, zh string
	}{
		{[]string{"token-daemon", "list", "--nope"}, "unknown flag: --nope", "未知选项：--nope"},
		{[]string{"token-daemon", "list", "-x"}, "unknown flag: -x", "未知选项：-x"},
		{[]string{"token-daemon", "list", "--within"}, "flag --within needs a value", "选项 --within 需要一个值"},
		{[]string{"token-daemon", "status", "extra"}, "wrong arguments; usage: routecodex token-daemon status [--json]", "参数不正确；用法：routecodex token-daemon status [--json]"},
		{[]string{"token-daemon", "alias", "set", "x"}, "wrong arguments; usage: routecodex token-daemon alias set <name> <alias>", "参数不正确；用法：routecodex token-daemon alias set <name> <alias>"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`, `未知命令 "frobnicate"`},
		{[]string{"token-daemon", "frob"}, `unknown command "frob"`, `未知命令 "frob"`},
	}
	for _, tt := range tests {
		for lang, want := range map[string]string{"en": tt.en, "zh": tt.zh} {
			r := h.inLang(lang, tt.args...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("%s %v: exit %d, stdout %q", lang, tt.args, r.code, r.stdout)
			}
			oneLine(t, lang+" "+strings.Join(tt.args, " "), r.stderr, want)
			if lang == "zh" && strings.ContainsAny(r.stderr, "abcdfghjkmoqvwxyz") && strings.Contains(r.stderr, " for ") {
				t.Errorf("zh %v: English in %q", tt.args, r.stderr)
			}
		}
	}
	if r := h.run(); r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
		t.Errorf("routecodex alone: exit %d\n%s", r.code, r.stdout)
	}
}

// Point 4: reasons travel as codes and the client words them: a Chinese
// CLI shows Chinese reasons even when the daemon runs in English, and
// --json carries the stable code beside the English reason.
func TestReasonsInTheClientsLanguage(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil) // the daemon's language: en
	h.writeToken("array.json", `[1, 2]`)
	h.writeToken("mystery.json", `{"access_token":"AT-M-SECRETVALUE","refresh_token":"RT-M-SECRETVALUE","expires_at":4102444800000}`)
	check := func(where string) {
		t.Helper()
		r := h.run("token-daemon", "list", "--lang", "zh")
		if !strings.Contains(r.stdout, "🚫 无效 (不是 JSON 对象)") || strings.Contains(r.stdout, "not a JSON object") {
			t.Errorf("%s: zh list:\n%s", where, r.stdout)
		}
		r = h.run("token-daemon", "refresh", "mystery", "--lang", "zh")
		if r.code != 1 || !strings.Contains(r.stdout, "❌ mystery.json：无法刷新：未知的提供商") || strings.Contains(r.stdout, "unknown provider") {
			t.Errorf("%s: zh refresh: exit %d\n%s", where, r.code, r.stdout)
		}
		r = h.run("token-daemon", "refresh", "array", "--lang", "zh")
		if !strings.Contains(r.stdout, "❌ array.json：无法刷新：文件无效（不是 JSON 对象）") {
			t.Errorf("%s: zh refresh of an invalid file:\n%s", where, r.stdout)
		}
		r = h.run("token-daemon", "refresh", "mystery", "--lang", "en")
		if !strings.Contains(r.stdout, "❌ mystery.json: not refreshable: unknown provider") {
			t.Errorf("%s: en refresh:\n%s", where, r.stdout)
		}
		var l struct {
			Tokens []struct{ File, Reason, ReasonCode string } `json:"tokens"`
		}
		if err := json.Unmarshal([]byte(h.mustRun("token-daemon", "list", "--json").stdout), &l); err != nil {
			t.Fatal(err)
		}
		for _, tk := range l.Tokens {
			if tk.File == "array.json" && (tk.Reason != "not a JSON object" || tk.ReasonCode != "not_json_object") {
				t.Errorf("%s: array.json reason %q code %q", where, tk.Reason, tk.ReasonCode)
			}
		}
	}
	check("without a daemon")
	h.mustRun("token-daemon", "start")
	check("through the daemon")
}

package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fakeGoogle plays Google's authorization, token and userinfo endpoints
// for gemini-cli: the authorization endpoint signs the user in at once and
// sends the browser back to the redirect_uri.
func fakeGoogle(t *testing.T, email string) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gemini-cli/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE required", http.StatusBadRequest)
			return
		}
		back := q.Get("redirect_uri") + "?code=LOGIN-CODE&state=" + url.QueryEscape(q.Get("state"))
		http.Redirect(w, r, back, http.StatusFound)
	})
	mux.HandleFunc("POST /gemini-cli/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("code") != "LOGIN-CODE" || r.PostForm.Get("code_verifier") == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"LOGIN-AT-SECRETVALUE","refresh_token":"LOGIN-RT-SECRETVALUE","expires_in":3599,"token_type":"Bearer"}`))
	})
	mux.HandleFunc("GET /gemini-cli/userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer LOGIN-AT-SECRETVALUE" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"email": email})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// `login <alias>` through the running daemon: it prints the page, the
// "browser" (an HTTP client with cookies) logs in at the local identity
// provider, the daemon writes the new tokens into the same file (keeping
// project_id and unknown keys), and login reports the account.
func TestLoginThroughDaemon(t *testing.T) { testLogin(t, true) }

// Without a daemon, `login` serves the same pages from its own process.
func TestLoginWithoutDaemon(t *testing.T) { testLogin(t, false) }

func testLogin(t *testing.T, withDaemon bool) {
	idp := fakeGoogle(t, "dev@gmail.com")
	h := newHome(t)
	h.writeConfig(idp.URL, map[string]any{"callbackPorts": []int{freePort(t)}})
	name := "gemini-oauth-1-dev.json"
	h.writeToken(name, `{
  "access_token": "OLD-AT-SECRETVALUE",
  "expires_at": 1577836800000,
  "email": "dev@gmail.com",
  "project_id": "keep-this-project",
  "zz_custom": 42
}
`)
	if withDaemon {
		h.mustRun("token-daemon", "start")
		if st := h.status(); !strings.HasPrefix(st.Daemon.WebURL, "http://127.0.0.1:") {
			t.Fatalf("status --json has no webURL: %+v", st.Daemon)
		}
	}

	cmd := execBinary(h, "token-daemon", "login", "dev", "--no-browser")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pageURL := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "http://127.0.0.1:") {
			pageURL = line
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if pageURL == "" {
		t.Fatal("login printed no page URL")
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	page := get(t, browser, pageURL)
	if !strings.Contains(page, `id="login"`) || !strings.Contains(page, name) {
		t.Fatalf("auth page lacks the login button or the file name:\n%s", page)
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("auth page has no CSRF token")
	}
	u, _ := url.Parse(pageURL)
	start := u.Scheme + "://" + u.Host + "/auth/" + name + "/start"
	resp, err := browser.PostForm(start, url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `id="success"`) || !strings.Contains(string(body), "dev@gmail.com") {
		t.Fatalf("after login: %d %s\n%s", resp.StatusCode, resp.Request.URL, body)
	}

	if err := cmd.Wait(); err != nil {
		t.Fatalf("login: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), name) || !strings.Contains(stdout.String(), "dev@gmail.com") {
		t.Errorf("login output: %q", stdout.String())
	}
	tok := h.readToken(name)
	if tok["access_token"] != "LOGIN-AT-SECRETVALUE" || tok["refresh_token"] != "LOGIN-RT-SECRETVALUE" ||
		tok["project_id"] != "keep-this-project" || tok["zz_custom"] != float64(42) {
		t.Errorf("file after login: access %v, project %v, custom %v", tok["access_token"], tok["project_id"], tok["zz_custom"])
	}
	st, _ := os.Stat(filepath.Join(h.auth, name))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	if withDaemon {
		eventually(t, 3*time.Second, "the daemon to see the new token", func() bool {
			s, _, _, _ := h.status().token(name)
			return s == "valid"
		})
	}
	noSecrets(t, "the daemon log", h.logText(), "LOGIN-AT-SECRETVALUE", "LOGIN-RT-SECRETVALUE", "OLD-AT-SECRETVALUE")
	noSecrets(t, "the page", string(body), "LOGIN-AT-SECRETVALUE", "LOGIN-RT-SECRETVALUE")
	if withDaemon {
		h.mustRun("token-daemon", "stop")
	}
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", resp.Request.URL, resp.StatusCode, b)
	}
	return string(b)
}

// freePort finds a loopback port nobody uses now, so that parallel test
// runs do not fight over 38421.
func freePort(t *testing.T) int {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	var port int
	for _, c := range u.Port() {
		port = port*10 + int(c-'0')
	}
	return port
}

// A login that fails is worded by the client in its own language, not in
// the daemon's (issue 10 point 4): the daemon runs in English, the user's
// terminal is Chinese, the user declines at the provider.
func TestLoginFailureInTheClientsLanguage(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gemini-cli/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back := q.Get("redirect_uri") + "?error=access_denied&state=" + url.QueryEscape(q.Get("state"))
		http.Redirect(w, r, back, http.StatusFound)
	})
	idp := httptest.NewServer(mux)
	t.Cleanup(idp.Close)
	h := newHome(t)
	h.writeConfig(idp.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "language": "en"})
	name := "gemini-oauth-1-dev.json"
	h.writeToken(name, `{"access_token": "OLD-AT-SECRETVALUE", "expires_at": 1577836800000, "email": "dev@gmail.com"}`+"\n")
	before, _ := os.ReadFile(filepath.Join(h.dir, "auth", name))
	h.mustRun("token-daemon", "start")

	cmd := execBinary(h, "--lang", "zh", "token-daemon", "login", "dev", "--no-browser")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
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
	go func() { // the rest, read after the scanner's buffer; errText is read after done
		for sc.Scan() {
			errText.WriteString(sc.Text() + "\n")
		}
		close(done)
	}()
	if pageURL == "" {
		t.Fatalf("login printed no page URL:\n%s", errText.String())
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	page := get(t, browser, pageURL)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("auth page has no CSRF token")
	}
	u, _ := url.Parse(pageURL)
	resp, err := browser.PostForm(u.Scheme+"://"+u.Host+"/auth/"+name+"/start", url.Values{"csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	werr := cmd.Wait()
	<-done
	got := errText.String()
	if werr == nil || !strings.Contains(got, "登录未完成：你在提供方页面拒绝了授权，文件未被修改。") || strings.Contains(got, "access denied") {
		t.Errorf("login (exit %v) did not say in Chinese that it was declined:\n%s", werr, got)
	}
	if after, _ := os.ReadFile(filepath.Join(h.dir, "auth", name)); string(after) != string(before) {
		t.Errorf("a declined login changed the file")
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// googleTokenServer plays gemini-cli's token endpoint for refreshes: a
// request with the right client secret gets tokens; otherwise it answers
// what reject says (an OAuth error body and status).
type googleTokenServer struct {
	*httptest.Server
	mu           sync.Mutex
	secret       string
	rejectStatus int
	rejectBody   string
	requests     int
}

func newGoogleTokenServer(t *testing.T, secret string, status int, body string) *googleTokenServer {
	s := &googleTokenServer{secret: secret, rejectStatus: status, rejectBody: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests++
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/gemini-cli/token" || r.PostForm.Get("client_secret") != s.secret || s.rejectStatus != 0 && s.secret == "" {
			w.WriteHeader(s.rejectStatus)
			_, _ = w.Write([]byte(s.rejectBody))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"G-AT-2-SECRETVALUE","expires_in":3599,"token_type":"Bearer"}`))
	}))
	t.Cleanup(s.Close)
	return s
}

func geminiToken(expires time.Time) string {
	return fmt.Sprintf(`{
  "type": "gemini-cli",
  "access_token": "G-AT-1-SECRETVALUE",
  "refresh_token": "G-RT-1-SECRETVALUE",
  "expires_at": %d,
  "email": "dev@gmail.com",
  "project_id": "p-1"
}
`, expires.UnixMilli())
}

// setGeminiSecret rewrites the home's config.json with another client
// secret for gemini-cli, as a user editing it by hand would.
func (h *home) setGeminiSecret(serverURL, secret string, extra map[string]any) {
	h.t.Helper()
	h.writeConfig(serverURL, extra)
	path := filepath.Join(h.dir, "config.json")
	data, _ := os.ReadFile(path)
	data = []byte(strings.Replace(string(data), `"clientSecret": "e2e-client-secret"`, `"clientSecret": "`+secret+`"`, -1))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		h.t.Fatal(err)
	}
}

// invalid_client is a configuration problem, not a login: status says so
// and names the setting; the fix in config.json is picked up without a
// restart and the token is refreshed at once (issue 10, points 9 and 14).
func TestInvalidClientIsAConfigurationProblem(t *testing.T) {
	srv := newGoogleTokenServer(t, "the-right-secret", 401,
		`{"error":"invalid_client","error_description":"The OAuth client was not found."}`)
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off"})
	name := "gemini-cli-oauth-1-dev.json"
	h.writeToken(name, geminiToken(time.Now().Add(5*time.Minute)))
	h.mustRun("token-daemon", "start")

	var reason string
	eventually(t, 10*time.Second, "refresh_failed with a configuration reason", func() bool {
		st, r, _, _ := h.status().token(name)
		reason = r
		return st == "refresh_failed"
	})
	if !strings.HasPrefix(reason, "configuration error: gemini-cli: invalid_client: The OAuth client was not found. (HTTP 401); check the client id and secret") ||
		!strings.Contains(reason, "tokenDaemon.providers.gemini-cli.clientId and .clientSecret in config.json") ||
		!strings.Contains(reason, "ROUTECODEX_GEMINI_CLI_CLIENT_SECRET") {
		t.Errorf("reason %q", reason)
	}
	for lang, words := range map[string]string{"en": "(configuration error: invalid_client: The OAuth client", "zh": "(配置错误：invalid_client: The OAuth client"} {
		out := h.run("--lang", lang, "token-daemon", "status").stdout
		if !strings.Contains(out, words) {
			t.Errorf("status (%s) does not say it is the configuration:\n%s", lang, out)
		}
		if strings.Contains(out, "needs login") || strings.Contains(out, "失效") {
			t.Errorf("status (%s) calls it a login problem:\n%s", lang, out)
		}
	}

	// The user fixes the secret in config.json: no restart.
	h.setGeminiSecret(srv.URL, "the-right-secret", map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off"})
	eventually(t, 10*time.Second, "the fixed configuration to refresh the token", func() bool {
		st, _, _, _ := h.status().token(name)
		return st == "valid"
	})
	if tok := h.readToken(name); tok["access_token"] != "G-AT-2-SECRETVALUE" {
		t.Errorf("file not refreshed after the fix")
	}
	if !strings.Contains(h.logText(), "config.json reloaded") {
		t.Errorf("the reload is not in the log")
	}
	h.mustRun("token-daemon", "stop")
	noSecretsInHome(t, h, "G-AT-1-SECRETVALUE", "G-RT-1-SECRETVALUE", "G-AT-2-SECRETVALUE", "the-right-secret")
}

// Ory Hydra's refresh-token-reuse answer: the table and the refresh line
// lead with the code and the specific cause, and the failure line names
// the command that fixes it, in both languages (point 16).
func TestFailureReasonLeadsWithTheSpecificCause(t *testing.T) {
	srv := newGoogleTokenServer(t, "", 400, `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client. The refresh token was already used."}`)
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off", "autoRefresh": map[string]any{"enabled": false}})
	name := "gemini-cli-oauth-1-dev.json"
	h.writeToken(name, geminiToken(time.Now().Add(48*time.Hour)))
	h.mustRun("token-daemon", "start")

	r := h.run("token-daemon", "refresh", "dev")
	want := "❌ " + name + ": gemini-cli: invalid_grant: The refresh token was already used. — The provided authorization grant"
	if r.code == 0 || !strings.HasPrefix(r.stdout, want) ||
		!strings.Contains(r.stdout, "; log in again: routecodex token-daemon login gemini-cli-oauth-1-dev\n") {
		t.Errorf("refresh: exit %d\n%s\nwant a line starting %q and naming the login command", r.code, r.stdout, want)
	}
	for lang, words := range map[string][]string{
		"en": {"needs login (invalid_grant: The refresh token was already used.)"},
		"zh": {"失效 (invalid_grant: The refresh token was already used.)"},
	} {
		out := h.run("--lang", lang, "token-daemon", "status").stdout
		for _, w := range words {
			if !strings.Contains(out, w) {
				t.Errorf("status (%s) lacks %q:\n%s", lang, w, out)
			}
		}
	}
	zh := h.run("--lang", "zh", "token-daemon", "refresh", "dev").stdout
	if !strings.Contains(zh, "重新登录：routecodex token-daemon login gemini-cli-oauth-1-dev") {
		t.Errorf("zh refresh line: %q", zh)
	}
	h.mustRun("token-daemon", "stop")
}

// Editing config.json by hand takes effect without a restart; an invalid
// edit keeps the running configuration and says why in the log and in
// status, in both languages (point 14).
func TestConfigEditsApplyWithoutRestart(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	port := freePort(t)
	base := map[string]any{"callbackPorts": []int{port}, "tray": "off"}
	h.writeConfig(srv.URL, base)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, qwenFile("Q-AT-SECRETVALUE", "Q-RT-SECRETVALUE", time.Now().Add(48*time.Hour)))
	h.mustRun("token-daemon", "start")
	pid := h.pid()

	// An alias by hand.
	withAlias := map[string]any{"callbackPorts": []int{port}, "tray": "off", "aliases": map[string]string{name: "工作账号"}}
	h.writeConfig(srv.URL, withAlias)
	eventually(t, 10*time.Second, "the hand-edited alias", func() bool {
		r := h.run("token-daemon", "status", "--json")
		var st struct {
			Tokens []struct {
				File, Alias, DisplayName string
			} `json:"tokens"`
		}
		_ = json.Unmarshal([]byte(r.stdout), &st)
		return len(st.Tokens) == 1 && st.Tokens[0].Alias == "工作账号"
	})

	// The language by hand: the pages (and notices) switch without a restart.
	authPage := func() string {
		secret, err := os.ReadFile(filepath.Join(h.dir, "run", "web-secret"))
		if err != nil {
			t.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		return get(t, &http.Client{Jar: jar, Timeout: 5 * time.Second},
			h.status().Daemon.WebURL+"/auth/"+name+"?k="+url.QueryEscape(strings.TrimSpace(string(secret))))
	}
	if !strings.Contains(authPage(), "<h1>🌙 Routecodex Token Authentication</h1>") {
		t.Fatal("the auth page is not in English before the edit")
	}
	withAlias["language"] = "zh"
	h.writeConfig(srv.URL, withAlias)
	eventually(t, 10*time.Second, "the auth page in Chinese after editing language", func() bool {
		return strings.Contains(authPage(), "<h1>🌙 Routecodex Token 认证</h1>")
	})

	// A broken edit: the daemon keeps running with what it had, and says why.
	path := filepath.Join(h.dir, "config.json")
	if err := os.WriteFile(path, []byte(`{"tokenDaemon": {"refreshAheadMinutes": "soon"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var cfgErr string
	eventually(t, 10*time.Second, "status to show the config error", func() bool {
		r := h.run("token-daemon", "status", "--json")
		var st struct {
			Daemon struct {
				ConfigError string `json:"configError"`
			} `json:"daemon"`
		}
		_ = json.Unmarshal([]byte(r.stdout), &st)
		cfgErr = st.Daemon.ConfigError
		// os.WriteFile truncates first: the daemon may read the empty file
		// on the first event and say so, until the write's last event.
		return strings.Contains(cfgErr, "refreshAheadMinutes")
	})
	if !strings.Contains(cfgErr, "refreshAheadMinutes") || !strings.Contains(cfgErr, "config.json") {
		t.Errorf("configError %q does not name the file and the key", cfgErr)
	}
	en := h.run("--lang", "en", "token-daemon", "status").stdout
	zh := h.run("--lang", "zh", "token-daemon", "status").stdout
	if !strings.Contains(en, "The edited configuration was not applied; the daemon keeps running with the previous one: ") ||
		!strings.Contains(zh, "修改后的配置未生效，守护进程继续使用之前的配置：") {
		t.Errorf("status does not say the edit was not applied:\n%s\n%s", en, zh)
	}
	// Each client words the reason in its own language (issue 10 point 4).
	if !strings.Contains(zh, "tokenDaemon.refreshAheadMinutes：必须是 1 到 1440 之间的整数") || strings.Contains(zh, "whole number") ||
		!strings.Contains(en, "tokenDaemon.refreshAheadMinutes: must be a whole number from 1 to 1440") {
		t.Errorf("the reason is not worded in each client's language:\n%s\n%s", en, zh)
	}
	if !strings.Contains(en, "工作账号") {
		t.Errorf("the running configuration (alias) was lost:\n%s", en)
	}
	eventually(t, 10*time.Second, "the log to say why the edit was not applied", func() bool {
		return strings.Contains(h.logText(), "config.json edited but not applied; keeping the running configuration") &&
			strings.Contains(h.logText(), "refreshAheadMinutes")
	})
	// Fixed again: the error goes, the same process still runs.
	h.writeConfig(srv.URL, withAlias)
	eventually(t, 10*time.Second, "the config error to clear", func() bool {
		return !strings.Contains(h.run("token-daemon", "status").stdout, "not applied")
	})
	if h.pid() != pid {
		t.Errorf("the daemon restarted (pid %d → %d)", pid, h.pid())
	}
	h.mustRun("token-daemon", "stop")
}

// A missing client secret is our own sentence: status, list and refresh
// word it, and the setting to change, in the client's language, with no
// English phrase of ours inside a Chinese line (issue 10 point 4).
func TestMissingClientSecretInBothLanguages(t *testing.T) {
	h := newHome(t)
	// No client secret for iflow anywhere (the harness's config has one).
	cfg := `{"tokenDaemon": {"language": "en", "tray": "off", "callbackPorts": [` + strconv.Itoa(freePort(t)) + `],
	  "providers": {"iflow": {"tokenUrl": "http://127.0.0.1:1/iflow/token"}}}}`
	if err := os.WriteFile(filepath.Join(h.dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	h.writeToken("iflow.json", `{"access_token": "I-AT-SECRETVALUE", "refresh_token": "I-RT-SECRETVALUE", "expires_at": 1}`)
	clients := filepath.Join(h.auth, "oauth-clients.local.json")
	zhLine := "配置错误：缺少 client secret；请设置环境变量 ROUTECODEX_IFLOW_CLIENT_SECRET，或 config.json 中的 tokenDaemon.providers.iflow.clientSecret，或把 {\"iflow\":{\"clientSecret\":\"…\"}} 写入 " + clients
	enLine := "configuration error: no client secret; set env ROUTECODEX_IFLOW_CLIENT_SECRET, or tokenDaemon.providers.iflow.clientSecret in config.json, or {\"iflow\":{\"clientSecret\":\"…\"}} in " + clients
	// Without a daemon (refresh in this process), then through an English daemon.
	for _, withDaemon := range []bool{false, true} {
		if withDaemon {
			h.mustRun("token-daemon", "start")
			eventually(t, 10*time.Second, "the refresh to fail", func() bool {
				st, _, _, _ := h.status().token("iflow.json")
				return st == "refresh_failed"
			})
		}
		zh := h.run("--lang", "zh", "token-daemon", "refresh", "iflow")
		en := h.run("--lang", "en", "token-daemon", "refresh", "iflow")
		if !strings.Contains(zh.stderr+zh.stdout, zhLine) || strings.Contains(zh.stderr+zh.stdout, "no client secret") {
			t.Errorf("refresh in zh (daemon %v):\n%s%s", withDaemon, zh.stdout, zh.stderr)
		}
		if !strings.Contains(en.stderr+en.stdout, enLine) {
			t.Errorf("refresh in en (daemon %v):\n%s%s", withDaemon, en.stdout, en.stderr)
		}
		// The broker's answer too: its sentence and the cause in it.
		if r := h.run("--lang", "zh", "token-daemon", "token", "iflow"); r.code == 0 || !strings.Contains(r.stderr, "没有可用的令牌：已过期，且刷新失败："+zhLine) {
			t.Errorf("token in zh (daemon %v): exit %d\n%s", withDaemon, r.code, r.stderr)
		}
		if r := h.run("--lang", "en", "token-daemon", "token", "iflow"); r.code == 0 || !strings.Contains(r.stderr, "expired, and the refresh failed: "+enLine) {
			t.Errorf("token in en (daemon %v): exit %d\n%s", withDaemon, r.code, r.stderr)
		}
	}
	for _, cmd := range []string{"status", "list"} {
		zh := h.run("--lang", "zh", "token-daemon", cmd).stdout
		if !strings.Contains(zh, "(配置错误：缺少 client secret；") || strings.Contains(zh, "configuration error") {
			t.Errorf("%s in zh:\n%s", cmd, zh)
		}
		if en := h.run("--lang", "en", "token-daemon", cmd).stdout; !strings.Contains(en, "(configuration error: no client secret; set env") {
			t.Errorf("%s in en:\n%s", cmd, en)
		}
	}
}

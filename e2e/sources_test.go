package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/routecodex/token-daemon/internal/fakeprov"
)

// Other tools' token files (tokenDaemon.sources, DESIGN.md section 15),
// in the fake user's HOME, kept by the real daemon against local servers.

const sourceFixtures = "../internal/sources/testdata"

// writeUserFile writes content at rel under the fake user's HOME.
func (h *home) dumpLogOnFailure() {
	h.t.Cleanup(func() {
		if h.t.Failed() {
			h.t.Logf("daemon log:\n%s", h.logText())
		}
	})
}

func (h *home) writeUserFile(rel, content string) string {
	h.t.Helper()
	p := filepath.Join(h.user, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// listToken is one entry of `list --json`.
type listToken struct {
	File, Path, Provider, Status, ReasonCode, Source, Login, DisplayName string
	Watch                                                                bool
}

func (h *home) listed() map[string]listToken {
	h.t.Helper()
	r := h.run("token-daemon", "list", "--json")
	var l struct {
		Tokens []listToken `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		h.t.Fatalf("list --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	out := map[string]listToken{}
	for _, t := range l.Tokens {
		out[t.File] = t
	}
	return out
}

// onlyLinesChanged fails unless after differs from before only in lines
// naming one of keys: every other line, byte for byte, in the same order.
func onlyLinesChanged(t *testing.T, what string, before, after []byte, keys ...string) {
	t.Helper()
	b, a := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(b) != len(a) {
		t.Errorf("%s: %d lines became %d:\n%s", what, len(b), len(a), after)
		return
	}
	for i := range b {
		if b[i] == a[i] {
			continue
		}
		key := strings.Trim(strings.TrimSpace(strings.SplitN(a[i], ":", 2)[0]), `"`)
		found := false
		for _, k := range keys {
			found = found || k == key
		}
		if !found {
			t.Errorf("%s: line %d changed outside %v:\n-%s\n+%s", what, i+1, keys, b[i], a[i])
		}
	}
}

// Codex's own ~/.codex/auth.json, expired, is refreshed by the daemon: the
// rotated tokens in their nested places, last_refresh moved, every other
// byte (auth_mode, OPENAI_API_KEY null, unknown keys) as it was.
func TestSourcesCodexCLIRefreshed(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	fp.AddChain("CODEXCLI-RT-0-SECRETVALUE", codexWork)
	h := newHome(t)
	h.dumpLogOnFailure()
	h.writeFakeConfig(fp, map[string]any{"sources": []any{map[string]any{"format": "codex-cli"}}})
	past := time.Now().Add(-time.Hour)
	access := fakeprov.JWT(map[string]any{"exp": past.Unix(), "https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-1234"}})
	path := h.writeUserFile(".codex/auth.json", fmt.Sprintf(`{
  "auth_mode": "chatgpt",
  "OPENAI_API_KEY": null,
  "tokens": {
    "id_token": %q,
    "access_token": %q,
    "refresh_token": "CODEXCLI-RT-0-SECRETVALUE",
    "account_id": "acct-1234"
  },
  "last_refresh": "2026-11-20T10:00:00.000000Z",
  "agent_identity": {"keep": [1, 2]}
}
`, fakeprov.CodexIDToken(codexWork, past), access))
	before := mustRead(t, path)

	if tok := h.listed()["codex-cli/auth.json"]; tok.Provider != "codex" || tok.Status != "expired" || tok.Source != "codex-cli" || tok.DisplayName != "coder@example.com" {
		t.Fatalf("list before start: %+v", tok)
	}
	h.mustRun("token-daemon", "start")
	eventually(t, 20*time.Second, "auth.json refreshed", func() bool {
		st, _, last, _ := h.status().token("codex-cli/auth.json")
		return st == "valid" && last != nil
	})
	after := mustRead(t, path)
	onlyLinesChanged(t, "auth.json", before, after, "id_token", "access_token", "refresh_token", "last_refresh")
	var doc struct {
		Tokens struct {
			RefreshToken string `json:"refresh_token"`
			AccountID    string `json:"account_id"`
		} `json:"tokens"`
		LastRefresh string `json:"last_refresh"`
	}
	if err := json.Unmarshal(after, &doc); err != nil {
		t.Fatal(err)
	}
	if !fp.Live(doc.Tokens.RefreshToken) || doc.Tokens.AccountID != "acct-1234" {
		t.Errorf("auth.json does not hold the live rotated refresh token of the account")
	}
	if lr, err := time.Parse(time.RFC3339, doc.LastRefresh); err != nil || time.Since(lr) > time.Minute {
		t.Errorf("last_refresh %q not moved to the refresh", doc.LastRefresh)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
	// The broker serves it by its source name, with the daemon and without.
	var live struct {
		Tokens struct {
			AccessToken string `json:"access_token"`
		} `json:"tokens"`
	}
	_ = json.Unmarshal(after, &live)
	if r := h.mustRun("token-daemon", "token", "codex-cli/auth.json"); strings.TrimSpace(r.stdout) != live.Tokens.AccessToken {
		t.Errorf("token with the daemon: not the file's access token")
	}
	h.mustRun("token-daemon", "stop")
	if r := h.mustRun("token-daemon", "token", "codex-cli/auth.json"); strings.TrimSpace(r.stdout) != live.Tokens.AccessToken {
		t.Errorf("token without the daemon: not the file's access token")
	}
	noSecretsInHome(t, h, append(fp.Issued(), "CODEXCLI-RT-0-SECRETVALUE")...)
}

// Claude Code's .credentials.json is watched by default: an expired token
// is shown and alerted (with Claude Code's own login), never refreshed;
// Claude Code's own "logged out" write (blank tokens) is needs_reauth and
// is never repaired.
func TestSourcesClaudeCodeWatched(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	fp.AddChain("CLAUDECODE-RT-0-SECRETVALUE", fakeprov.Identity{Email: "claude@example.com", AccountID: "acc-uuid-1"})
	sink := newHookSink(t, http.StatusOK)
	h := newHome(t)
	h.dumpLogOnFailure()
	h.writeFakeConfig(fp, map[string]any{"tray": "off",
		"sources":      []any{map[string]any{"format": "claude-code"}},
		"notification": map[string]any{"webhooks": []any{map[string]any{"url": sink.srv.URL + "/hook", "format": "json"}}}})
	content := fmt.Sprintf(`{
  "claudeAiOauth": {
    "accessToken": "sk-ant-oat01-CLAUDECODE-AT-0-SECRETVALUE",
    "refreshToken": "CLAUDECODE-RT-0-SECRETVALUE",
    "expiresAt": %d,
    "scopes": ["user:inference", "user:profile"],
    "subscriptionType": "max"
  },
  "mcpOAuth": {"keep": "me"}
}
`, time.Now().Add(-time.Minute).UnixMilli())
	path := h.writeUserFile(".claude/.credentials.json", content)
	name := "claude-code/.credentials.json"

	r := h.mustRun("token-daemon", "sources")
	if !strings.Contains(r.stdout, "claude-code") || !strings.Contains(r.stdout, "yes (claude-code)") ||
		!strings.Contains(r.stdout, "watch *") || !strings.Contains(r.stdout, "refreshes its rotating token from memory") {
		t.Errorf("sources:\n%s", r.stdout)
	}
	h.mustRun("token-daemon", "start")
	eventually(t, 20*time.Second, "the expired webhook", func() bool { return len(sink.got()) >= 1 })
	ev := sink.got()[0]
	if ev["event"] != "expired" || ev["file"] != name || ev["fix"] != "claude /login" || ev["status"] != "expired" {
		t.Errorf("webhook event %v", ev)
	}
	if tok := h.listed()[name]; tok.Status != "expired" || !tok.Watch || tok.Provider != "claude" || tok.Login != "claude /login" {
		t.Errorf("listed %+v", tok)
	}
	if r := h.run("token-daemon", "refresh", name); r.code == 0 {
		t.Errorf("refresh of a watched file succeeded: %s", r.stdout)
	}
	if got := string(mustRead(t, path)); got != content {
		t.Errorf("the watched file was written:\n%s", got)
	}
	if n := len(fp.Requests()); n != 0 {
		t.Errorf("%d token requests for a watched file", n)
	}
	st := h.run("token-daemon", "status")
	if !strings.Contains(st.stdout, "watch only") {
		t.Errorf("status does not say the file is only watched:\n%s", st.stdout)
	}

	// Claude Code got invalid_grant and blanked its tokens.
	blank := `{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0,"scopes":[]},"mcpOAuth":{"keep":"me"}}`
	h.writeUserFile(".claude/.credentials.json", blank)
	eventually(t, 20*time.Second, "needs_reauth", func() bool {
		tok := h.listed()[name]
		return tok.Status == "needs_reauth" && tok.ReasonCode == "logged_out"
	})
	eventually(t, 20*time.Second, "the needs_reauth webhook", func() bool { return len(sink.got()) >= 2 })
	if ev := sink.got()[1]; ev["event"] != "needs_reauth" || ev["fix"] != "claude /login" {
		t.Errorf("second webhook %v", ev)
	}
	st = h.run("token-daemon", "status")
	if !strings.Contains(st.stdout, "run: claude /login") {
		t.Errorf("status lacks Claude Code's login:\n%s", st.stdout)
	}
	h.mustRun("token-daemon", "stop")
	if got := string(mustRead(t, path)); got != blank {
		t.Errorf("the logged-out file was repaired:\n%s", got)
	}
	noSecretsInHome(t, h, "CLAUDECODE-RT-0-SECRETVALUE", "sk-ant-oat01-CLAUDECODE-AT-0-SECRETVALUE")
}

// Qwen Code's lock: held by another process, it delays the daemon's write
// of ~/.qwen/oauth_creds.json until it is released; a lock older than 10 s
// (a holder that died; its mtime says so) is taken over. Qwen Code's own
// deletion of its file (after a 400/401) shows missing with its login.
func TestSourcesQwenCodeLock(t *testing.T) {
	srv := newQwenServer(t, "QWENCODE-RT-0-SECRETVALUE")
	h := newHome(t)
	h.dumpLogOnFailure()
	h.writeConfig(srv.URL, map[string]any{"sources": []any{map[string]any{"format": "qwen-code"}}})
	creds := func(at, rt string, exp time.Time) string {
		return fmt.Sprintf(`{
  "access_token": %q,
  "refresh_token": %q,
  "token_type": "Bearer",
  "resource_url": "portal.qwen.ai",
  "expiry_date": %d
}
`, at, rt, exp.UnixMilli())
	}
	path := h.writeUserFile(".qwen/oauth_creds.json", creds("QWENCODE-AT-0-SECRETVALUE", "QWENCODE-RT-0-SECRETVALUE", time.Now().Add(2*time.Minute)))
	lock := filepath.Join(h.user, ".qwen", "oauth_creds.lock")
	name := "qwen-code/oauth_creds.json"
	// Another process holds the lock, and keeps it fresh while it does.
	if err := os.WriteFile(lock, []byte("qwen-code-holder"), 0o600); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	holding := true
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			mu.Lock()
			h := holding
			mu.Unlock()
			if !h {
				return
			}
			now := time.Now()
			_ = os.Chtimes(lock, now, now)
			time.Sleep(200 * time.Millisecond)
		}
	}()
	release := func() {
		mu.Lock()
		holding = false
		mu.Unlock()
		<-done
		_ = os.Remove(lock)
	}

	h.mustRun("token-daemon", "start")
	// The answer is in (kept in its .pending file until written); the lock
	// is held: nothing is written, for as long as it is held.
	pending := filepath.Join(h.user, ".qwen", ".oauth_creds.json.pending")
	eventually(t, 20*time.Second, "the token answer", func() bool {
		_, err := os.Stat(pending)
		return len(srv.issuedTokens()) >= 2 && err == nil
	})
	var doc map[string]any
	readDoc := func() map[string]any {
		var m map[string]any
		_ = json.Unmarshal(mustRead(t, path), &m)
		return m
	}
	for range 5 {
		if doc = readDoc(); doc["refresh_token"] != "QWENCODE-RT-0-SECRETVALUE" {
			release()
			t.Fatalf("written while Qwen Code held its lock")
		}
		time.Sleep(200 * time.Millisecond) // a negative check: the write must not come
	}
	release()
	eventually(t, 20*time.Second, "the write after the release", func() bool {
		return readDoc()["refresh_token"] == "QWEN-RT-1-SECRETVALUE"
	})
	doc = readDoc()
	if doc["access_token"] != "QWEN-AT-1-SECRETVALUE" || doc["resource_url"] != "portal.qwen.ai" || doc["token_type"] != "Bearer" {
		t.Errorf("merged file: %v", keysOf(doc))
	}
	eventually(t, 10*time.Second, "the daemon's release of Qwen Code's lock", func() bool {
		_, err := os.Stat(lock)
		return err != nil
	})

	// A stale lock (its holder died 11 s ago): taken over, and the file
	// refreshed (an external change, expiring, starts a refresh at once).
	if err := os.WriteFile(lock, []byte("dead-holder"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-11 * time.Second)
	if err := os.Chtimes(lock, old, old); err != nil {
		t.Fatal(err)
	}
	h.writeUserFile(".qwen/oauth_creds.json", creds("QWEN-AT-1-SECRETVALUE", "QWEN-RT-1-SECRETVALUE", time.Now().Add(2*time.Minute)))
	eventually(t, 20*time.Second, "the write through a stale lock", func() bool {
		return readDoc()["refresh_token"] == "QWEN-RT-2-SECRETVALUE"
	})
	eventually(t, 10*time.Second, "the stale lock gone", func() bool {
		_, err := os.Stat(lock)
		return err != nil
	})

	// Qwen Code deletes its file after a 400/401: missing, with its login.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "missing", func() bool { return h.listed()[name].Status == "missing" })
	if tok := h.listed()[name]; tok.Login != "qwen" {
		t.Errorf("missing file without Qwen Code's login: %+v", tok)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("the deleted file was brought back")
	}
	h.mustRun("token-daemon", "stop")
	noSecretsInHome(t, h, append(srv.issuedTokens(), "QWENCODE-RT-0-SECRETVALUE")...)
}

// googleServer answers Google's refresh: a new access token, no new
// refresh token.
func googleServer(t *testing.T) *httptest.Server {
	var mu sync.Mutex
	n := 0
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		mu.Lock()
		n++
		at := fmt.Sprintf("ya29.GOOGLE-AT-%d-SECRETVALUE", n)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": at, "expires_in": 3599, "token_type": "Bearer", "scope": "x"})
	}))
	t.Cleanup(s.Close)
	return s
}

// A CLIProxyAPI auth dir with all four shapes (codex, claude, gemini with
// a nested token, antigravity), every one expired: each is refreshed in
// its own fields, CLIProxyAPI's metadata keys untouched.
func TestSourcesCLIProxyAPIDir(t *testing.T) {
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	fp.AddChain("rt-cpa-codex", codexWork)
	fp.AddChain("sk-ant-ort01-cpa", fakeprov.Identity{Email: "claude@example.com", AccountID: "acc-uuid-1", OrgID: "org-uuid-1"})
	g := googleServer(t)
	h := newHome(t)
	h.dumpLogOnFailure()
	providers := map[string]any{}
	for k, v := range fp.Settings() {
		providers[k] = v
	}
	for _, p := range []string{"gemini-cli", "antigravity"} {
		providers[p] = map[string]any{"tokenUrl": g.URL + "/" + p + "/token", "clientSecret": "e2e-client-secret",
			"authUrl": g.URL + "/" + p + "/auth", "userInfoUrl": g.URL + "/" + p + "/userinfo"}
	}
	dir := filepath.Join(h.user, "cpa")
	h.writeConfig(g.URL, map[string]any{"providers": providers, "callbackPorts": []int{freePort(t)},
		"sources": []any{map[string]any{"format": "cliproxyapi", "path": dir}}})
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	entries, err := os.ReadDir(filepath.Join(sourceFixtures, "cliproxyapi"))
	if err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, e := range entries {
		data := strings.ReplaceAll(string(mustRead(t, filepath.Join(sourceFixtures, "cliproxyapi", e.Name()))), "2100-01-01T00:00:00Z", past)
		h.writeUserFile(filepath.Join("cpa", e.Name()), data)
		before[e.Name()] = []byte(data)
	}
	if len(before) != 4 {
		t.Fatalf("%d fixtures", len(before))
	}
	listed := h.listed()
	for name, prov := range map[string]string{"codex-1a2b3c4d-coder@example.com-plus.json": "codex", "claude-claude@example.com.json": "claude",
		"gemini-gem@example.com-proj-gem.json": "gemini-cli", "antigravity-ag@example.com.json": "antigravity"} {
		if tok := listed["cliproxyapi/"+name]; tok.Provider != prov || tok.Status != "expired" || tok.Source != "cliproxyapi" {
			t.Errorf("%s listed %+v", name, tok)
		}
	}
	h.mustRun("token-daemon", "start")
	for name := range before {
		eventually(t, 30*time.Second, name+" refreshed", func() bool {
			st, _, last, _ := h.status().token("cliproxyapi/" + name)
			return st == "valid" && last != nil
		})
	}
	h.mustRun("token-daemon", "stop")
	keys := map[string][]string{
		"antigravity": {"access_token", "expires_in", "timestamp", "expired"},
		"claude":      {"access_token", "refresh_token", "last_refresh", "expired"},
		"codex":       {"access_token", "refresh_token", "id_token", "last_refresh", "expired"},
		"gemini":      {"access_token", "expiry"},
	}
	for name, b := range before {
		kind, _, _ := strings.Cut(name, "-")
		onlyLinesChanged(t, name, b, mustRead(t, filepath.Join(dir, name)), keys[kind]...)
	}
	var codex map[string]any
	_ = json.Unmarshal(mustRead(t, filepath.Join(dir, "codex-1a2b3c4d-coder@example.com-plus.json")), &codex)
	if !fp.Live(fmt.Sprint(codex["refresh_token"])) || codex["prefix"] != "team-a" || codex["priority"] != float64(2) {
		t.Errorf("codex file after refresh: %s", keysOf(codex))
	}
	noSecretsInHome(t, h, fp.Issued()...)
}

// `sources --json` lists what exists on this machine, configured or not.
func TestSourcesCommandJSON(t *testing.T) {
	h := newHome(t)
	h.dumpLogOnFailure()
	h.writeConfig("http://127.0.0.1:1", map[string]any{"sources": []any{map[string]any{"format": "gemini-cli"}}})
	h.writeUserFile(".gemini/oauth_creds.json", string(mustRead(t, filepath.Join(sourceFixtures, "gemini-cli-home/.gemini/oauth_creds.json"))))
	h.writeUserFile(".codex/auth.json", string(mustRead(t, filepath.Join(sourceFixtures, "codex-home/.codex/auth.json"))))
	r := h.mustRun("token-daemon", "sources", "--json")
	var out struct {
		Sources []struct {
			Format     string `json:"format"`
			Exists     bool   `json:"exists"`
			Configured bool   `json:"configured"`
			Mode       string `json:"mode"`
			WhyCode    string `json:"whyCode"`
		} `json:"sources"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range out.Sources {
		got[s.Format] = fmt.Sprintf("%v/%v/%s/%s", s.Exists, s.Configured, s.Mode, s.WhyCode)
	}
	want := map[string]string{
		"gemini-cli": "true/true/auto/", "codex-cli": "true/false/auto/", "claude-code": "false/false/watch/rotates_from_memory",
		"qwen-code": "false/false/auto/", "cliproxyapi": "false/false/auto/",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s, want %s", k, got[k], v)
		}
	}
	zh := h.mustRun("token-daemon", "sources", "--lang", "zh")
	if !strings.Contains(zh.stdout, "已配置") || !strings.Contains(zh.stdout, "是（gemini-cli）") {
		t.Errorf("sources in zh:\n%s", zh.stdout)
	}
	if tok := h.listed()["gemini-cli/oauth_creds.json"]; tok.Provider != "gemini-cli" || tok.DisplayName != "gem@example.com" {
		t.Errorf("gemini-cli file listed %+v", tok)
	}
}

// The web dashboard of the real daemon, in headless Chromium, shows the
// other tools' files by their source names: the watched Claude Code file
// as watched, with Claude Code's own login once it logged itself out, and
// its details page reached through the escaped name.
func TestSourcesInWebDashboard(t *testing.T) {
	ctx := headless(t)
	fp := fakeprov.New()
	t.Cleanup(fp.Close)
	h := newHome(t)
	h.dumpLogOnFailure()
	h.writeFakeConfig(fp, map[string]any{"tray": "off", "sources": []any{
		map[string]any{"format": "claude-code"}, map[string]any{"format": "gemini-cli"}}})
	h.writeUserFile(".claude/.credentials.json", `{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0},"mcpOAuth":{}}`)
	h.writeUserFile(".gemini/oauth_creds.json", string(mustRead(t, filepath.Join(sourceFixtures, "gemini-cli-home/.gemini/oauth_creds.json"))))
	h.mustRun("token-daemon", "start")
	if err := chromedp.Do(ctx, chromedp.Navigate(h.uiURL())); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, 15*time.Second, `document.querySelectorAll("#rows tr").length >= 2`); err != nil {
		t.Fatalf("dashboard did not load: %v", err)
	}
	got := rowStatuses(t, ctx)
	if got["claude-code/.credentials.json"] != "needs_reauth" || got["gemini-cli/oauth_creds.json"] != "valid" {
		t.Errorf("rows %v", got)
	}
	cell, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-file="claude-code/.credentials.json"] td.status`)))
	if !strings.Contains(cell, "watch only") || !strings.Contains(cell, "run: claude /login") {
		t.Errorf("claude status cell %q", cell)
	}
	reauth, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tr[data-file="claude-code/.credentials.json"] a.reauth').length`))
	if reauth != 0 {
		t.Errorf("a re-login of our own is offered for Claude Code's file")
	}
	screenshot(t, ctx, "ui-sources-en.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`tr[data-file="gemini-cli/oauth_creds.json"] a.display`))); err != nil {
		t.Fatal(err)
	}
	var err error
	for range 3 { // the first poll may run in the page being left
		if err = waitJS(ctx, 15*time.Second, `location.pathname === "/ui/token/gemini-cli%2Foauth_creds.json" && document.body.innerText.includes("gem@example.com")`); err == nil {
			break
		}
	}
	if err != nil {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("details page of a source file: %v (at %s)", err, loc)
	}
	screenshot(t, ctx, "ui-sources-details-en.png")
}

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
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

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/fakeprov"
)

// Defects found in review of export/import and other tools' files
// (issues 13 and 15).

// Two codex logins of one email in different workspaces are two accounts:
// importing one never writes over the other.
func TestImportKeepsOtherWorkspaceOfOneEmail(t *testing.T) {
	e, f := newHome(t), newHome(t)
	e.writeToken("codex-oauth-2-teamb.json", `{"type":"codex","access_token":"at-B","refresh_token":"rt-B","account_id":"acct-B","email":"coder@example.com","expired":"2100-01-01T00:00:00Z"}`)
	f.writeToken("codex-oauth-1-teama.json", `{"type":"codex","access_token":"at-A","refresh_token":"rt-A","account_id":"acct-A","email":"coder@example.com","expired":"2099-01-01T00:00:00Z"}`)
	keyFile, recip := keyPair(t)
	out := filepath.Join(t.TempDir(), "e.age")
	e.mustRun("token-daemon", "export", "--all", "--recipient", recip, "--out", out)
	r := f.mustRun("token-daemon", "import", out, "--identity", keyFile, "--lang", "en")
	if got := string(f.file("codex-oauth-1-teama.json")); !strings.Contains(got, "rt-A") {
		t.Errorf("workspace A's file was written over by workspace B's account:\n%s\n%s", got, r.stdout)
	}
	if got := string(f.file("codex-oauth-2-teamb.json")); !strings.Contains(got, "rt-B") {
		t.Errorf("workspace B's account did not arrive as its own file:\n%s\n%s", got, r.stdout)
	}
}

const codexCLIFile = `{
  "auth_mode": "chatgpt",
  "tokens": {
    "access_token": "CODEXCLI-AT-SECRETVALUE",
    "refresh_token": "CODEXCLI-RT-SECRETVALUE",
    "account_id": "acct-1234"
  },
  "last_refresh": "2026-11-20T10:00:00.000000Z"
}
`

// Once another tool's file is configured, export --all still exports the
// auth dir's files and says the other tool's file is not in the bundle;
// naming that file is a clear error in the user's language.
func TestExportAllWithSources(t *testing.T) {
	h := newHome(t)
	h.writeRawConfig(`{"tokenDaemon": {"sources": [{"format": "codex-cli"}]}}`)
	h.writeUserFile(".codex/auth.json", codexCLIFile)
	h.writeToken("qwen-oauth-1-a.json", qwenAccount("a@example.com", "RT-A-SECRETVALUE", time.Now().Add(48*time.Hour)))
	keyFile, recip := keyPair(t)
	_ = keyFile
	out := filepath.Join(t.TempDir(), "all.age")
	r := h.run("token-daemon", "export", "--all", "--recipient", recip, "--out", out, "--lang", "en")
	if r.code != 0 || !strings.Contains(r.stdout, "1 file(s) exported") {
		t.Fatalf("export --all with a source: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "codex-cli/auth.json") {
		t.Errorf("export --all does not say the other tool's file was left out:\n%s", r.stderr)
	}
	r = h.run("token-daemon", "export", "codex-cli/auth.json", "--recipient", recip, "--out", out, "--lang", "zh")
	if r.code == 0 || !strings.Contains(r.stderr, "codex-cli/auth.json") || !strings.Contains(r.stderr, "codex login") || strings.Contains(r.stderr, "not a token file") {
		t.Errorf("export of a source file: exit %d\n%s", r.code, r.stderr)
	}
}

// Two sources naming one file, or a source in the auth dir, would refresh
// one file twice at once with one refresh token: config.json is refused,
// naming the key, in the user's language.
func TestSourcesSameFileTwiceRefused(t *testing.T) {
	h := newHome(t)
	p := h.writeUserFile(".codex/auth.json", codexCLIFile)
	for _, c := range []struct{ cfg, key string }{
		{`{"tokenDaemon": {"sources": [{"format": "codex-cli"}, {"format": "codex-cli", "name": "again", "path": "` + p + `"}]}}`, "tokenDaemon.sources[1]"},
		{`{"tokenDaemon": {"sources": [{"format": "routecodex", "path": "` + h.auth + `"}]}}`, "tokenDaemon.sources[0]"},
	} {
		h.writeRawConfig(c.cfg)
		for _, lang := range []string{"en", "zh"} {
			r := h.run("token-daemon", "list", "--lang", lang)
			if r.code == 0 || !strings.Contains(r.stderr, c.key) {
				t.Errorf("%s (%s): exit %d\n%s%s", c.cfg, lang, r.code, r.stdout, r.stderr)
			}
			if lang == "zh" && !strings.Contains(r.stderr, "同一") {
				t.Errorf("zh error not worded in Chinese: %s", r.stderr)
			}
		}
	}
}

// A Codex-only user has no auth dir: its other tools' files are still
// listed and served.
func TestSourcesWithoutAuthDir(t *testing.T) {
	h := newHome(t)
	if err := os.RemoveAll(h.auth); err != nil {
		t.Fatal(err)
	}
	h.writeRawConfig(`{"tokenDaemon": {"sources": [{"format": "codex-cli"}]}}`)
	access := fakeprov.JWT(map[string]any{"exp": time.Now().Add(10 * time.Hour).Unix(), "https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-1234"}})
	h.writeUserFile(".codex/auth.json", strings.Replace(codexCLIFile, "CODEXCLI-AT-SECRETVALUE", access, 1))
	if tok, ok := h.listed()["codex-cli/auth.json"]; !ok || tok.Source != "codex-cli" {
		t.Errorf("list without an auth dir: %+v %v", tok, ok)
	}
	r := h.run("token-daemon", "token", "codex-cli/auth.json")
	if r.code != 0 || strings.TrimSpace(r.stdout) != access {
		t.Errorf("token without an auth dir: exit %d\n%s", r.code, r.stderr)
	}
}

// login of another tool's file says, in the user's language, to log in
// with that tool; an unknown name is worded in it too.
func TestLoginOfSourceFile(t *testing.T) {
	h := newHome(t)
	h.writeRawConfig(`{"tokenDaemon": {"sources": [{"format": "codex-cli"}]}}`)
	h.writeUserFile(".codex/auth.json", codexCLIFile)
	r := h.run("token-daemon", "login", "codex-cli/auth.json", "--lang", "zh", "--no-browser")
	if r.code == 0 || !strings.Contains(r.stderr, "codex login") || !strings.Contains(r.stderr, "工具") || strings.Contains(r.stderr, "no such") {
		t.Errorf("login of a source file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = h.run("token-daemon", "login", "nosuch-oauth-1.json", "--lang", "zh", "--no-browser")
	if r.code == 0 || !strings.Contains(r.stderr, "nosuch-oauth-1.json") || strings.Contains(r.stderr, "no such") {
		t.Errorf("login of an unknown file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// import --on-conflict rename names the copy after its provider's
// configured filePrefix, and a file of no known provider after its own
// name; never "-oauth-1.json".
func TestImportRenameNames(t *testing.T) {
	acme := `{"tokenDaemon": {"providers": {"acme": {"flow": "authorization_code", "authUrl": "https://idp.example/auth", "tokenUrl": "https://idp.example/token", "clientId": "acme-cid", "filePrefix": "corp"}}}}`
	a, b := newHome(t), newHome(t)
	a.writeRawConfig(acme)
	b.writeRawConfig(acme)
	a.writeToken("corp-work.json", `{"type":"acme","access_token":"AT-A","refresh_token":"RT-ACME-A","email":"a@example.com","expired":"2100-01-01T00:00:00Z"}`)
	b.writeToken("corp-work.json", `{"type":"acme","access_token":"AT-B","refresh_token":"RT-ACME-B","email":"b@example.com","expired":"2100-01-01T00:00:00Z"}`)
	a.writeToken("mytoken.json", `{"type":"mystery","access_token":"AT-M-A","refresh_token":"RT-M-A","email":"a@example.com"}`)
	b.writeToken("mytoken.json", `{"type":"mystery","access_token":"AT-M-B","refresh_token":"RT-M-B","email":"b@example.com"}`)
	keyFile, recip := keyPair(t)
	out := filepath.Join(t.TempDir(), "a.age")
	a.mustRun("token-daemon", "export", "corp-work.json", "mytoken.json", "--recipient", recip, "--out", out)
	r := b.mustRun("token-daemon", "import", out, "--identity", keyFile, "--on-conflict", "rename", "--lang", "en")
	names := map[string]bool{}
	entries, _ := os.ReadDir(b.auth)
	for _, e := range entries {
		names[e.Name()] = true
	}
	if !names["corp-oauth-1.json"] || !names["mytoken-2.json"] || names["-oauth-1.json"] || names["acme-oauth-1.json"] {
		t.Errorf("renamed copies: %v\n%s", names, r.stdout)
	}
}

// The sources hint names config.json as a file, without a trailing slash.
func TestSourcesHintNamesConfigFile(t *testing.T) {
	h := newHome(t)
	h.writeUserFile(".codex/auth.json", codexCLIFile)
	r := h.mustRun("token-daemon", "sources", "--lang", "en")
	if !strings.Contains(r.stdout, "config.json") || strings.Contains(r.stdout, "config.json/") {
		t.Errorf("sources hint:\n%s", r.stdout)
	}
}

// An import whose config.json merge fails after the files were written
// still writes their audit lines.
func TestImportAuditWhenMergeFails(t *testing.T) {
	a, b := newHome(t), newHome(t)
	a.writeRawConfig(`{"tokenDaemon": {"aliases": {"qwen-oauth-1-a.json": "work"}}}`)
	a.writeToken("qwen-oauth-1-a.json", qwenAccount("a@example.com", "RT-AUDIT-SECRETVALUE", time.Now().Add(48*time.Hour)))
	keyFile, recip := keyPair(t)
	out := filepath.Join(t.TempDir(), "a.age")
	a.mustRun("token-daemon", "export", "--all", "--recipient", recip, "--out", out)
	marker := filepath.Join(t.TempDir(), "hold")
	b.extraEnv = []string{"ROUTECODEX_TEST_HOLD_AFTER_IMPORT_WRITE=" + marker}
	cmd := execBinary(b, "token-daemon", "import", out, "--identity", keyFile, "--lang", "en")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "import holds after writing", func() bool {
		_, err := os.Stat(marker)
		return err == nil
	})
	b.writeRawConfig(`{"tokenDaemon": {"aliases": 7}}`)
	if err := os.Remove(marker); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("import succeeded with a broken config.json: %s", stderr.String())
	}
	audit, _ := os.ReadFile(filepath.Join(b.dir, "logs", "token-audit.jsonl"))
	if !strings.Contains(string(audit), `"qwen-oauth-1-a.json"`) || !strings.Contains(string(audit), `"import"`) {
		t.Errorf("no audit line of the written file (stderr %s):\n%s", stderr.String(), audit)
	}
}

// Export's and import's errors and help in Chinese hold no English
// sentence: a file too large, import without a key (it names --identity,
// not export's --recipient), export's --recipient in the help.
func TestTransferChineseWording(t *testing.T) {
	h := newHome(t)
	h.writeToken("qwen-oauth-1-big.json", `{"type":"qwen","access_token":"AT-BIG","refresh_token":"RT-BIG-SECRETVALUE","pad":"`+strings.Repeat("x", 1<<20)+`"}`)
	_, recip := keyPair(t)
	out := filepath.Join(t.TempDir(), "big.age")
	r := h.run("token-daemon", "export", "qwen-oauth-1-big.json", "--recipient", recip, "--out", out, "--lang", "zh")
	if r.code == 0 || strings.Contains(r.stderr, "larger than") || strings.Contains(r.stderr, "not a token file") || !strings.Contains(r.stderr, "1 MiB") {
		t.Errorf("export of a too large file in zh: exit %d\n%s", r.code, r.stderr)
	}
	if err := os.WriteFile(out, []byte("age-encryption.org/v1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = h.run("token-daemon", "import", out, "--lang", "zh")
	if r.code == 0 || !strings.Contains(r.stderr, "--identity") || strings.Contains(r.stderr, "--recipient") {
		t.Errorf("import without a key in zh: exit %d\n%s", r.code, r.stderr)
	}
	r = h.mustRun("token-daemon", "export", "--help", "--lang", "zh")
	if strings.Contains(r.stdout, "stringArray") {
		t.Errorf("zh help of export shows a Go type:\n%s", r.stdout)
	}
}

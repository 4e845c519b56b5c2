package e2e

import (
	"path/filepath"
	"strings"
	"testing"
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

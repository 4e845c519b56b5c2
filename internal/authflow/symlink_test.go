package authflow

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// A symlink created in the auth dir that leaves it gets no auth page (the
// daemon does not list it either): a login would otherwise write a file
// outside the auth dir.
func TestNoAuthPageForALinkLeavingTheAuthDir(t *testing.T) {
	e := newEnv(t, i18n.EN)
	outside := t.TempDir()
	victim := filepath.Join(outside, "victim.json")
	if err := os.WriteFile(victim, []byte(`{"type":"gemini-cli","access_token":"x","refresh_token":"y"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(e.dir, "gemini-oauth-9-out.json")); err != nil {
		t.Skip(err)
	}
	c := e.client()
	e.login(c)
	if r := e.do(c, "GET", "/auth/gemini-oauth-9-out.json", nil); r.status != http.StatusNotFound {
		t.Fatalf("GET /auth/ of an outside link: %d", r.status)
	}
	// A link to a token file of the dir is a page of its own (its login
	// writes the target).
	if err := os.Symlink("gemini-oauth-2-dev.json", filepath.Join(e.dir, "gemini-oauth-8-link.json")); err != nil {
		t.Fatal(err)
	}
	if r := e.do(c, "GET", "/auth/gemini-oauth-8-link.json", nil); r.status != http.StatusOK {
		t.Fatalf("GET /auth/ of an in-dir link: %d", r.status)
	}
}

//go:build linux

package e2e

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// usageOf is a file's usage in `status --json`.
func usageOf(t *testing.T, h *home, file string) (opens, accesses int) {
	t.Helper()
	r := h.run("token-daemon", "status", "--json")
	var st struct {
		Tokens []struct {
			File  string `json:"file"`
			Usage struct {
				Last24h  int `json:"last24h"`
				Opens24h int `json:"opens24h"`
			} `json:"usage"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, r.stdout)
	}
	for _, tk := range st.Tokens {
		if tk.File == file {
			return tk.Usage.Opens24h, tk.Usage.Last24h
		}
	}
	t.Fatalf("%s is not in the status", file)
	return 0, 0
}

// Issue 12: another process opening a token file raises its usage count
// (inotify IN_OPEN); the daemon's own reads (a refresh, a reread after a
// change) do not.
func TestOpensByOtherProgramsCountAsUse(t *testing.T) {
	srv := newQwenServer(t, "QWEN-RT-0-SECRETVALUE")
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"autoRefresh": map[string]any{"enabled": false}})
	const file = "qwen-oauth-1-used.json"
	h.writeToken(file, qwenFile("QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE", time.Now().Add(5*time.Hour)))
	h.writeToken("qwen-oauth-2-other.json", qwenFile("QWEN-AT-X-SECRETVALUE", "QWEN-RT-X-SECRETVALUE", time.Now().Add(5*time.Hour)))
	h.mustRun("token-daemon", "start")
	path := filepath.Join(h.auth, file)

	if opens, _ := usageOf(t, h, file); opens != 0 {
		t.Fatalf("opens after start (the daemon's own scan): %d, want 0", opens)
	}
	openBy := func() {
		t.Helper()
		if out, err := exec.Command("cat", path).CombinedOutput(); err != nil {
			t.Fatalf("cat: %v: %s", err, out)
		}
	}
	openBy()
	eventually(t, 10*time.Second, "the open by cat to be counted", func() bool {
		opens, _ := usageOf(t, h, file)
		return opens >= 1
	})

	// The daemon's own reads and writes of the file: a refresh (read,
	// locked merge, write, and the reread its change causes).
	r := h.mustRun("token-daemon", "refresh", file)
	t.Logf("refresh: %s", r.stdout)
	// (Not read back here: this test's own read would be another
	// program's open.)
	if n := len(srv.issuedTokens()); n != 2 {
		t.Fatalf("the token server issued %d tokens, want one access and one refresh token", n)
	}
	// A second open by another program is the barrier: events come in
	// order, so once it is counted, every own open before it was seen.
	openBy()
	eventually(t, 10*time.Second, "the second open by cat to be counted", func() bool {
		opens, _ := usageOf(t, h, file)
		return opens >= 2
	})
	if opens, _ := usageOf(t, h, file); opens != 2 {
		t.Errorf("opens = %d after two opens by cat and the daemon's own refresh, want 2", opens)
	}
	if opens, _ := usageOf(t, h, "qwen-oauth-2-other.json"); opens != 0 {
		t.Errorf("the other file, never opened by another program, has %d opens", opens)
	}
	noSecrets(t, "daemon log", h.logText(), "QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE", "QWEN-RT-1-SECRETVALUE")
}

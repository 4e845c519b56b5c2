package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The everyday basics of issue 10 point 17: --version from the build info,
// and cobra's completion scripts for the four shells.
func TestVersionAndCompletion(t *testing.T) {
	h := newHome(t)
	r := h.mustRun("--version")
	if !regexp.MustCompile(`^routecodex \S+ \(commit \S+, built \S+\)\n$`).MatchString(r.stdout) {
		t.Errorf("--version printed %q", r.stdout)
	}
	for shell, want := range map[string]string{
		"bash":       "bash completion V2 for routecodex",
		"zsh":        "#compdef routecodex",
		"fish":       "fish completion for routecodex",
		"powershell": "powershell completion for routecodex",
	} {
		r := h.mustRun("completion", shell)
		if !strings.Contains(r.stdout, want) || r.stderr != "" {
			t.Errorf("completion %s: stdout starts %.80q, stderr %q", shell, r.stdout, r.stderr)
		}
	}
	if r := h.run("completion", "tcsh"); r.code == 0 {
		t.Errorf("completion tcsh: exit 0")
	}
}

// Issue 10 point 1: the plan's auth dir, without type fields, lists every
// file with its provider (a bare "<provider>.json" is that provider).
func TestPlanFileNamesHaveProviders(t *testing.T) {
	h := newHome(t)
	body := `{"access_token":"at-plan","refresh_token":"rt-plan","expires_at":4102444800000}`
	want := map[string]string{
		"iflow.json":          "iflow",
		"qwen.json":           "qwen",
		"iflow-personal.json": "iflow",
		"gemini-oauth.json":   "gemini-cli",
	}
	for name := range want {
		h.writeToken(name, body)
	}
	var out struct {
		Tokens []struct {
			File, Provider string
			Refreshable    bool
		}
	}
	r := h.mustRun("token-daemon", "list", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	if len(out.Tokens) != len(want) {
		t.Fatalf("listed %d files, want %d: %s", len(out.Tokens), len(want), r.stdout)
	}
	for _, tok := range out.Tokens {
		if tok.Provider != want[tok.File] || !tok.Refreshable {
			t.Errorf("%s: provider %q refreshable %v, want %q and refreshable", tok.File, tok.Provider, tok.Refreshable, want[tok.File])
		}
	}
}

// Issue 10 point 6: a config file the user named that is not there is an
// error naming it, never a silent run on the defaults.
func TestNamedConfigMustExist(t *testing.T) {
	h := newHome(t)
	missing := filepath.Join(h.dir, "no-such-config.json")
	for _, tc := range []struct {
		name string
		args []string
		env  []string
	}{
		{"flag", []string{"--config", missing, "token-daemon", "list"}, nil},
		{"env", []string{"token-daemon", "list"}, []string{"ROUTECODEX_CONFIG=" + missing}},
	} {
		h.extraEnv = tc.env
		r := h.run(tc.args...)
		if r.code == 0 || !strings.Contains(r.stderr, missing) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q: want one line naming %s", tc.name, r.code, r.stderr, missing)
		}
	}
	h.extraEnv = nil
	if r := h.run("token-daemon", "list"); r.code != 0 {
		t.Errorf("default config.json absent: exit %d, stderr %q", r.code, r.stderr)
	}
}

// Issue 10 point 18: alias set/rm, into config.json by the order-preserving
// merge, with and without a running daemon; the token file is untouched.
func TestAliasSetAndRemove(t *testing.T) {
	h := newHome(t)
	h.writeConfig("http://127.0.0.1:1", map[string]any{"tray": "off"})
	token := `{"access_token":"at-alias","refresh_token":"rt-alias","email":"me@example.com","expires_at":4102444800000}`
	h.writeToken("qwen-oauth-1.json", token)
	configPath := filepath.Join(h.dir, "config.json")
	before, _ := os.ReadFile(configPath)

	aliasOf := func() string {
		var out struct {
			Tokens []struct{ File, Alias string }
		}
		if err := json.Unmarshal([]byte(h.mustRun("token-daemon", "list", "--json").stdout), &out); err != nil || len(out.Tokens) != 1 {
			t.Fatalf("list --json: %v %+v", err, out)
		}
		return out.Tokens[0].Alias
	}

	// Without a daemon, by email.
	r := h.mustRun("token-daemon", "alias", "set", "me@example.com", "工作账号")
	if !strings.Contains(r.stdout, "qwen-oauth-1.json") || !strings.Contains(r.stdout, "工作账号") {
		t.Errorf("alias set printed %q", r.stdout)
	}
	if got := aliasOf(); got != "工作账号" {
		t.Errorf("alias after set: %q", got)
	}
	after, _ := os.ReadFile(configPath)
	if !strings.HasPrefix(string(after), string(before[:strings.Index(string(before), `"tokenDaemon"`)])) || !strings.Contains(string(after), `"otherRouteCodexKey"`) {
		t.Errorf("config.json lost what came before:\n%s", after)
	}
	if data, _ := os.ReadFile(filepath.Join(h.auth, "qwen-oauth-1.json")); string(data) != token {
		t.Errorf("the token file changed: %s", data)
	}

	// Through a running daemon, by the new alias: status shows it at once.
	h.mustRun("token-daemon", "start")
	h.mustRun("token-daemon", "alias", "set", "工作账号", "work")
	eventually(t, 10*time.Second, "the daemon to show the new alias", func() bool {
		return daemonAlias(t, h, "qwen-oauth-1.json") == "work"
	})
	h.mustRun("token-daemon", "alias", "rm", "work")
	eventually(t, 10*time.Second, "the daemon to drop the alias", func() bool {
		return daemonAlias(t, h, "qwen-oauth-1.json") == ""
	})
	h.mustRun("token-daemon", "stop")
	if got := aliasOf(); got != "" {
		t.Errorf("alias after rm: %q", got)
	}
	if r := h.run("token-daemon", "alias", "set", "nobody", "x"); r.code != 3 || !strings.Contains(r.stderr, "nobody") {
		t.Errorf("unknown name: exit %d, stderr %q", r.code, r.stderr)
	}
	// A bad alias is refused in the user's language, naming the alias as given.
	long := strings.Repeat("长", 70)
	if r := h.run("--lang", "zh", "token-daemon", "alias", "set", "qwen-oauth-1.json", long); r.code == 0 ||
		!strings.Contains(r.stderr, `别名 "`+long+`" 不能使用：超过 64 个字符`) || strings.Contains(r.stderr, "bad alias") {
		t.Errorf("too long an alias in zh: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := h.run("--lang", "en", "token-daemon", "alias", "set", "qwen-oauth-1.json", "a\tb"); r.code == 0 ||
		!strings.Contains(r.stderr, `alias "a\tb" cannot be used: it holds a control character`) {
		t.Errorf("control character in en: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := h.run("--lang", "zh", "token-daemon", "alias", "--help"); !strings.Contains(r.stdout, "设置或删除") {
		t.Errorf("zh help: %q", r.stdout)
	}
}

// daemonAlias is the alias the running daemon shows for file.
func daemonAlias(t *testing.T, h *home, file string) string {
	t.Helper()
	var st struct {
		Tokens []struct{ File, Alias string }
	}
	if err := json.Unmarshal([]byte(h.mustRun("token-daemon", "status", "--json").stdout), &st); err != nil {
		t.Fatal(err)
	}
	for _, tok := range st.Tokens {
		if tok.File == file {
			return tok.Alias
		}
	}
	return "?"
}

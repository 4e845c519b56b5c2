package cli_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// End-to-end tests: build the real binary and run it as a user would, with
// a temporary home and a copy of testdata/fixtures/auth.

const fixtures = "../../testdata/fixtures"

func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "routecodex")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/routecodex/token-daemon/cmd/routecodex")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// copyDir copies the regular files of src into a new temp dir.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

type result struct {
	code           int
	stdout, stderr string
}

// runBinary runs bin with a clean environment: a temp HOME, the given
// ROUTECODEX_HOME and auth dir, and the C locale.
func runBinary(t *testing.T, bin, home, auth string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"ROUTECODEX_HOME=" + home,
		"ROUTECODEX_AUTH_DIR=" + auth,
		"LANG=C",
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// checkOneSentence fails unless stderr is one line with want in it and
// nothing of a Go panic or a usage dump.
func checkOneSentence(t *testing.T, stderr, want string) {
	t.Helper()
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q does not contain %q", stderr, want)
	}
	if strings.Count(strings.TrimSuffix(stderr, "\n"), "\n") != 0 {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	for _, bad := range []string{"goroutine ", "panic", "Usage:", "Flags:"} {
		if strings.Contains(stderr, bad) {
			t.Errorf("stderr contains %q: %q", bad, stderr)
		}
	}
}

func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)

	t.Run("list --json matches expected-list.json", func(t *testing.T) {
		home, auth := t.TempDir(), copyDir(t, filepath.Join(fixtures, "auth"))
		r := runBinary(t, bin, home, auth, "token-daemon", "list", "--json", "--lang", "en")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		var got struct {
			Tokens []map[string]any `json:"tokens"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
		}
		data, err := os.ReadFile(filepath.Join(fixtures, "expected-list.json"))
		if err != nil {
			t.Fatal(err)
		}
		var expected map[string]json.RawMessage
		if err := json.Unmarshal(data, &expected); err != nil {
			t.Fatal(err)
		}
		delete(expected, "_about")

		byFile := map[string]map[string]any{}
		for _, tok := range got.Tokens {
			name, _ := tok["file"].(string)
			byFile[name] = tok
			if _, ok := expected[name]; !ok {
				t.Errorf("%s is listed but not named in expected-list.json", name)
			}
			for _, k := range []string{"file", "path", "provider", "alias", "displayName", "email", "status", "reason", "expiresAt", "remainingSeconds", "refreshable"} {
				if _, ok := tok[k]; !ok {
					t.Errorf("%s: entry lacks %q", name, k)
				}
			}
			if p, _ := tok["path"].(string); p != filepath.Join(auth, name) {
				t.Errorf("%s: path %q, want %q", name, p, filepath.Join(auth, name))
			}
			if (tok["expiresAt"] == nil) != (tok["remainingSeconds"] == nil) {
				t.Errorf("%s: expiresAt %v but remainingSeconds %v", name, tok["expiresAt"], tok["remainingSeconds"])
			}
		}
		names := make([]string, 0, len(expected))
		for n := range expected {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			tok, ok := byFile[name]
			if !ok {
				t.Errorf("%s is not listed", name)
				continue
			}
			var want map[string]any
			if err := json.Unmarshal(expected[name], &want); err != nil {
				t.Fatal(err)
			}
			for k, v := range want {
				if gv, ok := tok[k]; !ok || gv != v {
					t.Errorf("%s: %s = %#v, want %#v", name, k, tok[k], v)
				}
			}
		}
		if strings.Contains(r.stdout, "refresh_token") {
			t.Errorf("output mentions token fields")
		}
	})

	t.Run("status without a daemon exits 3 and shows the table", func(t *testing.T) {
		home, auth := t.TempDir(), copyDir(t, filepath.Join(fixtures, "auth"))
		r := runBinary(t, bin, home, auth, "token-daemon", "status", "--lang", "en")
		if r.code != 3 || r.stderr != "" {
			t.Fatalf("exit %d, stderr %q; want 3 and nothing", r.code, r.stderr)
		}
		for _, want := range []string{"🌙 Token Refresh Daemon not running", "📁 Watched dir: " + auth, "File ", "iflow-oauth-2-personal.json", "个人账号 (my@gmail.com)", "✅ valid"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		r = runBinary(t, bin, home, auth, "token-daemon", "status", "--json")
		var st struct {
			Daemon struct {
				Running bool   `json:"running"`
				AuthDir string `json:"authDir"`
			} `json:"daemon"`
			Tokens []map[string]any `json:"tokens"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || r.code != 3 {
			t.Fatalf("exit %d, %v\n%s", r.code, err, r.stdout)
		}
		if st.Daemon.Running || st.Daemon.AuthDir != auth || len(st.Tokens) != 12 {
			t.Errorf("unexpected status: %+v", st)
		}
	})

	t.Run("bad config exits 1 naming file and key", func(t *testing.T) {
		home, auth := t.TempDir(), copyDir(t, filepath.Join(fixtures, "auth"))
		cfg := filepath.Join(home, "config.json")
		if err := os.WriteFile(cfg, []byte(`{"port": 1, "tokenDaemon": {"refreshAheadMinutes": "soon"}}`), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"token-daemon", "list"}, {"token-daemon", "status"}} {
			r := runBinary(t, bin, home, auth, args...)
			if r.code != 1 || r.stdout != "" {
				t.Errorf("%v: exit %d, stdout %q; want 1 and nothing", args, r.code, r.stdout)
			}
			checkOneSentence(t, r.stderr, cfg+": tokenDaemon.refreshAheadMinutes: must be a whole number from 1 to 1440")
		}
		if err := os.WriteFile(cfg, []byte("{\n  \"tokenDaemon\": {,\n}"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := runBinary(t, bin, home, auth, "token-daemon", "list")
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		checkOneSentence(t, r.stderr, cfg+": line 2")
	})

	t.Run("unknown provider exits 1", func(t *testing.T) {
		home, auth := t.TempDir(), copyDir(t, filepath.Join(fixtures, "auth"))
		r := runBinary(t, bin, home, auth, "token-daemon", "list", "--provider", "nope", "--lang", "en")
		if r.code != 1 || r.stdout != "" {
			t.Errorf("exit %d, stdout %q", r.code, r.stdout)
		}
		checkOneSentence(t, r.stderr, `unknown provider "nope"`)
	})

	t.Run("missing auth dir exits 1", func(t *testing.T) {
		home := t.TempDir()
		missing := filepath.Join(home, "no-such-dir")
		r := runBinary(t, bin, home, missing, "token-daemon", "list", "--lang", "en")
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		checkOneSentence(t, r.stderr, "auth dir "+missing+" (from env ROUTECODEX_AUTH_DIR) does not exist")
	})

	t.Run("usage errors are one sentence", func(t *testing.T) {
		home, auth := t.TempDir(), t.TempDir()
		r := runBinary(t, bin, home, auth, "token-daemon", "list", "--nope", "--lang", "en")
		if r.code != 1 {
			t.Errorf("exit %d, want 1", r.code)
		}
		checkOneSentence(t, r.stderr, "unknown flag: --nope")
	})
}

package sources

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// copyTree copies testdata/<name> into a temp dir and returns it.
func copyTree(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("testdata", name)
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o700)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// changedLines fails unless after differs from before only in lines that
// hold one of keys (same number of lines, every other line byte for byte).
func changedLines(t *testing.T, before, after []byte, keys ...string) {
	t.Helper()
	b, a := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(b) != len(a) {
		t.Fatalf("line count %d → %d:\n%s", len(b), len(a), after)
	}
	changed := map[string]bool{}
	for i := range b {
		if b[i] == a[i] {
			continue
		}
		key := strings.Trim(strings.TrimSpace(strings.SplitN(a[i], ":", 2)[0]), `"`)
		ok := false
		for _, k := range keys {
			if k == key {
				ok = true
			}
		}
		if !ok {
			t.Errorf("line %d changed outside %v:\n-%s\n+%s", i+1, keys, b[i], a[i])
		}
		changed[key] = true
	}
	for _, k := range keys {
		if !changed[k] {
			t.Errorf("key %s was not changed", k)
		}
	}
}

var fixedNow = time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)

func newSet(srcs ...Source) *Set {
	return New(srcs, tokenfile.Options{}, Options{Now: func() time.Time { return fixedNow }})
}

func TestFormatsReadAndWrite(t *testing.T) {
	exp := fixedNow.Add(8 * time.Hour)
	tests := []struct {
		name, tree, rel, format string
		mode                    Mode
		wantName, provider      string
		email, rt               string
		keys                    []string // lines a write changes
	}{
		{"codex", "codex-home", ".codex/auth.json", FormatCodexCLI, ModeAuto, "codex-cli/auth.json", ProviderCodex,
			"coder@example.com", "rt-codex-fixture", []string{"access_token", "refresh_token", "id_token", "last_refresh"}},
		{"claude", "claude-home", ".claude/.credentials.json", FormatClaudeCode, ModeWatch, "claude-code/.credentials.json", ProviderClaude,
			"", "sk-ant-ort01-fixture", []string{"accessToken", "refreshToken", "expiresAt"}},
		{"gemini", "gemini-cli-home", ".gemini/oauth_creds.json", FormatGeminiCLI, ModeAuto, "gemini-cli/oauth_creds.json", tokenfile.ProviderGeminiCLI,
			"gem@example.com", "1//fixture", []string{"access_token", "refresh_token", "expiry_date", "token_type", "id_token"}},
		{"qwen", "qwen-code-home", ".qwen/oauth_creds.json", FormatQwenCode, ModeAuto, "qwen-code/oauth_creds.json", tokenfile.ProviderQwen,
			"", "qwen-code-rt", []string{"access_token", "refresh_token", "token_type", "expiry_date", "resource_url"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := copyTree(t, tt.tree)
			path := filepath.Join(home, tt.rel)
			set := newSet(Source{Name: tt.format, Format: tt.format, Path: path, Mode: tt.mode})
			files := set.Scan()
			if len(files) != 1 {
				t.Fatalf("Scan: %d files", len(files))
			}
			f := files[0]
			if f.Name != tt.wantName || f.Path != path || f.Provider != tt.provider || f.Email != tt.email ||
				f.RefreshToken != tt.rt || f.Invalid != "" || f.Source != tt.format || f.Watch != (tt.mode == ModeWatch) {
				t.Fatalf("read %+v", f)
			}
			if f.ExpiresAt.Year() != 2100 {
				t.Errorf("expiry %v, want 2100", f.ExpiresAt)
			}
			if f.Login == "" {
				t.Errorf("no login command")
			}
			before, _ := os.ReadFile(path)
			u := tokenfile.Update{AccessToken: "new-at", RefreshToken: "new-rt", TokenType: "Bearer2", ExpiresIn: 28800, ExpiresAt: exp,
				Extra: map[string]any{"id_token": "h.e.s", "resource_url": "https://portal2.qwen.ai", "api_key": "not-for-them"}}
			old := tt.rt
			res, ok, err := set.Write(path, u, &old)
			if !ok || err != nil {
				t.Fatalf("Write: %v %v", ok, err)
			}
			after, _ := os.ReadFile(path)
			if string(after) != string(res.Data) {
				t.Fatal("result is not what is on disk")
			}
			changedLines(t, before, after, tt.keys...)
			if strings.Contains(string(after), "not-for-them") {
				t.Error("an extra the tool does not keep was written")
			}
			got, _ := set.Load(tt.wantName)
			if got.AccessToken != "new-at" || got.RefreshToken != "new-rt" || got.Hash != res.Hash {
				t.Errorf("re-read %+v", got)
			}
			if tt.format != FormatCodexCLI && !got.ExpiresAt.Equal(exp) { // codex: the JWT's exp
				t.Errorf("expiry %v, want %v", got.ExpiresAt, exp)
			}
			// A second write with the old refresh token is a conflict.
			if _, _, err := set.Write(path, u, &old); err == nil {
				t.Error("stale write not refused")
			}
		})
	}
}

func TestCLIProxyAPIDirAllShapes(t *testing.T) {
	dir := copyTree(t, "cliproxyapi")
	set := newSet(Source{Name: "cliproxyapi", Format: FormatCLIProxyAPI, Path: dir, Mode: ModeAuto})
	files := set.Scan()
	want := map[string]struct{ provider, email, rt string }{
		"cliproxyapi/antigravity-ag@example.com.json":            {tokenfile.ProviderAntigravity, "ag@example.com", "1//cpa-ag"},
		"cliproxyapi/claude-claude@example.com.json":             {ProviderClaude, "claude@example.com", "sk-ant-ort01-cpa"},
		"cliproxyapi/codex-1a2b3c4d-coder@example.com-plus.json": {ProviderCodex, "coder@example.com", "rt-cpa-codex"},
		"cliproxyapi/gemini-gem@example.com-proj-gem.json":       {tokenfile.ProviderGeminiCLI, "gem@example.com", "1//cpa-gem"},
	}
	if len(files) != len(want) {
		t.Fatalf("%d files", len(files))
	}
	exp := fixedNow.Add(time.Hour)
	keys := map[string][]string{
		"antigravity": {"access_token", "refresh_token", "expires_in", "timestamp", "expired"},
		"claude":      {"access_token", "refresh_token", "last_refresh", "expired"},
		"codex":       {"access_token", "refresh_token", "id_token", "last_refresh", "expired"},
		"gemini":      {"access_token", "refresh_token", "expiry"},
	}
	for _, f := range files {
		w, ok := want[f.Name]
		if !ok || f.Provider != w.provider || f.Email != w.email || f.RefreshToken != w.rt || f.Invalid != "" || f.ExpiresAt.Year() != 2100 || f.Login == "" {
			t.Errorf("%s: %+v", f.Name, f)
			continue
		}
		before, _ := os.ReadFile(f.Path)
		rt := f.RefreshToken
		kind, _, _ := strings.Cut(strings.TrimPrefix(f.Name, "cliproxyapi/"), "-")
		u := tokenfile.Update{AccessToken: "new-at", RefreshToken: "new-rt", ExpiresIn: 3600, ExpiresAt: exp}
		if kind == "codex" {
			u.Extra = map[string]any{"id_token": "a.b.c"}
		}
		if _, ok, err := set.Write(f.Path, u, &rt); !ok || err != nil {
			t.Fatalf("%s: write %v %v", f.Name, ok, err)
		}
		after, _ := os.ReadFile(f.Path)
		changedLines(t, before, after, keys[kind]...)
		got, _ := set.Load(f.Name)
		if got.AccessToken != "new-at" || got.RefreshToken != "new-rt" || !got.ExpiresAt.Equal(exp) {
			t.Errorf("%s: re-read %+v", f.Name, got)
		}
	}
}

func TestClaudeLoggedOutIsNeedsReauth(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, ".credentials.json")
	blank := `{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0,"scopes":[]},"mcpOAuth":{}}`
	if err := os.WriteFile(path, []byte(blank), 0o600); err != nil {
		t.Fatal(err)
	}
	set := newSet(Source{Name: "claude-code", Format: FormatClaudeCode, Path: path, Mode: ModeWatch})
	f, _ := set.Load("claude-code/.credentials.json")
	st, reason := f.StatusAt(fixedNow, 30*time.Minute)
	if st != tokenfile.StatusNeedsReauth || tokenfile.ReasonCode(reason) != tokenfile.ReasonLoggedOut || f.Refreshable() {
		t.Fatalf("status %s %q refreshable %v", st, reason, f.Refreshable())
	}
	// Never "repaired": a write with the old refresh token is refused.
	old := "sk-ant-ort01-fixture"
	if _, _, err := set.Write(path, tokenfile.Update{AccessToken: "x", RefreshToken: "y"}, &old); err == nil {
		t.Fatal("a logged-out file was written")
	}
	if b, _ := os.ReadFile(path); string(b) != blank {
		t.Fatal("file changed")
	}
}

func TestQwenLockWaitsAndStale(t *testing.T) {
	home := copyTree(t, "qwen-code-home")
	path := filepath.Join(home, ".qwen", "oauth_creds.json")
	lockPath := filepath.Join(home, ".qwen", "oauth_creds.lock")
	now := fixedNow
	var slept time.Duration
	release := 0 // polls after which the holder releases; <0: never
	polls := 0
	set := New([]Source{{Name: "qwen-code", Format: FormatQwenCode, Path: path, Mode: ModeAuto}}, tokenfile.Options{}, Options{
		Now: func() time.Time { return now },
		Sleep: func(d time.Duration) {
			slept += d
			now = now.Add(d)
			polls++
			if release >= 0 && polls == release {
				_ = os.Remove(lockPath)
			}
		},
	})
	hold := func() {
		if err := os.WriteFile(lockPath, []byte("other"), 0o600); err != nil {
			t.Fatal(err)
		}
		_ = os.Chtimes(lockPath, now, now)
	}
	rt := "qwen-code-rt"
	write := func(next string) {
		t.Helper()
		u := tokenfile.Update{AccessToken: "at-" + next, RefreshToken: next, ExpiresAt: fixedNow.Add(time.Hour)}
		if _, _, err := set.Write(path, u, &rt); err != nil {
			t.Fatal(err)
		}
		rt = next
		if _, err := os.Stat(lockPath); err == nil {
			t.Fatal("our lock was left behind")
		}
	}

	// Held by another process: the write waits until it is released.
	hold()
	release = 5
	write("rt2")
	if polls != 5 {
		t.Errorf("polls %d, want 5", polls)
	}

	// Held and never released: taken over once older than 10 s.
	hold()
	polls, slept, release = 0, 0, -1
	write("rt3")
	if slept <= lockStale || slept > lockStale+2*lockPoll {
		t.Errorf("waited %v, want just over %v", slept, lockStale)
	}
}

func TestDiscover(t *testing.T) {
	home := t.TempDir()
	for _, tree := range []string{"codex-home", "claude-home"} {
		src := copyTree(t, tree)
		entries, _ := os.ReadDir(src)
		for _, e := range entries {
			if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(home, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	env := Env{Home: home}
	configured := []Source{{Name: "codex-cli", Format: FormatCodexCLI, Path: filepath.Join(home, ".codex", "auth.json"), Mode: ModeAuto}}
	found := Discover(configured, env)
	by := map[string]Found{}
	for _, f := range found {
		by[f.Format] = f
	}
	if f := by[FormatCodexCLI]; !f.Exists || !f.Configured || f.Mode != ModeAuto || f.Files != 1 {
		t.Errorf("codex: %+v", f)
	}
	if f := by[FormatClaudeCode]; !f.Exists || f.Configured || f.Mode != ModeWatch || f.WhyCode != WhyRotatesFromMemory {
		t.Errorf("claude: %+v", f)
	}
	if f := by[FormatQwenCode]; f.Exists || f.Configured {
		t.Errorf("qwen: %+v", f)
	}
}

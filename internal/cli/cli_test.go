package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

// fixedNow is the injected clock of these tests.
var fixedNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

type testEnv struct {
	home, auth  string
	out, errOut *bytes.Buffer
}

// newTestFactory returns a Factory over a temp home whose auth dir holds
// files (name → content) and whose config.json is cfg ("" for none).
func newTestFactory(t *testing.T, files map[string]string, cfg string) (*Factory, *testEnv) {
	t.Helper()
	home := t.TempDir()
	auth := filepath.Join(home, "auth")
	if err := os.Mkdir(auth, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(auth, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if cfg != "" {
		if err := os.WriteFile(filepath.Join(home, "config.json"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	te := &testEnv{home: home, auth: auth, out: &bytes.Buffer{}, errOut: &bytes.Buffer{}}
	vars := map[string]string{"ROUTECODEX_HOME": home, "LANG": "C"}
	f := &Factory{
		IO:       IOStreams{In: strings.NewReader(""), Out: te.out, ErrOut: te.errOut},
		Env:      config.Env{Getenv: func(k string) string { return vars[k] }, UserHome: t.TempDir()},
		Now:      func() time.Time { return fixedNow },
		Location: time.UTC,
		Version:  "test",
	}
	return f, te
}

func run(t *testing.T, f *Factory, args ...string) error {
	t.Helper()
	cmd := NewRootCmd(f)
	cmd.SetArgs(args)
	return cmd.ExecuteContext(context.Background())
}

func ms(t time.Time) string { return strings.TrimSpace(jsonNum(t.UnixMilli())) }

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

// filterFiles are generated token files around fixedNow (refreshAhead 30m).
func filterFiles() map[string]string {
	tok := func(typ string, exp time.Time, refresh bool) string {
		s := `{"type":"` + typ + `","access_token":"at-secret","expires_at":` + ms(exp)
		if refresh {
			s += `,"refresh_token":"rt-secret"`
		}
		return s + `}`
	}
	return map[string]string{
		"qwen-oauth-1-far.json":     tok("qwen", fixedNow.Add(240*time.Hour), true),      // valid
		"iflow-oauth-1-soon.json":   tok("iflow", fixedNow.Add(90*time.Minute), true),    // valid, inside 2h
		"qwen-oauth-2-exp.json":     tok("qwen", fixedNow.Add(10*time.Minute), true),     // expiring
		"gemini-oauth-1-old.json":   tok("gemini-cli", fixedNow.Add(-time.Hour), true),   // expired
		"qwen-oauth-3-noref.json":   tok("qwen", fixedNow.Add(-time.Hour), false),        // needs_reauth
		"iflow-oauth-2-static.json": tok("iflow", fixedNow.Add(-time.Hour), true),        // static
		"iflow-oauth-3-key.json":    `{"type":"iflow","api_key":"sk-secret"}`,            // valid, no expiry
		"broken.json":               `{"access_token":`,                                  // invalid
		"corp-sso-1.json":           tok("corp-sso", fixedNow.Add(20*time.Minute), true), // expiring, generic
	}
}

const filterConfig = `{"tokenDaemon": {"providers": {"corp-sso": {"flow": "device_code",
  "deviceCodeUrl": "https://sso.example/device", "tokenUrl": "https://sso.example/token", "clientId": "c"}}}}`

func listedFiles(t *testing.T, out []byte) []string {
	t.Helper()
	var l ipc.List
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatalf("list --json output is not JSON: %v\n%s", err, out)
	}
	names := []string{}
	for _, tk := range l.Tokens {
		names = append(names, tk.File)
	}
	return names
}

func TestListFilters(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"all", nil, []string{"broken.json", "corp-sso-1.json", "gemini-oauth-1-old.json", "iflow-oauth-1-soon.json", "iflow-oauth-2-static.json", "iflow-oauth-3-key.json", "qwen-oauth-1-far.json", "qwen-oauth-2-exp.json", "qwen-oauth-3-noref.json"}},
		{"expiring within refreshAhead", []string{"--expiring"}, []string{"corp-sso-1.json", "gemini-oauth-1-old.json", "qwen-oauth-2-exp.json", "qwen-oauth-3-noref.json"}},
		{"expiring within 2h", []string{"--expiring", "--within", "2h"}, []string{"corp-sso-1.json", "gemini-oauth-1-old.json", "iflow-oauth-1-soon.json", "qwen-oauth-2-exp.json", "qwen-oauth-3-noref.json"}},
		{"expiring within 1000h never lists static, invalid or no-expiry", []string{"--expiring", "--within", "1000h"}, []string{"corp-sso-1.json", "gemini-oauth-1-old.json", "iflow-oauth-1-soon.json", "qwen-oauth-1-far.json", "qwen-oauth-2-exp.json", "qwen-oauth-3-noref.json"}},
		{"provider", []string{"--provider", "qwen"}, []string{"qwen-oauth-1-far.json", "qwen-oauth-2-exp.json", "qwen-oauth-3-noref.json"}},
		{"provider and expiring", []string{"--provider", "qwen", "--expiring"}, []string{"qwen-oauth-2-exp.json", "qwen-oauth-3-noref.json"}},
		{"configured provider", []string{"--provider", "corp-sso"}, []string{"corp-sso-1.json"}},
		{"known provider without files", []string{"--provider", "antigravity"}, []string{}},
		{"names", []string{"qwen-oauth-2-exp", "broken.json", "qwen-oauth-2-exp.json"}, []string{"qwen-oauth-2-exp.json", "broken.json"}},
		{"names narrowed by a filter", []string{"qwen-oauth-2-exp", "broken.json", "--provider", "qwen"}, []string{"qwen-oauth-2-exp.json"}},
		{"status", []string{"--status", "needs_reauth,invalid"}, []string{"broken.json", "qwen-oauth-3-noref.json"}},
		{"status twice", []string{"--status", "expired", "--status", "static"}, []string{"gemini-oauth-1-old.json", "iflow-oauth-2-static.json"}},
		{"status and provider", []string{"--status", "expiring", "--provider", "qwen"}, []string{"qwen-oauth-2-exp.json"}},
		{"health below 50: the critical ones", []string{"--health-below", "50"}, []string{"broken.json", "qwen-oauth-3-noref.json"}},
		{"health below 80", []string{"--health-below", "80"}, []string{"broken.json", "gemini-oauth-1-old.json", "qwen-oauth-3-noref.json"}},
		{"sort by health, lowest first", []string{"--sort", "health"}, []string{"broken.json", "qwen-oauth-3-noref.json", "gemini-oauth-1-old.json", "qwen-oauth-2-exp.json", "corp-sso-1.json", "iflow-oauth-1-soon.json", "iflow-oauth-2-static.json", "iflow-oauth-3-key.json", "qwen-oauth-1-far.json"}},
		{"all with a filter", []string{"--all", "--provider", "iflow"}, []string{"iflow-oauth-1-soon.json", "iflow-oauth-2-static.json", "iflow-oauth-3-key.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, te := newTestFactory(t, filterFiles(), filterConfig)
			args := append([]string{"token-daemon", "list", "--json"}, tt.args...)
			if err := run(t, f, args...); err != nil {
				t.Fatal(err)
			}
			if got := listedFiles(t, te.out.Bytes()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
			if strings.Contains(te.out.String(), "secret") {
				t.Errorf("a token value leaked into the output:\n%s", te.out)
			}
		})
	}
}

func TestListJSONShape(t *testing.T) {
	f, te := newTestFactory(t, filterFiles(), filterConfig)
	if err := run(t, f, "token-daemon", "list", "--json", "--provider", "iflow"); err != nil {
		t.Fatal(err)
	}
	out := te.out.String()
	if !strings.HasPrefix(out, "{\n  \"tokens\": [\n    {\n      \"file\": ") {
		t.Errorf("not the documented two-space form:\n%s", out)
	}
	var l ipc.List
	if err := json.Unmarshal(te.out.Bytes(), &l); err != nil {
		t.Fatal(err)
	}
	soon := l.Tokens[0]
	if soon.File != "iflow-oauth-1-soon.json" || soon.Status != "valid" || soon.ExpiresAt == nil ||
		*soon.ExpiresAt != "2030-01-01T01:30:00Z" || soon.RemainingSeconds == nil || *soon.RemainingSeconds != 5400 {
		t.Errorf("unexpected entry %+v", soon)
	}
	key := l.Tokens[2]
	if key.File != "iflow-oauth-3-key.json" || key.ExpiresAt != nil || key.RemainingSeconds != nil {
		t.Errorf("api-key file should have null expiry: %+v", key)
	}
}

func TestListErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown provider", []string{"--provider", "nope"}, `unknown provider "nope" (known: antigravity, claude, codex, corp-sso, gemini-cli, iflow, qwen)`},
		{"within without expiring", []string{"--within", "2h"}, "--within can only be used with --expiring"},
		{"within not a duration", []string{"--expiring", "--within", "2 days"}, `--within "2 days" is not a positive duration (e.g. 2h or 90m)`},
		{"within zero", []string{"--expiring", "--within", "0s"}, `--within "0s" is not a positive duration (e.g. 2h or 90m)`},
		{"unknown flag", []string{"--bogus"}, "unknown flag: --bogus (run 'routecodex token-daemon list --help' for usage)"},
		{"unknown name", []string{"extra"}, "no token file matches “extra”"},
		{"unknown status", []string{"--status", "valid,bogus"}, `--status: unknown status "bogus" (known: valid, expiring, expired, refreshing, refresh_failed, needs_reauth, invalid, static, missing)`},
		{"health below out of range", []string{"--health-below", "0"}, "--health-below 0 is not a score between 1 and 101"},
		{"sort", []string{"--sort", "age"}, `--sort "age": use file or health`},
		{"all with names", []string{"--all", "x"}, "--all cannot be combined with names: give names, or --all with filters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, te := newTestFactory(t, filterFiles(), filterConfig)
			err := run(t, f, append([]string{"token-daemon", "list", "--lang", "en"}, tt.args...)...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v\nwant       %s", err, tt.want)
			}
			if te.out.Len() != 0 || te.errOut.Len() != 0 {
				t.Errorf("commands must not print on error; out=%q err=%q", te.out, te.errOut)
			}
		})
	}
}

func TestListMissingAuthDir(t *testing.T) {
	f, te := newTestFactory(t, nil, "")
	if err := os.Remove(te.auth); err != nil {
		t.Fatal(err)
	}
	// No <home>/auth and no ~/.rcc/auth: a first run, an empty list.
	if err := run(t, f, "token-daemon", "list", "--lang", "en"); err != nil {
		t.Fatal(err)
	}
	if want := "No token files in " + te.auth + "/.\n"; te.out.String() != want {
		t.Errorf("got %q, want %q", te.out, want)
	}
	// An auth dir the user named must exist.
	f, _ = newTestFactory(t, nil, `{"tokenDaemon": {"authDir": "nowhere"}}`)
	err := run(t, f, "token-daemon", "list", "--lang", "en")
	if err == nil || !strings.Contains(err.Error(), "nowhere (from config tokenDaemon.authDir) does not exist") {
		t.Errorf("got %v, want the named dir reported", err)
	}
}

func TestListBadConfig(t *testing.T) {
	f, te := newTestFactory(t, filterFiles(), `{"tokenDaemon": {"tray": "sometimes"}}`)
	err := run(t, f, "token-daemon", "list")
	want := filepath.Join(te.home, "config.json") + `: tokenDaemon.tray: must be one of "auto", "on", "off"`
	var ce *config.Error
	if err == nil || err.Error() != want || !errors.As(err, &ce) {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestListTable(t *testing.T) {
	f, te := newTestFactory(t, filterFiles(), filterConfig)
	if err := run(t, f, "token-daemon", "list", "--lang", "zh", "--provider", "qwen"); err != nil {
		t.Fatal(err)
	}
	checkAligned(t, te.out.String())
	for _, s := range []string{"✅ 有效", "⚠️ 即将过期", "❌ 失效", "10天0小时", "10分钟", "2030-01-11 00:00"} {
		if !strings.Contains(te.out.String(), s) {
			t.Errorf("table lacks %q:\n%s", s, te.out)
		}
	}
}

func TestStatusOffline(t *testing.T) {
	f, te := newTestFactory(t, filterFiles(), filterConfig)
	err := run(t, f, "token-daemon", "status", "--lang", "en")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitNotRunning || ee.Err != nil {
		t.Fatalf("got %v, want a silent exit 3", err)
	}
	out := te.out.String()
	if !strings.HasPrefix(out, "🌙 Token Refresh Daemon not running\n📁 Watched dir: "+abbreviateHome(te.auth, f.Env.UserHome)+"\n\nFile ") {
		t.Errorf("unexpected header:\n%s", out)
	}
	checkAligned(t, out[strings.Index(out, "File "):])
}

func TestStatusOfflineJSON(t *testing.T) {
	f, te := newTestFactory(t, filterFiles(), filterConfig)
	err := run(t, f, "token-daemon", "status", "--json")
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != ExitNotRunning {
		t.Fatalf("got %v, want exit 3", err)
	}
	var st ipc.Status
	if err := json.Unmarshal(te.out.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.Daemon.Running || st.Daemon.PID != 0 || st.Daemon.AuthDir != te.auth || st.Daemon.StartedAt != nil || len(st.Tokens) != 9 {
		t.Errorf("unexpected status %+v", st)
	}
}

func TestStatusAsksTheDaemonFirst(t *testing.T) {
	tests := []struct {
		name     string
		source   StatusSource
		wantErr  bool
		wantCode int // 0: no error
		wantHead string
	}{
		{
			name: "running",
			source: func(context.Context, config.Paths) (*ipc.Status, error) {
				return &ipc.Status{Daemon: ipc.DaemonInfo{Running: true, PID: 4242, AuthDir: "/a", WebURL: "http://127.0.0.1:38421"}, Tokens: []ipc.TokenDetail{}}, nil
			},
			wantHead: "🌙 Token Refresh Daemon running\nPID: 4242\n📁 Watched dir: /a/\n\n",
		},
		{
			name: "not running falls back to the files",
			source: func(context.Context, config.Paths) (*ipc.Status, error) {
				return nil, ErrDaemonNotRunning
			},
			wantCode: ExitNotRunning,
			wantHead: "🌙 Token Refresh Daemon not running\n",
		},
		{
			name: "other errors are reported",
			source: func(context.Context, config.Paths) (*ipc.Status, error) {
				return nil, errors.New("daemon answered 500")
			},
			wantErr: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, te := newTestFactory(t, filterFiles(), filterConfig)
			f.DaemonStatus = tt.source
			err := run(t, f, "token-daemon", "status", "--lang", "en")
			var ee *ExitError
			switch {
			case tt.wantErr:
				if err == nil || errors.As(err, &ee) {
					t.Fatalf("got %v, want a plain error", err)
				}
				return
			case tt.wantCode != 0:
				if !errors.As(err, &ee) || ee.Code != tt.wantCode {
					t.Fatalf("got %v, want exit %d", err, tt.wantCode)
				}
			case err != nil:
				t.Fatal(err)
			}
			if !strings.HasPrefix(te.out.String(), tt.wantHead) {
				t.Errorf("got\n%s\nwant prefix\n%s", te.out, tt.wantHead)
			}
		})
	}
}

func TestTokenDaemonUnknownSubcommand(t *testing.T) {
	f, _ := newTestFactory(t, nil, "")
	err := run(t, f, "--lang", "en", "token-daemon", "frobnicate")
	want := `unknown command "frobnicate" (run 'routecodex token-daemon --help' for usage)`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestBadLangFlag(t *testing.T) {
	f, _ := newTestFactory(t, nil, "")
	err := run(t, f, "--lang", "fr", "token-daemon", "list")
	if err == nil || !strings.Contains(err.Error(), `--lang "fr"`) {
		t.Errorf("got %v", err)
	}
}

func TestLanguageFromConfig(t *testing.T) {
	f, te := newTestFactory(t, nil, `{"tokenDaemon": {"language": "zh"}}`)
	if err := run(t, f, "token-daemon", "list"); err != nil {
		t.Fatal(err)
	}
	if want := i18n.T(i18n.ZH, i18n.NoTokens, te.auth+"/") + "\n"; te.out.String() != want {
		t.Errorf("got %q, want %q", te.out, want)
	}
}

func TestCoreConfig(t *testing.T) {
	f, te := newTestFactory(t, nil, `{"tokenDaemon": {"refreshAheadMinutes": 10, "checkIntervalSeconds": 15,
  "autoRefresh": {"maxRetries": 5}, "maxConcurrentRefreshes": 3, "notification": {"notifySuccess": true},
  "aliases": {"a.json": "A"}}}`)
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	c := s.CoreConfig()
	if c.AuthDir != te.auth || c.StatePath != filepath.Join(te.home, "state", "token-daemon.json") ||
		c.RefreshAhead != 10*time.Minute || c.CheckInterval != 15*time.Second || c.MaxRetries != 5 ||
		c.MaxConcurrent != 3 || c.PerProvider != 4 || !c.AutoRefresh || !c.RetryOnFailure || !c.NotifySuccess ||
		c.FileOptions.Aliases["a.json"] != "A" {
		t.Errorf("unexpected core config %+v", c)
	}
}

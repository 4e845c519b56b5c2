// Package e2e drives the real routecodex binary as a user would: a
// temporary ROUTECODEX_HOME, real token files, and local token servers on
// 127.0.0.1 that speak the providers' wire formats.
package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var binary string

// raceBinary is the same binary built with the race detector, when the
// tests run under it: the robustness and lossless suites drive it (their
// daemons race with writers, kills and storms); the other tests use the
// plain build, several times faster to run hundreds of times.
var raceBinary string

// buildFlags are the go build flags of the binary under test.
var buildFlags []string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "rcbin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Others may run the binary: the security tests start a daemon as
	// another user.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "routecodex")
	args := append(append([]string{"build"}, buildFlags...), "-o", binary, "github.com/routecodex/token-daemon/cmd/routecodex")
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	if raceEnabled {
		raceBinary = filepath.Join(dir, "routecodex-race")
		args := append(append([]string{"build", "-race"}, buildFlags...), "-o", raceBinary, "github.com/routecodex/token-daemon/cmd/routecodex")
		if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build -race: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// home is one user's temporary RouteCodex home with a running-or-not daemon.
type home struct {
	t    *testing.T
	dir  string // ROUTECODEX_HOME
	auth string // <dir>/auth
	user string // HOME of the fake user
	bin  string // the binary its commands run: binary, or raceBinary (withRaceDaemon)
	// extraEnv is added to the environment of every command (a test's
	// D-Bus address, a PATH with a fake browser first).
	extraEnv []string
	// seen holds every token value a test wrote into the home, for the
	// sweep at cleanup (sweepSecrets).
	seenMu sync.Mutex
	seen   map[string]bool
}

// newHome makes a home in a short temp path: a Unix socket path must stay
// under about 104 bytes.
func newHome(t *testing.T) *home {
	t.Helper()
	dir, err := os.MkdirTemp("", "rce")
	if err != nil {
		t.Fatal(err)
	}
	h := &home{t: t, dir: dir, auth: filepath.Join(dir, "auth"), user: filepath.Join(dir, "user"), bin: binary}
	for _, d := range []string{h.auth, h.user} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		h.run("token-daemon", "stop")
		if pid := h.pid(); pid > 0 {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
		h.sweepSecrets()
		os.RemoveAll(dir)
	})
	return h
}

func (h *home) env() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + h.user,
		"ROUTECODEX_HOME=" + h.dir,
		"LANG=C",
	}
	// Later entries win: exec keeps the last value of a repeated name.
	return append(env, h.extraEnv...)
}

type result struct {
	code           int
	stdout, stderr string
}

// withRaceDaemon makes the home's commands (and so its daemon) the race
// build, when the tests run under the race detector.
func (h *home) withRaceDaemon() *home {
	if raceBinary != "" {
		h.bin = raceBinary
	}
	return h
}

// binary is the program the home's commands run (a home made as a literal
// runs the plain build).
func (h *home) binary() string {
	if h.bin == "" {
		return binary
	}
	return h.bin
}

func (h *home) run(args ...string) result {
	h.t.Helper()
	cmd := exec.Command(h.binary(), args...)
	cmd.Env = h.env()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	case err != nil:
		h.t.Fatalf("run %v: %v", args, err)
	}
	return r
}

func (h *home) mustRun(args ...string) result {
	h.t.Helper()
	r := h.run(args...)
	if r.code != 0 {
		h.t.Fatalf("routecodex %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

func (h *home) pid() int {
	b, err := os.ReadFile(filepath.Join(h.dir, "run", "token-daemon.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func (h *home) socket() string { return filepath.Join(h.dir, "run", "token-daemon.sock") }

// writeConfig points every built-in provider at the local server, so that
// nothing ever leaves 127.0.0.1, and sets any extra tokenDaemon keys.
func (h *home) writeConfig(serverURL string, extra map[string]any) {
	h.t.Helper()
	ep := func(p string, keys ...string) map[string]any {
		m := map[string]any{}
		for _, k := range keys {
			m[k] = serverURL + "/" + p + "/" + strings.ToLower(strings.TrimSuffix(k, "Url"))
		}
		return m
	}
	providers := map[string]any{
		"qwen":        ep("qwen", "tokenUrl", "deviceCodeUrl"),
		"iflow":       ep("iflow", "tokenUrl", "authUrl", "userInfoUrl"),
		"gemini-cli":  ep("gemini-cli", "tokenUrl", "authUrl", "userInfoUrl"),
		"antigravity": ep("antigravity", "tokenUrl", "authUrl", "userInfoUrl"),
	}
	for _, p := range []string{"iflow", "gemini-cli", "antigravity"} {
		providers[p].(map[string]any)["clientSecret"] = "e2e-client-secret"
	}
	td := map[string]any{"providers": providers, "language": "en"}
	for k, v := range extra {
		td[k] = v
		if v == nil { // nil removes a default, e.g. "language"
			delete(td, k)
		}
	}
	data, err := json.MarshalIndent(map[string]any{"tokenDaemon": td, "otherRouteCodexKey": map[string]any{"keep": true}}, "", "  ")
	if err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "config.json"), data, 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *home) writeToken(name, content string) {
	h.t.Helper()
	h.remember([]byte(content))
	if err := os.WriteFile(filepath.Join(h.auth, name), []byte(content), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *home) readToken(name string) map[string]any {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.auth, name))
	if err != nil {
		h.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		h.t.Fatalf("%s is not valid JSON: %v", name, err)
	}
	return m
}

// status runs `status --json` and decodes it.
func (h *home) status() statusJSON {
	h.t.Helper()
	r := h.run("token-daemon", "status", "--json")
	var st statusJSON
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		h.t.Fatalf("status --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	return st
}

// logText is the daemon log, for leak checks.
func (h *home) logText() string {
	b, _ := os.ReadFile(filepath.Join(h.dir, "logs", "token-daemon.log"))
	return string(b)
}

type statusJSON struct {
	Daemon struct {
		Running bool    `json:"running"`
		PID     int     `json:"pid"`
		AuthDir string  `json:"authDir"`
		Started *string `json:"startedAt"`
		Version string  `json:"version"`
		WebURL  string  `json:"webURL"`
	} `json:"daemon"`
	Tokens []struct {
		File          string  `json:"file"`
		Status        string  `json:"status"`
		Reason        string  `json:"reason"`
		ExpiresAt     *string `json:"expiresAt"`
		LastRefreshAt *string `json:"lastRefreshAt"`
		NextRefreshAt *string `json:"nextRefreshAt"`
		LastError     string  `json:"lastError"`
		Failures      int     `json:"failures"`
	} `json:"tokens"`
}

func (s statusJSON) token(file string) (status, reason string, lastRefresh *string, ok bool) {
	for _, t := range s.Tokens {
		if t.File == file {
			return t.Status, t.Reason, t.LastRefreshAt, true
		}
	}
	return "", "", nil, false
}

// eventually polls cond until it holds or the deadline passes. It waits for
// an outcome of another process, never for a timer of ours.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// qwenServer plays qwen's token endpoint: it rotates refresh tokens (the
// old one is dead afterwards) and can be slowed down.
type qwenServer struct {
	*httptest.Server
	mu       sync.Mutex
	valid    map[string]bool // refresh tokens it would accept
	issued   []string        // every token value it handed out
	requests int
	delay    time.Duration
	seq      int
}

func newQwenServer(t *testing.T, refreshTokens ...string) *qwenServer {
	s := &qwenServer{valid: map[string]bool{}}
	for _, rt := range refreshTokens {
		s.valid[rt] = true
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *qwenServer) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/qwen/token" || r.Method != http.MethodPost {
		http.Error(w, `{"error":"not_found"}`, http.StatusNotFound)
		return
	}
	_ = r.ParseForm()
	s.mu.Lock()
	s.requests++
	delay := s.delay
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("client_id") == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"bad grant"}`))
		return
	}
	rt := r.PostForm.Get("refresh_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.valid[rt] {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"Invalid refresh token or client_id"}`))
		return
	}
	delete(s.valid, rt)
	s.seq++
	at := fmt.Sprintf("QWEN-AT-%d-SECRETVALUE", s.seq)
	nrt := fmt.Sprintf("QWEN-RT-%d-SECRETVALUE", s.seq)
	s.valid[nrt] = true
	s.issued = append(s.issued, at, nrt)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "refresh_token": nrt, "token_type": "Bearer",
		"expires_in": 21600, "resource_url": "portal.qwen.ai",
	})
}

func (s *qwenServer) requestCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *qwenServer) issuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// topLevelKeys returns the keys of a JSON object in file order.
func topLevelKeys(t *testing.T, data []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// noSecrets fails if any of the values appears in text.
func noSecrets(t *testing.T, where, text string, values ...string) {
	t.Helper()
	for _, v := range values {
		if v != "" && strings.Contains(text, v) {
			t.Errorf("%s contains a token value (%s…)", where, v[:4])
		}
	}
}

// remember notes the token values of a token file's content (any JSON
// string under a key that names a token or a secret, at any depth).
func (h *home) remember(content []byte) {
	var doc any
	if json.Unmarshal(content, &doc) != nil {
		return
	}
	h.seenMu.Lock()
	defer h.seenMu.Unlock()
	if h.seen == nil {
		h.seen = map[string]bool{}
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, c := range v {
				walk(k, c)
			}
		case []any:
			for _, c := range v {
				walk(key, c)
			}
		case string:
			k := strings.ToLower(key)
			if len(v) >= 8 && (strings.Contains(k, "token") || strings.Contains(k, "secret")) && !strings.Contains(k, "expir") && k != "token_type" {
				h.seen[v] = true
			}
		}
	}
	walk("", doc)
}

// secretMarker is the shape the tests give token values their servers
// issue ("LOGIN-AT-SECRETVALUE", "RT-7-SECRETVALUE").
var secretMarker = regexp.MustCompile(`[A-Za-z0-9_.-]*SECRETVALUE[A-Za-z0-9_.-]*`)

// sweepSecrets is the suite-wide check that no token value reaches a file
// the daemon keeps for itself (logs, audit log, state) in any e2e test: the
// values the test wrote, those in the auth dir at the end, and anything of
// the tests' SECRETVALUE shape.
func (h *home) sweepSecrets() {
	h.t.Helper()
	names, _ := filepath.Glob(filepath.Join(h.auth, "*.json"))
	for _, name := range names {
		if data, err := os.ReadFile(name); err == nil {
			h.remember(data)
		}
	}
	h.seenMu.Lock()
	values := make([]string, 0, len(h.seen))
	for v := range h.seen {
		values = append(values, v)
	}
	h.seenMu.Unlock()
	noSecretsInHome(h.t, h, values...)
	for _, sub := range []string{"logs", "state"} {
		_ = filepath.WalkDir(filepath.Join(h.dir, sub), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if data, err := os.ReadFile(path); err == nil {
				if m := secretMarker.Find(data); m != nil {
					h.t.Errorf("%s contains a token value (%s…)", path, m[:4])
				}
			}
			return nil
		})
	}
}

// noSecretsInHome fails if any of the values appears in any file the daemon
// keeps for itself: its logs, the audit log and its state.
func noSecretsInHome(t *testing.T, h *home, values ...string) {
	t.Helper()
	for _, sub := range []string{"logs", "state"} {
		_ = filepath.WalkDir(filepath.Join(h.dir, sub), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			data, err := os.ReadFile(path)
			if err == nil {
				noSecrets(t, path, string(data), values...)
			}
			return nil
		})
	}
}

// execBinary prepares the binary with the home's environment.
func execBinary(h *home, args ...string) *exec.Cmd {
	cmd := exec.Command(h.binary(), args...)
	cmd.Env = h.env()
	return cmd
}

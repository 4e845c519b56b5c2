package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// brokerFiles writes one file of each kind the broker must tell apart.
func brokerFiles(h *home) {
	exp := time.Now().Add(5 * time.Hour)
	h.writeToken("qwen-oauth-1-work.json", fmt.Sprintf(`{
  "access_token": "QWEN-AT-W-SECRETVALUE",
  "refresh_token": "QWEN-RT-W-SECRETVALUE",
  "token_type": "Bearer",
  "expires_at": %d,
  "resource_url": "https://portal.qwen.ai",
  "email": "work@example.com",
  "type": "qwen"
}
`, exp.UnixMilli()))
	h.writeToken("iflow-oauth-1-key.json", fmt.Sprintf(`{
  "access_token": "IFLOW-AT-SECRETVALUE",
  "refresh_token": "IFLOW-RT-SECRETVALUE",
  "api_key": "sk-IFLOW-KEY-SECRETVALUE",
  "apiKey": "sk-IFLOW-KEY-SECRETVALUE",
  "expires_at": %d,
  "type": "iflow"
}
`, exp.UnixMilli()))
	// Past expiry without a refresh token: only a login helps.
	h.writeToken("qwen-oauth-2-dead.json", fmt.Sprintf(`{
  "access_token": "QWEN-AT-DEAD-SECRETVALUE",
  "expires_at": %d,
  "type": "qwen"
}
`, time.Now().Add(-time.Hour).UnixMilli()))
	h.writeToken("gemini-oauth-1-broken.json", `{"access_token": "GEM-AT-SECRETVALUE",`)
}

var brokerSecrets = []string{"QWEN-AT-W-SECRETVALUE", "QWEN-RT-W-SECRETVALUE", "IFLOW-AT-SECRETVALUE",
	"IFLOW-RT-SECRETVALUE", "sk-IFLOW-KEY-SECRETVALUE", "QWEN-AT-DEAD-SECRETVALUE", "GEM-AT-SECRETVALUE"}

// Every format and exit code of `token`, without a daemon (in process) and
// through one.
func TestTokenFormatsAndExitCodes(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	brokerFiles(h)
	expires := time.UnixMilli(int64(h.readToken("qwen-oauth-1-work.json")["expires_at"].(float64))).UTC().Format(time.RFC3339)

	for _, mode := range []string{"in process", "daemon"} {
		if mode == "daemon" {
			h.mustRun("token-daemon", "start")
		}
		t.Run(mode, func(t *testing.T) {
			r := h.mustRun("token-daemon", "token", "qwen-oauth-1-work")
			if r.stdout != "QWEN-AT-W-SECRETVALUE\n" {
				t.Errorf("raw: %q", r.stdout)
			}
			// By alias, and by email.
			for _, q := range []string{"work", "work@example.com"} {
				if r := h.mustRun("token-daemon", "token", q); r.stdout != "QWEN-AT-W-SECRETVALUE\n" {
					t.Errorf("raw by %s: %q", q, r.stdout)
				}
			}
			r = h.mustRun("token-daemon", "token", "work", "--format", "json")
			var got map[string]any
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("json: %v: %q", err, r.stdout)
			}
			want := map[string]any{"file": "qwen-oauth-1-work.json", "provider": "qwen", "displayName": "work (work@example.com)",
				"token": "QWEN-AT-W-SECRETVALUE", "tokenType": "Bearer", "expiresAt": expires, "resourceUrl": "https://portal.qwen.ai"}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("json:\n got %v\nwant %v", got, want)
			}
			r = h.mustRun("token-daemon", "token", "work", "--format", "header")
			if r.stdout != "Authorization: Bearer QWEN-AT-W-SECRETVALUE\n" {
				t.Errorf("header: %q", r.stdout)
			}
			r = h.mustRun("token-daemon", "token", "work", "--format", "exec-credential")
			var ec struct {
				APIVersion, Kind string
				Status           struct{ Token, ExpirationTimestamp string }
			}
			if err := json.Unmarshal([]byte(r.stdout), &ec); err != nil {
				t.Fatalf("exec-credential: %v: %q", err, r.stdout)
			}
			if ec.APIVersion != "client.authentication.k8s.io/v1" || ec.Kind != "ExecCredential" ||
				ec.Status.Token != "QWEN-AT-W-SECRETVALUE" || ec.Status.ExpirationTimestamp != expires {
				t.Errorf("exec-credential: %+v", ec)
			}
			// iflow requests use the API key.
			if r := h.mustRun("token-daemon", "token", "iflow-oauth-1-key.json"); r.stdout != "sk-IFLOW-KEY-SECRETVALUE\n" {
				t.Errorf("iflow raw: %q", r.stdout)
			}

			for _, c := range []struct {
				args   []string
				code   int
				stderr string
			}{
				{[]string{"qwen-oauth-2-dead"}, 4, "routecodex token-daemon login qwen-oauth-2-dead"},
				{[]string{"qwen-oauth-2-dead", "--format", "json"}, 4, "routecodex token-daemon login"},
				{[]string{"nobody"}, 3, "nobody"},
				{[]string{"gemini-oauth-1-broken"}, 1, "invalid"},
				{[]string{"work", "--format", "yaml"}, 1, "--format"},
				{[]string{"work", "--min-valid", "soon"}, 1, "--min-valid"},
			} {
				r := h.run(append([]string{"token-daemon", "token"}, c.args...)...)
				if r.code != c.code || r.stdout != "" || !strings.Contains(r.stderr, c.stderr) {
					t.Errorf("token %v: exit %d, stdout %q, stderr %q; want exit %d, nothing on stdout, %q on stderr",
						c.args, r.code, r.stdout, r.stderr, c.code, c.stderr)
				}
				noSecrets(t, "stderr", r.stderr, brokerSecrets...)
			}
		})
	}
	srv.mu.Lock()
	requests := srv.requests
	srv.mu.Unlock()
	if requests != 0 {
		t.Errorf("the token server saw %d requests; every token was fresh", requests)
	}
	h.mustRun("token-daemon", "stop")
	noSecretsInHome(t, h, brokerSecrets...)
}

// 20 concurrent `token --min-valid 10m` on a token with 5 minutes left,
// against a slow rotating token server: all print the same new token, the
// server sees exactly one refresh; through a daemon and without one.
func TestTokenConcurrentCallsShareOneRefresh(t *testing.T) {
	for _, mode := range []string{"daemon", "in process"} {
		t.Run(mode, func(t *testing.T) {
			srv := newQwenServer(t, "QWEN-RT-0-SECRETVALUE")
			srv.delay = 700 * time.Millisecond
			h := newHome(t)
			// A lead of 1 minute: the scheduler leaves the 5-minute token alone.
			h.writeConfig(srv.URL, map[string]any{"refreshAheadMinutes": 1})
			name := "qwen-oauth-1-work.json"
			h.writeToken(name, qwenFile("QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE", time.Now().Add(5*time.Minute)))
			if mode == "daemon" {
				h.mustRun("token-daemon", "start")
			}
			const n = 20
			outs := make([]result, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[i] = h.run("token-daemon", "token", "work", "--min-valid", "10m")
				}()
			}
			wg.Wait()
			for i, r := range outs {
				if r.code != 0 || r.stdout != "QWEN-AT-1-SECRETVALUE\n" {
					t.Errorf("call %d: exit %d, stdout %q, stderr %q", i, r.code, r.stdout, r.stderr)
				}
			}
			srv.mu.Lock()
			requests := srv.requests
			srv.mu.Unlock()
			if requests != 1 {
				t.Errorf("the token server saw %d refreshes, want 1", requests)
			}
			if got := h.readToken(name)["refresh_token"]; got != "QWEN-RT-1-SECRETVALUE" {
				t.Errorf("refresh token on disk: %v", got)
			}
			if mode == "daemon" {
				h.mustRun("token-daemon", "stop")
			}
			noSecretsInHome(t, h, append(srv.issuedTokens(), "QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE")...)
		})
	}
}

// Three calls through the daemon leave three access lines with each
// caller's pid, uid and executable, and `status --json` counts them.
func TestTokenAccessAudit(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	brokerFiles(h)
	h.mustRun("token-daemon", "start")
	exe, err := filepath.EvalSymlinks(binary)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for range 3 {
		cmd := execBinary(h, "token-daemon", "token", "work")
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Run(); err != nil || out.String() != "QWEN-AT-W-SECRETVALUE\n" {
			t.Fatalf("token: %v %q", err, out.String())
		}
		pids = append(pids, cmd.Process.Pid)
	}
	// A failed request is not an access.
	if r := h.run("token-daemon", "token", "qwen-oauth-2-dead"); r.code != 4 {
		t.Fatalf("dead: exit %d", r.code)
	}

	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	self, _ = filepath.EvalSymlinks(self)
	check := func(want int) {
		t.Helper()
		got := accessLines(t, h)
		if len(got) != want {
			t.Fatalf("%d access lines, want %d: %+v", len(got), want, got)
		}
		for i, a := range got {
			// The caller is the `routecodex token` process; its parent,
			// the program that ran it, is this test.
			if a.File != "qwen-oauth-1-work.json" || a.Provider != "qwen" || a.At.IsZero() ||
				a.By.PID != pids[i] || a.By.UID != os.Getuid() || a.By.Exe != exe ||
				a.By.PPID != os.Getpid() || a.By.ParentExe != self {
				t.Errorf("access %d: %+v; want pid %d uid %d exe %s, parent %d %s", i, a, pids[i], os.Getuid(), exe, os.Getpid(), self)
			}
		}
	}
	check(3)

	var st struct {
		Tokens []struct {
			File  string `json:"file"`
			Usage struct {
				Last24h      int     `json:"last24h"`
				Last7d       int     `json:"last7d"`
				LastAccessAt *string `json:"lastAccessAt"`
			} `json:"usage"`
		} `json:"tokens"`
	}
	r := h.mustRun("token-daemon", "status", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatal(err)
	}
	for _, tk := range st.Tokens {
		switch tk.File {
		case "qwen-oauth-1-work.json":
			if tk.Usage.Last24h != 3 || tk.Usage.Last7d != 3 || tk.Usage.LastAccessAt == nil {
				t.Errorf("usage of %s: %+v", tk.File, tk.Usage)
			}
		default:
			if tk.Usage.Last7d != 0 || tk.Usage.LastAccessAt != nil {
				t.Errorf("usage of %s: %+v", tk.File, tk.Usage)
			}
		}
	}
	// The counts survive a restart (daemon state).
	h.mustRun("token-daemon", "stop")
	h.mustRun("token-daemon", "start")
	r = h.mustRun("token-daemon", "status", "--json")
	if !strings.Contains(r.stdout, `"last24h":3`) && !strings.Contains(r.stdout, `"last24h": 3`) {
		t.Errorf("usage lost over a restart:\n%s", r.stdout)
	}
	h.mustRun("token-daemon", "stop")

	// Without a daemon the command's own process is the caller.
	cmd := execBinary(h, "token-daemon", "token", "work")
	if out, err := cmd.Output(); err != nil || string(out) != "QWEN-AT-W-SECRETVALUE\n" {
		t.Fatalf("in process: %v %q", err, out)
	}
	pids = append(pids, cmd.Process.Pid)
	check(4)
	noSecretsInHome(t, h, brokerSecrets...)
}

type accessLine struct {
	At       time.Time `json:"at"`
	Event    string    `json:"event"`
	File     string    `json:"file"`
	Provider string    `json:"provider"`
	By       struct {
		PID       int    `json:"pid"`
		UID       int    `json:"uid"`
		Exe       string `json:"exe"`
		PPID      int    `json:"ppid"`
		ParentExe string `json:"parentExe"`
	} `json:"by"`
}

// accessLines are the access lines of the home's audit log.
func accessLines(t *testing.T, h *home) []accessLine {
	t.Helper()
	f, err := os.Open(filepath.Join(h.dir, "logs", "token-audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []accessLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var a accessLine
		if json.Unmarshal(sc.Bytes(), &a) == nil && a.Event == "access" {
			got = append(got, a)
		}
	}
	return got
}

// The web dashboard shows a token's last use, live: a `token` call moves
// it from "never" to the time of the call without a reload.
func TestWebDashboardShowsLastUse(t *testing.T) {
	ctx := headless(t)
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}})
	brokerFiles(h)
	h.mustRun("token-daemon", "start")
	if err := chromedp.Do(ctx, chromedp.Navigate(h.uiURL())); err != nil {
		t.Fatal(err)
	}
	row := `document.querySelector('tr[data-file="qwen-oauth-1-work.json"]')`
	if err := waitJS(ctx, 10*time.Second, row+` !== null && document.getElementById("live").classList.contains("on")`); err != nil {
		t.Fatalf("dashboard did not load: %v", err)
	}
	cell := func() string {
		s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-file="qwen-oauth-1-work.json"] td.last-use`)))
		return s
	}
	if got := cell(); got != "never" {
		t.Errorf("last use before any call: %q", got)
	}
	h.mustRun("token-daemon", "token", "work")
	if err := waitJS(ctx, 5*time.Second, row+`.dataset.lastUse !== ""`); err != nil {
		t.Fatalf("last use not shown live: %v", err)
	}
	if got, want := cell(), time.Now().Format("2006-01-02"); !strings.HasPrefix(got, want[:4]) {
		t.Errorf("last use after a call: %q", got)
	}
	screenshot(t, ctx, "ui-last-use.png")
	h.mustRun("token-daemon", "stop")
	noSecretsInHome(t, h, brokerSecrets...)
}

package main

// The temporary home, its files and its daemon, as a user would have them.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/routecodex/token-daemon/internal/ipc"
)

// build compiles the binary as users get it.
func build() (string, func(), error) {
	dir, err := os.MkdirTemp("", "rcbench")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "routecodex")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/routecodex/token-daemon/cmd/routecodex").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// home is a temporary ROUTECODEX_HOME with its daemon.
type home struct {
	bin, dir, auth string
	pid            int
}

// newHome writes a config whose every provider endpoint is serverURL, plus
// a generic provider "corp" for the mixed storm.
func newHome(bin, serverURL string, extra map[string]any) (*home, error) {
	dir, err := os.MkdirTemp("", "rcb") // short: a socket path must stay under ~104 bytes
	if err != nil {
		return nil, err
	}
	h := &home{bin: bin, dir: dir, auth: filepath.Join(dir, "auth")}
	for _, d := range []string{h.auth, filepath.Join(dir, "user")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	ep := func(p string) map[string]any {
		return map[string]any{
			"tokenUrl": serverURL + "/" + p + "/token", "authUrl": serverURL + "/" + p + "/auth",
			"deviceCodeUrl": serverURL + "/" + p + "/device", "userInfoUrl": serverURL + "/" + p + "/userinfo",
		}
	}
	providers := map[string]any{}
	for _, p := range []string{"qwen", "iflow", "gemini-cli", "antigravity"} {
		providers[p] = ep(p)
	}
	for _, p := range []string{"iflow", "gemini-cli", "antigravity"} {
		providers[p].(map[string]any)["clientSecret"] = "bench-client-secret"
		if p == "iflow" {
			delete(providers[p].(map[string]any), "deviceCodeUrl")
		}
	}
	delete(providers["qwen"].(map[string]any), "authUrl")
	corp := ep("corp")
	delete(corp, "authUrl")
	corp["flow"], corp["clientId"], corp["filePrefix"] = "device_code", "bench-corp", "corp"
	providers["corp"] = corp
	td := map[string]any{"providers": providers, "language": "en",
		"notification": map[string]any{"showPopup": false, "sound": false}}
	for k, v := range extra {
		td[k] = v
	}
	data, err := json.MarshalIndent(map[string]any{"tokenDaemon": td}, "", "  ")
	if err != nil {
		return nil, err
	}
	return h, os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600)
}

func (h *home) env() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(h.dir, "user"),
		"ROUTECODEX_HOME=" + h.dir, "LANG=C"}
}

func (h *home) cmd(args ...string) *exec.Cmd {
	c := exec.Command(h.bin, args...)
	c.Env = h.env()
	return c
}

func (h *home) close() {
	_ = h.cmd("token-daemon", "stop").Run()
	if h.pid > 0 {
		if p, err := os.FindProcess(h.pid); err == nil {
			_ = p.Kill()
		}
	}
	os.RemoveAll(h.dir)
}

func (h *home) socket() string { return filepath.Join(h.dir, "run", "token-daemon.sock") }

// qwenFile is the shape RouteCodex writes for a qwen account.
func qwenFile(i int, provider string, expires time.Time) string {
	return fmt.Sprintf(`{
  "access_token": "BENCH-AT-%[1]d-0123456789abcdef0123456789abcdef",
  "refresh_token": "BENCH-RT-%[1]d-0123456789abcdef0123456789abcdef",
  "token_type": "Bearer",
  "expires_in": 21600,
  "expires_at": %[2]d,
  "expiry_date": %[2]d,
  "resource_url": "https://portal.qwen.ai",
  "email": "user%[1]d@company.com",
  "type": %[3]q
}
`, i, expires.UnixMilli(), provider)
}

func (h *home) writeValidFiles(n int) error {
	exp := time.Now().Add(10 * 24 * time.Hour)
	for i := range n {
		if err := os.WriteFile(filepath.Join(h.auth, fmt.Sprintf("qwen-oauth-%d.json", i+1)), []byte(qwenFile(i, "qwen", exp)), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// coldStart is the wall time from the exec of `token-daemon start` until it
// returns (it waits for the socket, which answers once the first scan is
// done), and until a `status --json` lists all n files, both processes
// included. The daemon is left running.
func (h *home) coldStart(n int) (scanned, listed time.Duration, err error) {
	t0 := time.Now()
	if out, err := h.cmd("token-daemon", "start").CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("start: %w: %s", err, out)
	}
	scanned = time.Since(t0)
	deadline := t0.Add(2 * time.Minute)
	for {
		var out bytes.Buffer
		c := h.cmd("token-daemon", "status", "--json")
		c.Stdout = &out
		if err := c.Run(); err == nil {
			at := time.Since(t0) // the check below is the bench's, not the user's
			var st ipc.Status
			if err := json.Unmarshal(out.Bytes(), &st); err != nil {
				return 0, 0, fmt.Errorf("status --json: %w", err)
			}
			if st.Daemon.Running && len(st.Tokens) == n {
				h.pid = st.Daemon.PID
				return scanned, at, nil
			}
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("status never listed %d files", n)
		}
	}
}

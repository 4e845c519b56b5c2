package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func qwenFile(access, refresh string, expires time.Time) string {
	return fmt.Sprintf(`{
  "custom_first": {"keep": [1, 2, 3]},
  "access_token": %q,
  "refresh_token": %q,
  "token_type": "Bearer",
  "expires_at": %d,
  "email": "e2e@example.com",
  "type": "qwen",
  "zz_unknown_last": "stays"
}
`, access, refresh, expires.UnixMilli())
}

// A qwen token expiring in a few minutes is refreshed by the started daemon
// against a local token server: the rotated refresh token is on disk,
// unknown keys and their order survive, the mode stays 0600, a reader never
// sees a half-written file, and stop cleans up.
func TestDaemonRefreshesExpiringToken(t *testing.T) {
	srv := newQwenServer(t, "QWEN-RT-0-SECRETVALUE")
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, qwenFile("QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE", time.Now().Add(5*time.Minute)))
	before, _ := os.ReadFile(filepath.Join(h.auth, name))

	// A reader polls the file all along, as RouteCodex does on every request.
	var reads, bad atomic.Int64
	stopReader := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stopReader:
				return
			default:
			}
			data, err := os.ReadFile(filepath.Join(h.auth, name))
			reads.Add(1)
			if err != nil || !json.Valid(data) {
				bad.Add(1)
			}
		}
	}()

	r := h.mustRun("token-daemon", "start")
	if !strings.Contains(r.stdout, fmt.Sprint(h.pid())) {
		t.Fatalf("start did not print the PID %d: %q", h.pid(), r.stdout)
	}
	eventually(t, 15*time.Second, "the rotated refresh token on disk", func() bool {
		return h.readToken(name)["refresh_token"] == "QWEN-RT-1-SECRETVALUE"
	})
	close(stopReader)
	wg.Wait()
	if bad.Load() > 0 {
		t.Errorf("%d of %d reads saw a missing or invalid file", bad.Load(), reads.Load())
	}

	tok := h.readToken(name)
	if tok["access_token"] != "QWEN-AT-1-SECRETVALUE" || tok["resource_url"] != "https://portal.qwen.ai" {
		t.Errorf("merged file: access %v, resource_url %v", tok["access_token"], tok["resource_url"])
	}
	after, _ := os.ReadFile(filepath.Join(h.auth, name))
	oldKeys, newKeys := topLevelKeys(t, before), topLevelKeys(t, after)
	if !slices.Equal(newKeys[:len(oldKeys)], oldKeys) {
		t.Errorf("key order changed:\nbefore %v\nafter  %v", oldKeys, newKeys)
	}
	if tok["zz_unknown_last"] != "stays" || tok["custom_first"] == nil {
		t.Errorf("unknown keys lost: %v", tok)
	}
	st, _ := os.Stat(filepath.Join(h.auth, name))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}

	// The rename is visible before tokenfile.Write returns, and the daemon
	// records the write (lastRefreshAt, status out of "refreshing") only
	// then: the status is waited for, not read at the instant the file
	// changed.
	var status statusJSON
	eventually(t, 15*time.Second, "status valid with lastRefreshAt", func() bool {
		status = h.status()
		s, _, last, ok := status.token(name)
		return ok && s == "valid" && last != nil
	})
	if !status.Daemon.Running || status.Daemon.PID != h.pid() || status.Daemon.AuthDir != h.auth {
		t.Errorf("status --json daemon = %+v", status.Daemon)
	}
	if n := srv.requestCount(); n != 1 {
		t.Errorf("%d token requests, want 1: the daemon refreshed its own write again", n)
	}

	h.mustRun("token-daemon", "stop")
	for _, f := range []string{h.socket(), filepath.Join(h.dir, "run", "token-daemon.pid")} {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s left behind after stop", f)
		}
	}
	if r := h.run("token-daemon", "status"); r.code != 3 {
		t.Errorf("status after stop: exit %d, want 3", r.code)
	}
	// The audit log has the refresh as a JSON line.
	audit, err := os.ReadFile(filepath.Join(h.dir, "logs", "token-audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	refreshed := false
	for _, line := range strings.Split(strings.TrimSpace(string(audit)), "\n") {
		var rec struct {
			File          string  `json:"file"`
			Status        string  `json:"status"`
			LastRefreshAt *string `json:"lastRefreshAt"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		refreshed = refreshed || (rec.File == name && rec.Status == "valid" && rec.LastRefreshAt != nil)
	}
	if !refreshed {
		t.Errorf("no audit line for the refresh of %s:\n%s", name, audit)
	}
	secrets := append(srv.issuedTokens(), "QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE")
	noSecretsInHome(t, h, secrets...)
	noSecrets(t, "the daemon log", h.logText(), secrets...)
	noSecrets(t, "the command output", r.stdout+r.stderr, secrets...)
}

// start twice says so; stop twice says so; both exit 0.
func TestStartStopAreIdempotent(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	h.mustRun("token-daemon", "start")
	pid := h.pid()
	r := h.mustRun("token-daemon", "start")
	if !strings.Contains(r.stdout, "already running") || !strings.Contains(r.stdout, fmt.Sprint(pid)) {
		t.Errorf("second start: %q", r.stdout)
	}
	h.mustRun("token-daemon", "stop")
	r = h.mustRun("token-daemon", "stop")
	if !strings.Contains(r.stdout, "not running") {
		t.Errorf("second stop: %q", r.stdout)
	}
}

// SIGKILL in the middle of a refresh storm leaves every file whole (old or
// new token), and a new start recovers the stale socket and pid file.
func TestKilledDaemonLeavesFilesValidAndRestarts(t *testing.T) {
	const n = 30
	var rts []string
	for i := 0; i < n; i++ {
		rts = append(rts, fmt.Sprintf("KILL-RT-%d-SECRETVALUE", i))
	}
	srv := newQwenServer(t, rts...)
	srv.delay = 100 * time.Millisecond
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"maxConcurrentRefreshes": 4})
	for i := 0; i < n; i++ {
		h.writeToken(fmt.Sprintf("qwen-oauth-%d.json", i+1), qwenFile("KILL-AT-SECRETVALUE", rts[i], time.Now().Add(2*time.Minute)))
	}
	h.mustRun("token-daemon", "start")
	pid := h.pid()
	eventually(t, 15*time.Second, "some refreshes written", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.seq >= 6
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the killed daemon to be gone", func() bool {
		return syscall.Kill(pid, 0) != nil
	})
	issued := srv.issuedTokens()
	for i := 0; i < n; i++ {
		tok := h.readToken(fmt.Sprintf("qwen-oauth-%d.json", i+1)) // fails on invalid JSON
		rt, _ := tok["refresh_token"].(string)
		if rt != rts[i] && !slices.Contains(issued, rt) {
			t.Errorf("file %d holds a refresh token nobody issued", i+1)
		}
	}
	if _, err := os.Stat(h.socket()); err != nil {
		t.Logf("socket already gone after SIGKILL: %v", err)
	}
	h.mustRun("token-daemon", "start")
	if st := h.status(); !st.Daemon.Running || st.Daemon.PID == pid {
		t.Fatalf("restart after SIGKILL: %+v", st.Daemon)
	}
	h.mustRun("token-daemon", "stop")
}

// start --foreground runs in the terminal; SIGTERM stops it cleanly.
func TestForegroundStopsOnSIGTERM(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	cmd := execBinary(h, "token-daemon", "start", "--foreground")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the socket to answer", func() bool {
		return h.run("token-daemon", "status").code == 0
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("foreground daemon after SIGTERM: %v", err)
	}
	if _, err := os.Stat(h.socket()); err == nil {
		t.Error("socket left behind")
	}
}

// External changes are picked up within a second: a new file appears in the
// status, a deleted one becomes missing.
func TestExternalChangesArePickedUp(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	h.writeToken("iflow-oauth-1-a.json", `{"access_token":"IFLOW-AT-SECRETVALUE","refresh_token":"IFLOW-RT-SECRETVALUE","expires_at":4102444800000,"type":"iflow"}`)
	h.mustRun("token-daemon", "start")
	h.writeToken("iflow-oauth-2-b.json", `{"access_token":"IFLOW-AT2-SECRETVALUE","refresh_token":"IFLOW-RT2-SECRETVALUE","expires_at":4102444800000,"type":"iflow"}`)
	eventually(t, 2*time.Second, "the new file in status", func() bool {
		s, _, _, ok := h.status().token("iflow-oauth-2-b.json")
		return ok && s == "valid"
	})
	if err := os.Remove(filepath.Join(h.auth, "iflow-oauth-1-a.json")); err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "the deleted file to be missing", func() bool {
		s, _, _, _ := h.status().token("iflow-oauth-1-a.json")
		return s == "missing"
	})
	h.mustRun("token-daemon", "stop")
}

// routecodex start --daemon runs the server command with the daemon beside
// it, keeps its exit code, and stops the daemon it started; it holds
// RouteCodex's leader file meanwhile.
func TestStartServerWithDaemon(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	leaderDir := filepath.Join(h.dir, "state", "token-manager")
	if err := os.MkdirAll(leaderDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The "server" checks that the daemon and the leader file are there,
	// then exits 7.
	script := fmt.Sprintf(`%s token-daemon status >/dev/null && test -f %s && exit 7`, binary, filepath.Join(leaderDir, "leader.json"))
	r := h.run("start", "--daemon", "--", "sh", "-c", script)
	if r.code != 7 {
		t.Fatalf("exit %d, want the server's 7\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if h.run("token-daemon", "status").code != 3 {
		t.Error("the daemon started by `start --daemon` is still running")
	}
	if _, err := os.Stat(filepath.Join(leaderDir, "leader.json")); err == nil {
		t.Error("leader file left behind")
	}
}

// With no desktop session bus, `tray` says so in one sentence and exits 1
// instead of crashing; `start` does not try to launch it.
func TestTrayWithoutSessionBus(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"tray": "on"})
	r := h.run("token-daemon", "tray")
	if r.code != 1 || !strings.Contains(r.stderr, "session bus") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("tray without a bus: exit %d, stderr %q", r.code, r.stderr)
	}
	r = h.mustRun("token-daemon", "start")
	if !strings.Contains(r.stderr, "session bus") {
		t.Errorf("start with tray=on and no bus should say the tray was not started: %q", r.stderr)
	}
	h.mustRun("token-daemon", "stop")
}

// `refresh` without a daemon does the work in its own process and says so;
// it prints each outcome and exits 1 when one failed; names resolve by
// file, alias or email, and an ambiguous name lists the candidates.
func TestRefreshWithoutDaemon(t *testing.T) {
	srv := newQwenServer(t, "RT-A-SECRETVALUE")
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	later := time.Now().Add(48 * time.Hour)
	h.writeToken("qwen-oauth-1-work.json", qwenFile("AT-A-SECRETVALUE", "RT-A-SECRETVALUE", later))
	h.writeToken("qwen-oauth-2-work.json", qwenFile("AT-B-SECRETVALUE", "RT-B-SECRETVALUE", later))

	r := h.run("token-daemon", "refresh", "work")
	if r.code != 1 || !strings.Contains(r.stderr, "qwen-oauth-1-work.json") || !strings.Contains(r.stderr, "qwen-oauth-2-work.json") {
		t.Errorf("ambiguous alias: exit %d, stderr %q", r.code, r.stderr)
	}
	r = h.run("token-daemon", "refresh", "qwen-oauth-1-work")
	if r.code != 0 || !strings.Contains(r.stderr, "in this process") || !strings.Contains(r.stdout, "qwen-oauth-1-work.json: refreshed") {
		t.Fatalf("refresh: exit %d\nstdout %q\nstderr %q", r.code, r.stdout, r.stderr)
	}
	if h.readToken("qwen-oauth-1-work.json")["refresh_token"] != "QWEN-RT-1-SECRETVALUE" {
		t.Error("the rotated refresh token is not on disk")
	}
	// The server knows no RT-B: invalid_grant, a permanent failure.
	r = h.run("token-daemon", "refresh", "qwen-oauth-2-work.json")
	if r.code != 1 || !strings.Contains(r.stdout, "qwen-oauth-2-work.json") {
		t.Errorf("failed refresh: exit %d, stdout %q", r.code, r.stdout)
	}
	noSecrets(t, "the refresh output", r.stdout+r.stderr, "RT-B-SECRETVALUE", "AT-B-SECRETVALUE")
	noSecretsInHome(t, h, append(srv.issuedTokens(), "RT-A-SECRETVALUE", "RT-B-SECRETVALUE")...)
}

// A huge file is listed as invalid without being read whole, and files that
// flicker in and out of existence do not bring the daemon down.
func TestDaemonSurvivesHugeAndVanishingFiles(t *testing.T) {
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	h.mustRun("token-daemon", "start")
	pid := h.pid()

	huge := append([]byte(`{"access_token":"`), bytes.Repeat([]byte("x"), 3<<20)...)
	huge = append(huge, `"}`...)
	if err := os.WriteFile(filepath.Join(h.auth, "qwen-oauth-7-huge.json"), huge, 0o600); err != nil {
		t.Fatal(err)
	}
	flicker := filepath.Join(h.auth, "qwen-oauth-8-flicker.json")
	for i := 0; i < 100; i++ {
		if err := os.WriteFile(flicker, []byte(fmt.Sprintf(`{"access_token":"F%d","expires_at":4102444800000}`, i)), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(flicker); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "the huge file listed as too large", func() bool {
		_, reason, _, ok := h.status().token("qwen-oauth-7-huge.json")
		return ok && strings.Contains(reason, "too large")
	})
	st := h.status()
	if !st.Daemon.Running || st.Daemon.PID != pid {
		t.Fatalf("daemon after huge and vanishing files: %+v", st.Daemon)
	}
	if s, _, _, ok := st.token("qwen-oauth-8-flicker.json"); ok && s != "missing" {
		t.Errorf("the vanished file is %q, want missing or absent", s)
	}
	h.mustRun("token-daemon", "stop")
}

//go:build linux

package e2e

import (
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/dbustest"
)

// A refresh token the provider rejects (invalid_grant) makes the daemon
// notify over the desktop bus at once, with the plan's text and actions;
// clicking "open" opens the token's auth page in the browser.
func TestNeedsReauthNotificationOpensAuthPage(t *testing.T) {
	bus := dbustest.StartBus(t)
	desktop := dbustest.StartNotifications(t, bus)

	// A fake browser that records what it is asked to open.
	bin := t.TempDir()
	opened := filepath.Join(bin, "opened")
	// It also prints its argument, as a failing xdg-open does: that must
	// reach no log.
	script := "#!/bin/sh\nprintf '%s\\n' \"$1\" >> " + opened + "\necho \"OPENER-STDERR $1\" >&2\necho \"OPENER-STDOUT $1\"\n"
	if err := os.WriteFile(filepath.Join(bin, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	srv := newQwenServer(t) // accepts no refresh token: invalid_grant
	h := newHome(t)
	h.extraEnv = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus, "PATH=" + bin + ":" + os.Getenv("PATH")}
	// No tray: with a session bus, start would launch one, and it would
	// outlive the test (a tray waits for its daemon to come back).
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off"})
	name := "qwen-oauth-1-revoked.json"
	h.writeToken(name, qwenFile("REVOKED-AT-SECRETVALUE", "REVOKED-RT-SECRETVALUE", time.Now().Add(5*time.Minute)))
	h.mustRun("token-daemon", "start")

	n := desktop.WaitFor(t, name)
	if n.Summary != "🌙 Routecodex Token Notification" || !strings.Contains(n.Body, "re-authentication") {
		t.Errorf("notification summary %q body %q", n.Summary, n.Body)
	}
	if !hasAction(n.Actions, "open") || !hasAction(n.Actions, "details") || !hasAction(n.Actions, "cancel") {
		t.Errorf("actions %v, want open, details, cancel", n.Actions)
	}
	if s, _, _, _ := h.status().token(name); s != "needs_reauth" {
		t.Errorf("status %q, want needs_reauth", s)
	}

	desktop.Invoke(t, n.ID, "open")
	var url string
	eventually(t, 5*time.Second, "the browser to be asked to open the auth page", func() bool {
		b, _ := os.ReadFile(opened)
		url = strings.TrimSpace(string(b))
		return url != ""
	})
	// The browser gets a private redirect page, never the secret on its
	// command line (DESIGN.md section 10); the page forwards to the auth
	// page with the secret.
	if !strings.HasPrefix(url, "file://"+filepath.Join(h.dir, "run")+"/") || strings.Contains(url, "?k=") {
		t.Fatalf("opened %q, want a redirect page in the run dir", url)
	}
	redirect, err := os.ReadFile(strings.TrimPrefix(url, "file://"))
	if err != nil {
		t.Fatal(err)
	}
	m := metaRefresh.FindStringSubmatch(string(redirect))
	if m == nil {
		t.Fatal("the redirect page forwards nowhere")
	}
	url = strings.ReplaceAll(m[1], "&amp;", "&")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(url, "/auth/"+name+"?k=") {
		t.Fatalf("the page forwards to another page than the auth page of %s", name)
	}
	jar, _ := cookiejar.New(nil)
	page := get(t, &http.Client{Jar: jar, Timeout: 5 * time.Second}, url)
	if !strings.Contains(page, `id="login"`) || !strings.Contains(page, name) {
		t.Errorf("the opened page is not the auth page of %s", name)
	}
	if got := len(desktop.Received()); got != 1 {
		t.Errorf("%d notifications, want exactly 1 for one state change", got)
	}
	h.mustRun("token-daemon", "stop")
	noSecrets(t, "the daemon log", h.logText(), "REVOKED-AT-SECRETVALUE", "REVOKED-RT-SECRETVALUE")
	if strings.Contains(h.logText(), "OPENER-") {
		t.Error("the opener's output reached the daemon log")
	}
}

func hasAction(actions []string, key string) bool {
	for i := 0; i+1 < len(actions); i += 2 {
		if actions[i] == key {
			return true
		}
	}
	return false
}

// With a desktop session bus, a tray host and tray "auto", start launches
// the tray beside the daemon (one per home: its pid file is locked), and
// stop ends it too.
func TestStartLaunchesTrayOnADesktop(t *testing.T) {
	bus := dbustest.StartBus(t)
	host := dbustest.StartTrayHost(t, bus)
	srv := newQwenServer(t)
	h := newHome(t)
	h.extraEnv = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}})
	trayPID := filepath.Join(h.dir, "run", "tray.pid")
	t.Cleanup(func() {
		if b, err := os.ReadFile(trayPID); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				_ = syscall.Kill(pid, syscall.SIGTERM)
			}
		}
	})
	h.mustRun("token-daemon", "start")
	eventually(t, 10*time.Second, "the tray to hold its pid file", func() bool {
		b, err := os.ReadFile(trayPID)
		return err == nil && len(strings.TrimSpace(string(b))) > 0
	})
	// A second tray for the same home says so and leaves.
	r := h.mustRun("token-daemon", "tray")
	if !strings.Contains(r.stdout, "already running") {
		t.Errorf("second tray: %q", r.stdout)
	}
	host.WaitForItem(t, 10*time.Second)
	h.mustRun("token-daemon", "stop")
	// The tray went with the daemon: nobody holds its pid file any more.
	if trayRunning(t, trayPID) {
		t.Error("the tray outlived token-daemon stop")
	}
}

// trayRunning reports whether a process holds the tray's pid file lock.
func trayRunning(t *testing.T, path string) bool {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// A session bus without a tray host (a server, a desktop without a
// StatusNotifierWatcher): start does not launch a tray that nobody could
// show, and with tray "on" says why in one sentence.
func TestStartWithoutTrayHostLaunchesNoTray(t *testing.T) {
	bus := dbustest.StartBus(t)
	srv := newQwenServer(t)
	h := newHome(t)
	h.extraEnv = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "on"})
	r := h.mustRun("token-daemon", "start")
	if !strings.Contains(r.stderr, "no tray host (StatusNotifierWatcher)") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("start stderr %q, want one sentence about the missing tray host", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "run", "tray.pid")); err == nil {
		t.Error("a tray was launched without a tray host")
	}
	h.mustRun("token-daemon", "stop")
	if strings.Contains(h.logText(), "systray error") {
		t.Errorf("raw library errors in the log:\n%s", h.logText())
	}
}

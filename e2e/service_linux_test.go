//go:build linux

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeSystemctl is a recording stand-in for `systemctl --user`: it logs
// every call, answers show-environment, and plays the user manager for our
// unit: start and enable --now run the unit's daemon in the foreground (as
// systemd would), stop and disable --now send it SIGTERM.
const fakeSystemctl = `#!/bin/sh
printf '%s\n' "$*" >> "$RC_SYSTEMCTL_LOG"
[ "$1" = "--user" ] || exit 1
case "$*" in
  *" show-environment") exit 0 ;;
  *" is-active --quiet routecodex-token-daemon.service")
    [ -e "$RC_SYSTEMCTL_LOG.active" ]; exit $? ;;
  *" start routecodex-token-daemon.service"|*" enable --now routecodex-token-daemon.service")
    [ -e "$RC_SYSTEMCTL_LOG.active" ] && exit 0
    touch "$RC_SYSTEMCTL_LOG.active"
    setsid "$RC_BIN" token-daemon start --foreground </dev/null >/dev/null 2>&1 &
    exit 0 ;;
  *" stop routecodex-token-daemon.service"|*" disable --now routecodex-token-daemon.service")
    rm -f "$RC_SYSTEMCTL_LOG.active"
    pid=$(cat "$ROUTECODEX_HOME/run/token-daemon.pid" 2>/dev/null)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    exit 0 ;;
esac
exit 0
`

func unitPath(h *home) string {
	return filepath.Join(h.user, ".config", "systemd", "user", "routecodex-token-daemon.service")
}

// install, start, stop and uninstall with the service manager: nothing
// touches the real user's systemd (the HOME is temporary, systemctl is a
// recording fake).
func TestServiceInstallWithUserManager(t *testing.T) {
	h := newHome(t)
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "systemctl"), []byte(fakeSystemctl), 0o755); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(bin, "calls")
	h.extraEnv = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "RC_BIN=" + binary, "RC_SYSTEMCTL_LOG=" + calls}
	h.writeConfig("http://127.0.0.1:1", map[string]any{"tray": "off"})

	r := h.mustRun("token-daemon", "install")
	unit := unitPath(h)
	mustContain(t, "install", r.stdout,
		"Wrote "+unit+" (systemd user service).",
		"Ran: systemctl --user daemon-reload",
		"Ran: systemctl --user enable routecodex-token-daemon.service",
		"It starts at every login")
	first, err := os.ReadFile(unit)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "the unit", string(first),
		`ExecStart="`+binary+`" "token-daemon" "start" "--foreground"`+"\n",
		`Environment="ROUTECODEX_HOME=`+h.dir+`"`,
		"Restart=on-failure", "WantedBy=default.target", "DBUS_SESSION_BUS_ADDRESS=unix:path=%t/bus")
	if analyze, err := exec.LookPath("systemd-analyze"); err == nil {
		cmd := exec.Command(analyze, "--user", "verify", unit)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + h.user, "XDG_RUNTIME_DIR=" + t.TempDir()}
		if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("systemd-analyze verify: %v\n%s", err, out)
		}
	} else if os.Getenv("CI") == "true" {
		t.Error("systemd-analyze missing in CI")
	}

	r = h.mustRun("token-daemon", "install")
	mustContain(t, "a second install", r.stdout, unit+" is installed already, unchanged.")
	if again, _ := os.ReadFile(unit); !bytes.Equal(again, first) {
		t.Error("a second install changed the unit")
	}

	// A daemon started beside the service (its manager was away) is
	// handed over to the service by install --now.
	withManager := h.extraEnv
	h.extraEnv = []string{"PATH=" + t.TempDir()}
	r = h.mustRun("token-daemon", "start")
	mustContain(t, "start without the manager", r.stdout, "token daemon started (PID ")
	outside := h.pid()
	h.extraEnv = withManager

	r = h.mustRun("token-daemon", "install", "--now")
	mustContain(t, "install --now", r.stdout,
		"Stopped the token daemon that ran outside the service (PID "+strconv.Itoa(outside)+")",
		"Ran: systemctl --user enable --now routecodex-token-daemon.service", "The service runs the token daemon now (PID ")
	pid := h.pid()
	if pid == 0 || pid == outside {
		t.Fatalf("daemon PID %d after install --now (outside one was %d)", pid, outside)
	}
	// Again: the service's daemon is left alone.
	r = h.mustRun("token-daemon", "install", "--now")
	if strings.Contains(r.stdout, "Stopped the token daemon") || h.pid() != pid {
		t.Errorf("a second install --now replaced the service's daemon:\n%s", r.stdout)
	}

	r = h.mustRun("token-daemon", "start")
	mustContain(t, "start with the service running", r.stdout, "already running (PID "+strconv.Itoa(pid)+"); the systemd user service is installed.")

	r = h.mustRun("token-daemon", "stop")
	mustContain(t, "stop", r.stdout,
		"Ran: systemctl --user stop routecodex-token-daemon.service",
		"stopped through the systemd user service",
		"to keep it off: systemctl --user disable --now routecodex-token-daemon.service")
	if c := h.run("token-daemon", "status").code; c != 3 {
		t.Errorf("status exit %d after stop, want 3 (not running)", c)
	}

	r = h.mustRun("token-daemon", "start")
	mustContain(t, "start through the service", r.stdout, "Ran: systemctl --user start routecodex-token-daemon.service", "started through the systemd user service (PID ")

	r = h.mustRun("token-daemon", "uninstall")
	mustContain(t, "uninstall", r.stdout,
		"Ran: systemctl --user disable --now routecodex-token-daemon.service",
		"Ran: systemctl --user daemon-reload",
		"Removed "+unit)
	if _, err := os.Stat(unit); !os.IsNotExist(err) {
		t.Error("uninstall left the unit")
	}
	eventually(t, 20*time.Second, "the daemon to stop after uninstall", func() bool { return h.run("token-daemon", "status").code == 3 })
	r = h.mustRun("token-daemon", "uninstall")
	mustContain(t, "a second uninstall", r.stdout, "No user service is installed")

	log, _ := os.ReadFile(calls)
	for _, l := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		if !strings.HasPrefix(l, "--user ") {
			t.Errorf("systemctl called without --user: %q", l)
		}
	}
}

// Without a user service manager (no systemctl at all), install writes the
// unit and prints it with the commands to run; start and stop work as
// before and say that the service is installed.
func TestServiceInstallWithoutUserManager(t *testing.T) {
	h := newHome(t)
	h.extraEnv = []string{"PATH=" + t.TempDir()} // nothing to run
	h.writeConfig("http://127.0.0.1:1", map[string]any{"tray": "off"})

	r := h.mustRun("--config", filepath.Join(h.dir, "config.json"), "token-daemon", "install", "--now")
	unit := unitPath(h)
	mustContain(t, "install --now", r.stdout,
		"Wrote "+unit,
		"No user service manager answers (systemctl --user show-environment: exec: \"systemctl\": executable file not found in $PATH).",
		unit+":\n    # Written by `routecodex token-daemon install`",
		`"--config" "`+filepath.Join(h.dir, "config.json")+`"`,
		"To enable it, run:\n  systemctl --user daemon-reload\n  systemctl --user enable --now routecodex-token-daemon.service\n")
	if _, err := os.Stat(unit); err != nil {
		t.Fatal(err)
	}

	r = h.mustRun("--config", filepath.Join(h.dir, "config.json"), "token-daemon", "start")
	mustContain(t, "start", r.stderr, "The systemd user service is installed, but no user service manager answers")
	mustContain(t, "start", r.stdout, "token daemon started (PID ")
	r = h.mustRun("token-daemon", "stop")
	mustContain(t, "stop", r.stdout, "token daemon stopped", "The systemd user service is installed: it starts the daemon again at your next login")

	r = h.mustRun("token-daemon", "uninstall")
	mustContain(t, "uninstall", r.stdout, "Removed "+unit, "No user service manager answers", "  systemctl --user disable --now routecodex-token-daemon.service")
	if _, err := os.Stat(unit); !os.IsNotExist(err) {
		t.Error("uninstall left the unit")
	}
}

package install

import (
	"path/filepath"
	"strings"
)

// systemdUnit is the user unit. The session bus address is the user
// manager's runtime dir (%t/bus): the bus of the login session, stable
// across logins, where desktop notifications go.
func systemdUnit(s Spec) []byte {
	var b strings.Builder
	b.WriteString("# Written by `routecodex token-daemon install`; `routecodex token-daemon uninstall` removes it.\n")
	b.WriteString("[Unit]\n")
	b.WriteString("Description=RouteCodex token daemon (keeps OAuth token files fresh)\n")
	b.WriteString("\n[Service]\n")
	b.WriteString("Type=simple\n")
	args := make([]string, 0, 1+len(s.Args))
	for _, a := range append([]string{s.Exe}, s.Args...) {
		args = append(args, systemdQuote(a, true))
	}
	b.WriteString("ExecStart=" + strings.Join(args, " ") + "\n")
	for _, e := range s.Env {
		b.WriteString("Environment=" + systemdQuote(e.Name+"="+e.Value, false) + "\n")
	}
	b.WriteString("Environment=DBUS_SESSION_BUS_ADDRESS=unix:path=%t/bus\n")
	b.WriteString("Restart=on-failure\n")
	b.WriteString("RestartSec=5s\n")
	// The daemon finishes in-flight refreshes on SIGTERM within 30 s.
	b.WriteString("TimeoutStopSec=40s\n")
	b.WriteString("\n[Install]\n")
	b.WriteString("WantedBy=default.target\n")
	return []byte(b.String())
}

// systemdQuote quotes one word of a unit: C-style escapes inside double
// quotes, "%" doubled (specifiers) and, in a command line, "$" doubled
// (variable expansion).
func systemdQuote(s string, command bool) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%")
	s = r.Replace(s)
	if command {
		s = strings.ReplaceAll(s, "$", "$$")
	}
	return `"` + s + `"`
}

func systemdService(s Spec) *Service {
	unit := UnitName
	sc := func(args ...string) Cmd { return Cmd{Args: append([]string{"systemctl", "--user"}, args...)} }
	return &Service{
		Manager:   "systemd",
		Path:      filepath.Join(s.UserHome, ".config", "systemd", "user", unit),
		Content:   systemdUnit(s),
		Marker:    []byte(systemdQuote(EnvHome+"="+s.Home, false)),
		Probe:     sc("show-environment"),
		Enable:    []Cmd{sc("daemon-reload"), sc("enable", unit)},
		EnableNow: []Cmd{sc("daemon-reload"), sc("enable", "--now", unit)},
		// A unit changed while it runs takes effect on a restart.
		Reload:      []Cmd{sc("try-restart", unit)},
		Active:      sc("is-active", "--quiet", unit),
		Start:       []Cmd{sc("start", unit)},
		Stop:        []Cmd{sc("stop", unit)},
		Remove:      []Cmd{sc("disable", "--now", unit)},
		AfterRemove: []Cmd{sc("daemon-reload")},
		StopHint:    "systemctl --user disable --now " + unit,
	}
}

// Package install runs the token daemon as a user service (DESIGN.md
// section 14): a systemd user unit on Linux, a LaunchAgent on macOS and a
// logon task of the Task Scheduler on Windows, written from small
// templates of our own. Every template runs `<absolute binary>
// token-daemon start --foreground` (a service manager wants the process
// it started, not a detached child), restarts it when it fails, and keeps
// the home and config the user installed with.
//
// The templates are plain functions of a Spec, so every OS's file is
// generated and tested on any OS; only the commands run need the OS's
// service manager.
package install

import (
	"errors"
	"fmt"
	"strings"
)

// Names of the service, the same for every home of one user.
const (
	UnitName = "routecodex-token-daemon.service" // systemd
	Label    = "com.routecodex.token-daemon"     // launchd
	TaskName = "RouteCodex Token Daemon"         // Task Scheduler
)

// EnvVar is one environment variable of the service.
type EnvVar struct{ Name, Value string }

// Spec is what the service runs and where.
type Spec struct {
	// Exe is the absolute path of the routecodex binary.
	Exe string
	// Args follow Exe: "token-daemon start --foreground" and the global
	// flags given at install (--config, --lang).
	Args []string
	// Env are the variables the service sets (ROUTECODEX_HOME first).
	Env []EnvVar
	// Home is the routecodex home the service runs for (ROUTECODEX_HOME).
	Home string
	// UserHome is the user's home, where the unit files go.
	UserHome string
	// LogFile takes launchd's stdout and stderr (a panic, or a line
	// printed before the daemon log is open).
	LogFile string
	// UID is the user's id, for launchctl's gui/<uid> domain.
	UID int
	// User is the account of the Windows logon trigger (DOMAIN\name).
	User string
}

// check rejects what no template can hold: a relative binary, or a
// newline (it would end a unit line).
func (s Spec) check() error {
	if !isAbs(s.Exe) {
		return fmt.Errorf("the binary path %q is not absolute", s.Exe)
	}
	all := append([]string{s.Exe, s.Home, s.UserHome, s.LogFile, s.User}, s.Args...)
	for _, e := range s.Env {
		all = append(all, e.Name, e.Value)
	}
	for _, v := range all {
		if strings.ContainsAny(v, "\r\n\x00") {
			return errors.New("a path or argument of the service holds a line break")
		}
	}
	return nil
}

// isAbs accepts Unix and Windows absolute paths whatever the OS of the
// caller, since every template is generated on every OS in tests.
func isAbs(p string) bool {
	if strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}

package install

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
	"strconv"
	"strings"
)

// launchAgent is the LaunchAgent plist. KeepAlive restarts the daemon
// when it fails (SuccessfulExit false), like systemd's on-failure: a
// daemon that exits 0 because another one already runs is not restarted
// in a loop.
func launchAgent(s Spec) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	key := func(k string) { b.WriteString("\t<key>" + esc(k) + "</key>\n") }
	str := func(indent, v string) { b.WriteString(indent + "<string>" + esc(v) + "</string>\n") }
	key("Label")
	str("\t", Label)
	key("ProgramArguments")
	b.WriteString("\t<array>\n")
	for _, a := range append([]string{s.Exe}, s.Args...) {
		str("\t\t", a)
	}
	b.WriteString("\t</array>\n")
	key("EnvironmentVariables")
	b.WriteString("\t<dict>\n")
	for _, e := range s.Env {
		b.WriteString("\t\t<key>" + esc(e.Name) + "</key>\n")
		str("\t\t", e.Value)
	}
	b.WriteString("\t</dict>\n")
	key("RunAtLoad")
	b.WriteString("\t<true/>\n")
	key("KeepAlive")
	b.WriteString("\t<dict>\n\t\t<key>SuccessfulExit</key>\n\t\t<false/>\n\t</dict>\n")
	key("ThrottleInterval")
	b.WriteString("\t<integer>10</integer>\n")
	key("ProcessType")
	str("\t", "Background")
	key("StandardOutPath")
	str("\t", s.LogFile)
	key("StandardErrorPath")
	str("\t", s.LogFile)
	b.WriteString("</dict>\n</plist>\n")
	return []byte(b.String())
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func launchdService(s Spec) *Service {
	path := filepath.Join(s.UserHome, "Library", "LaunchAgents", Label+".plist")
	domain := "gui/" + strconv.Itoa(s.UID)
	lc := func(mayFail bool, args ...string) Cmd {
		return Cmd{Args: append([]string{"launchctl"}, args...), MayFail: mayFail}
	}
	return &Service{
		Manager: "launchd",
		Path:    path,
		Content: launchAgent(s),
		Marker:  []byte("<key>" + EnvHome + "</key>\n\t\t<string>" + esc(s.Home) + "</string>"),
		Probe:   lc(false, "print", domain),
		// Agents in ~/Library/LaunchAgents are loaded at every login.
		Enable: nil,
		// bootout first so that a changed plist is the one loaded; it
		// fails when the agent is not loaded, which is fine.
		// enable undoes a `launchctl disable` (StopHint) of the user's.
		EnableNow: []Cmd{lc(true, "bootout", domain+"/"+Label), lc(true, "enable", domain+"/"+Label), lc(false, "bootstrap", domain, path)},
		Start:     []Cmd{lc(true, "enable", domain+"/"+Label), lc(true, "bootstrap", domain, path), lc(false, "kickstart", domain+"/"+Label)},
		Active:    lc(false, "print", domain+"/"+Label), // loaded: RunAtLoad keeps it running
		Stop:      []Cmd{lc(false, "bootout", domain+"/"+Label)},
		Remove:    []Cmd{lc(true, "bootout", domain+"/"+Label)},
		StopHint:  "launchctl disable " + domain + "/" + Label,
	}
}

package install

import (
	"encoding/binary"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// TaskNamespace is the Task Scheduler's XML namespace (schema 1.2).
const TaskNamespace = "http://schemas.microsoft.com/windows/2004/02/mit/task"

// windowsTaskXML is the logon task as UTF-8 text. The Task Scheduler has
// no environment for an action, so the home travels as the hidden
// `--home` flag of start; other variables are not kept on Windows.
func windowsTaskXML(s Spec) string {
	args := make([]string, 0, len(s.Args)+2)
	for _, a := range append(append([]string(nil), s.Args...), "--home", s.Home) {
		args = append(args, winQuote(a))
	}
	var b strings.Builder
	w := func(indent int, line string) { b.WriteString(strings.Repeat("  ", indent) + line + "\n") }
	w(0, `<?xml version="1.0" encoding="UTF-16"?>`)
	w(0, `<Task version="1.2" xmlns="`+TaskNamespace+`">`)
	w(1, "<RegistrationInfo>")
	w(2, "<Description>RouteCodex token daemon (keeps OAuth token files fresh). Written by routecodex token-daemon install.</Description>")
	w(2, `<URI>\`+esc(TaskName)+"</URI>")
	w(1, "</RegistrationInfo>")
	w(1, "<Triggers>")
	w(2, "<LogonTrigger>")
	w(3, "<Enabled>true</Enabled>")
	w(3, "<UserId>"+esc(s.User)+"</UserId>")
	w(2, "</LogonTrigger>")
	w(1, "</Triggers>")
	w(1, "<Principals>")
	w(2, `<Principal id="Author">`)
	w(3, "<UserId>"+esc(s.User)+"</UserId>")
	// Interactive: the daemon runs in the user's session, where its
	// toasts can be seen; least privilege: it needs no admin rights.
	w(3, "<LogonType>InteractiveToken</LogonType>")
	w(3, "<RunLevel>LeastPrivilege</RunLevel>")
	w(2, "</Principal>")
	w(1, "</Principals>")
	w(1, "<Settings>")
	w(2, "<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>")
	w(2, "<DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>")
	w(2, "<StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>")
	w(2, "<AllowHardTerminate>true</AllowHardTerminate>")
	w(2, "<StartWhenAvailable>true</StartWhenAvailable>")
	w(2, "<RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>")
	w(2, "<IdleSettings>")
	w(3, "<StopOnIdleEnd>false</StopOnIdleEnd>")
	w(3, "<RestartOnIdle>false</RestartOnIdle>")
	w(2, "</IdleSettings>")
	w(2, "<AllowStartOnDemand>true</AllowStartOnDemand>")
	w(2, "<Enabled>true</Enabled>")
	w(2, "<Hidden>false</Hidden>")
	w(2, "<RunOnlyIfIdle>false</RunOnlyIfIdle>")
	w(2, "<WakeToRun>false</WakeToRun>")
	// No time limit: the default (72 h) would end a daemon.
	w(2, "<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>")
	w(2, "<Priority>7</Priority>")
	// The Task Scheduler's "restart on failure": every minute, 999 times
	// at most (the schema's maximum).
	w(2, "<RestartOnFailure>")
	w(3, "<Interval>PT1M</Interval>")
	w(3, "<Count>999</Count>")
	w(2, "</RestartOnFailure>")
	w(1, "</Settings>")
	w(1, `<Actions Context="Author">`)
	w(2, "<Exec>")
	w(3, "<Command>"+esc(s.Exe)+"</Command>")
	w(3, "<Arguments>"+esc(strings.Join(args, " "))+"</Arguments>")
	w(2, "</Exec>")
	w(1, "</Actions>")
	w(0, "</Task>")
	return strings.ReplaceAll(b.String(), "\n", "\r\n")
}

// utf16LE encodes s as UTF-16 little endian with a byte order mark, the
// encoding the Task Scheduler's own exports use and schtasks /XML reads.
func utf16LE(s string) []byte {
	units := utf16.Encode([]rune(s))
	out := make([]byte, 2, 2+2*len(units))
	out[0], out[1] = 0xFF, 0xFE
	for _, u := range units {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// DecodeUTF16LE is the inverse of the task file's encoding (for tests and
// for showing the task).
func DecodeUTF16LE(b []byte) string {
	if len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE {
		b = b[2:]
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return string(utf16.Decode(units))
}

// winQuote quotes one argument of a Windows command line as
// CommandLineToArgvW reads it back.
func winQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for _, c := range s {
		switch c {
		case '\\':
			slashes++
			continue
		case '"':
			b.WriteString(strings.Repeat(`\`, 2*slashes+1))
		default:
			b.WriteString(strings.Repeat(`\`, slashes))
		}
		slashes = 0
		b.WriteRune(c)
	}
	b.WriteString(strings.Repeat(`\`, 2*slashes))
	b.WriteByte('"')
	return b.String()
}

func windowsService(s Spec) *Service {
	// Task Scheduler keeps its own copy; ours is what install compares
	// and what schtasks /Create reads.
	path := filepath.Join(s.UserHome, "AppData", "Local", "RouteCodex", "routecodex-token-daemon-task.xml")
	st := func(mayFail bool, args ...string) Cmd {
		return Cmd{Args: append([]string{"schtasks"}, args...), MayFail: mayFail}
	}
	text := windowsTaskXML(s)
	return &Service{
		Manager:   "Task Scheduler",
		Path:      path,
		Content:   utf16LE(text),
		Text:      text,
		Marker:    utf16LE("--home " + esc(winQuote(s.Home)) + "</Arguments>")[2:],
		Probe:     st(false, "/Query", "/FO", "CSV", "/NH"),
		Enable:    []Cmd{st(false, "/Create", "/TN", TaskName, "/XML", path, "/F")},
		EnableNow: []Cmd{st(false, "/Create", "/TN", TaskName, "/XML", path, "/F"), st(false, "/Run", "/TN", TaskName)},
		// /Enable undoes a /Disable (StopHint) of the user's.
		Start:    []Cmd{st(true, "/Change", "/TN", TaskName, "/Enable"), st(false, "/Run", "/TN", TaskName)},
		Stop:     []Cmd{st(false, "/End", "/TN", TaskName)},
		Remove:   []Cmd{st(true, "/End", "/TN", TaskName), st(true, "/Delete", "/TN", TaskName, "/F")},
		StopHint: `schtasks /Change /TN "` + TaskName + `" /Disable`,
	}
}

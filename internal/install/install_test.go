package install

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fakeRunner records commands; fail makes the commands whose joined args
// start with a prefix fail.
type fakeRunner struct {
	ran  []string
	fail map[string]bool
}

func (f *fakeRunner) Run(_ context.Context, args []string) ([]byte, error) {
	line := strings.Join(args, " ")
	f.ran = append(f.ran, line)
	for p := range f.fail {
		if strings.HasPrefix(line, p) {
			return []byte("Failed to connect to bus: No medium found\nmore"), errors.New("exit status 1")
		}
	}
	return nil, nil
}

// testSpec has the awkward characters a real path may hold: spaces, %,
// $, quotes, & and <.
func testSpec(t *testing.T) Spec {
	t.Helper()
	user := t.TempDir()
	bin := filepath.Join(user, "my bin", "routecodex")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(user, `rc home & <%d $HOME "q">`)
	return Spec{
		Exe:      bin,
		Args:     []string{"token-daemon", "start", "--foreground", "--config", filepath.Join(home, "my config.json"), "--lang", "zh"},
		Env:      []EnvVar{{EnvHome, home}, {"ROUTECODEX_AUTH_DIR", "/srv/auth 100%"}},
		Home:     home,
		UserHome: user,
		LogFile:  filepath.Join(home, "logs", "token-daemon.service.log"),
		UID:      501,
		User:     `DESKTOP-1\alice`,
	}
}

func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian package systemd)")
	}
	s := testSpec(t)
	svc, err := For("linux", s)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(s.UserHome, ".config", "systemd", "user", "routecodex-token-daemon.service"); svc.Path != want {
		t.Errorf("path %s, want %s", svc.Path, want)
	}
	if _, err := svc.Install(context.Background(), &fakeRunner{}, false); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "--user", "verify", svc.Path)
	runtime := t.TempDir()
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.UserHome, "XDG_RUNTIME_DIR=" + runtime, "XDG_CONFIG_HOME=" + filepath.Join(s.UserHome, ".config")}
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s\n--- unit:\n%s", err, out, svc.Content)
	}
	unit := string(svc.Content)
	for _, want := range []string{
		`ExecStart="` + s.Exe + `" "token-daemon" "start" "--foreground" "--config" `,
		`"--lang" "zh"`,
		"Restart=on-failure\n",
		"WantedBy=default.target\n",
		"Environment=DBUS_SESSION_BUS_ADDRESS=unix:path=%t/bus\n",
		`Environment="ROUTECODEX_AUTH_DIR=/srv/auth 100%%"`,
		`%%d $$HOME \"q\">/my config.json"`, // specifiers and variables escaped in ExecStart
		`Environment="ROUTECODEX_HOME=` + strings.ReplaceAll(strings.ReplaceAll(s.Home, "%", "%%"), `"`, `\"`) + `"`,
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
}

// A bad unit must fail the same check, or the test above proves nothing.
func TestSystemdAnalyzeCatchesABadUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian package systemd)")
	}
	s := testSpec(t)
	s.Exe = filepath.Join(s.UserHome, "no such binary")
	svc, _ := For("linux", s)
	if _, err := svc.Install(context.Background(), &fakeRunner{}, false); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(analyze, "--user", "verify", svc.Path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.UserHome, "XDG_RUNTIME_DIR=" + t.TempDir()}
	if out, err := cmd.CombinedOutput(); err == nil && len(bytes.TrimSpace(out)) == 0 {
		t.Fatal("systemd-analyze accepts a unit whose binary does not exist")
	}
}

// plistValue decodes one plist value: string, bool, int, []any or
// map[string]any.
func plistValue(t *testing.T, d *xml.Decoder, start xml.StartElement) any {
	t.Helper()
	switch start.Name.Local {
	case "string", "integer":
		var s string
		if err := d.DecodeElement(&s, &start); err != nil {
			t.Fatal(err)
		}
		if start.Name.Local == "integer" {
			n, err := strconv.Atoi(s)
			if err != nil {
				t.Fatalf("integer %q", s)
			}
			return n
		}
		return s
	case "true", "false":
		if err := d.Skip(); err != nil {
			t.Fatal(err)
		}
		return start.Name.Local == "true"
	case "array":
		var out []any
		for {
			tok, err := d.Token()
			if err != nil {
				t.Fatal(err)
			}
			switch el := tok.(type) {
			case xml.StartElement:
				out = append(out, plistValue(t, d, el))
			case xml.EndElement:
				return out
			}
		}
	case "dict":
		out := map[string]any{}
		var key string
		for {
			tok, err := d.Token()
			if err != nil {
				t.Fatal(err)
			}
			switch el := tok.(type) {
			case xml.StartElement:
				if el.Name.Local == "key" {
					if err := d.DecodeElement(&key, &el); err != nil {
						t.Fatal(err)
					}
					if _, dup := out[key]; dup {
						t.Fatalf("key %s twice", key)
					}
					continue
				}
				if key == "" {
					t.Fatalf("a %s without a key", el.Name.Local)
				}
				out[key] = plistValue(t, d, el)
				key = ""
			case xml.EndElement:
				return out
			}
		}
	}
	t.Fatalf("unknown plist element %s", start.Name.Local)
	return nil
}

func parsePlist(t *testing.T, data []byte) map[string]any {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			t.Fatal("no plist element")
		}
		if err != nil {
			t.Fatal(err)
		}
		if el, ok := tok.(xml.StartElement); ok {
			if el.Name.Local != "plist" {
				continue
			}
			for {
				tok, err := d.Token()
				if err != nil {
					t.Fatal(err)
				}
				if el, ok := tok.(xml.StartElement); ok {
					m, ok := plistValue(t, d, el).(map[string]any)
					if !ok {
						t.Fatal("the plist does not hold a dict")
					}
					return m
				}
			}
		}
	}
}

func TestLaunchAgentPlist(t *testing.T) {
	s := testSpec(t)
	svc, err := For("darwin", s)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(s.UserHome, "Library", "LaunchAgents", "com.routecodex.token-daemon.plist"); svc.Path != want {
		t.Errorf("path %s, want %s", svc.Path, want)
	}
	if !bytes.HasPrefix(svc.Content, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<!DOCTYPE plist")) {
		t.Errorf("no plist header:\n%s", svc.Content)
	}
	got := parsePlist(t, svc.Content)
	args := []any{s.Exe}
	for _, a := range s.Args {
		args = append(args, a)
	}
	want := map[string]any{
		"Label":                "com.routecodex.token-daemon",
		"ProgramArguments":     args, // start --foreground: no detaching under launchd
		"EnvironmentVariables": map[string]any{"ROUTECODEX_HOME": s.Home, "ROUTECODEX_AUTH_DIR": "/srv/auth 100%"},
		"RunAtLoad":            true,
		"KeepAlive":            map[string]any{"SuccessfulExit": false},
		"ThrottleInterval":     10,
		"ProcessType":          "Background",
		"StandardOutPath":      s.LogFile,
		"StandardErrorPath":    s.LogFile,
	}
	for k, v := range want {
		if !reflect.DeepEqual(got[k], v) {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s", k)
		}
	}
	r := &fakeRunner{}
	if _, err := svc.Install(context.Background(), r, true); err != nil {
		t.Fatal(err)
	}
	wantRan := []string{"launchctl print gui/501", "launchctl bootout gui/501/com.routecodex.token-daemon",
		"launchctl enable gui/501/com.routecodex.token-daemon", "launchctl bootstrap gui/501 " + svc.Path}
	if !slices.Equal(r.ran, wantRan) {
		t.Errorf("ran %q, want %q", r.ran, wantRan)
	}
}

// taskSchema is the shape of the Task Scheduler schema (v1.2) for the
// elements the task uses: each element's allowed children, and which of
// them are required.
var taskSchema = map[string]struct{ allowed, required []string }{
	"Task":             {[]string{"RegistrationInfo", "Triggers", "Principals", "Settings", "Actions", "Data"}, []string{"Actions"}},
	"RegistrationInfo": {[]string{"URI", "SecurityDescriptor", "Source", "Date", "Author", "Version", "Description", "Documentation"}, nil},
	"Triggers":         {[]string{"BootTrigger", "RegistrationTrigger", "IdleTrigger", "TimeTrigger", "EventTrigger", "LogonTrigger", "SessionStateChangeTrigger", "CalendarTrigger"}, nil},
	"LogonTrigger":     {[]string{"Enabled", "StartBoundary", "EndBoundary", "ExecutionTimeLimit", "Repetition", "Delay", "UserId"}, nil},
	"Principals":       {[]string{"Principal"}, []string{"Principal"}},
	"Principal":        {[]string{"UserId", "GroupId", "LogonType", "RunLevel", "DisplayName", "ProcessTokenSidType", "RequiredPrivileges"}, nil},
	"Settings": {[]string{"AllowStartOnDemand", "RestartOnFailure", "MultipleInstancesPolicy", "DisallowStartIfOnBatteries",
		"StopIfGoingOnBatteries", "AllowHardTerminate", "StartWhenAvailable", "NetworkProfileName", "RunOnlyIfNetworkAvailable",
		"WakeToRun", "Enabled", "Hidden", "DeleteExpiredTaskAfter", "IdleSettings", "NetworkSettings", "ExecutionTimeLimit",
		"Priority", "RunOnlyIfIdle", "UseUnifiedSchedulingEngine", "DisallowStartOnRemoteAppSession"}, nil},
	"IdleSettings":     {[]string{"Duration", "WaitTimeout", "StopOnIdleEnd", "RestartOnIdle"}, nil},
	"RestartOnFailure": {[]string{"Interval", "Count"}, []string{"Interval", "Count"}},
	"Actions":          {[]string{"Exec", "ComHandler", "SendEmail", "ShowMessage"}, nil},
	"Exec":             {[]string{"Command", "Arguments", "WorkingDirectory"}, []string{"Command"}},
}

var (
	booleans  = []string{"Enabled", "AllowStartOnDemand", "DisallowStartIfOnBatteries", "StopIfGoingOnBatteries", "AllowHardTerminate", "StartWhenAvailable", "RunOnlyIfNetworkAvailable", "WakeToRun", "Hidden", "RunOnlyIfIdle", "StopOnIdleEnd", "RestartOnIdle"}
	durations = []string{"ExecutionTimeLimit", "Interval", "Duration", "WaitTimeout", "Delay"}
	enums     = map[string][]string{
		"LogonType":               {"S4U", "Password", "InteractiveToken", "InteractiveTokenOrPassword", "ServiceAccount"},
		"RunLevel":                {"LeastPrivilege", "HighestAvailable"},
		"MultipleInstancesPolicy": {"Parallel", "Queue", "IgnoreNew", "StopExisting"},
	}
	isoDuration = regexp.MustCompile(`^P(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$`)
)

type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []node     `xml:",any"`
}

func (n node) child(name string) *node {
	for i := range n.Children {
		if n.Children[i].XMLName.Local == name {
			return &n.Children[i]
		}
	}
	return nil
}

func checkTaskNode(t *testing.T, n node, path string) {
	if n.XMLName.Space != TaskNamespace {
		t.Errorf("%s: namespace %q", path, n.XMLName.Space)
	}
	name := n.XMLName.Local
	text := strings.TrimSpace(n.Text)
	if slices.Contains(booleans, name) && text != "true" && text != "false" {
		t.Errorf("%s = %q, want true or false", path, text)
	}
	if slices.Contains(durations, name) && (!isoDuration.MatchString(text) || text == "P" || text == "PT") {
		t.Errorf("%s = %q, want an ISO 8601 duration", path, text)
	}
	if vals, ok := enums[name]; ok && !slices.Contains(vals, text) {
		t.Errorf("%s = %q, want one of %v", path, text, vals)
	}
	shape, ok := taskSchema[name]
	if !ok {
		if len(n.Children) > 0 {
			t.Errorf("%s: a simple element with children", path)
		}
		return
	}
	seen := map[string]bool{}
	for _, c := range n.Children {
		cn := c.XMLName.Local
		if !slices.Contains(shape.allowed, cn) {
			t.Errorf("%s: %s is not allowed here by the schema", path, cn)
		}
		if seen[cn] && name != "Triggers" && name != "Actions" {
			t.Errorf("%s: %s twice", path, cn)
		}
		seen[cn] = true
		checkTaskNode(t, c, path+"/"+cn)
	}
	for _, r := range shape.required {
		if !seen[r] {
			t.Errorf("%s: required %s missing", path, r)
		}
	}
}

// splitWindowsArgs reads a command line as CommandLineToArgvW does.
func splitWindowsArgs(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			n := 0
			for i < len(s) && s[i] == '\\' {
				n++
				i++
			}
			if i < len(s) && s[i] == '"' {
				cur.WriteString(strings.Repeat(`\`, n/2))
				if n%2 == 1 {
					cur.WriteByte('"')
				} else {
					inQuote = !inQuote
				}
			} else {
				cur.WriteString(strings.Repeat(`\`, n))
				i--
			}
			have = true
		case c == '"':
			inQuote, have = !inQuote, true
		case (c == ' ' || c == '\t') && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

func TestWindowsTaskSchemaShape(t *testing.T) {
	s := testSpec(t)
	s.Exe = `C:\Program Files\RouteCodex\routecodex.exe`
	s.Home = `C:\Users\alice\rc "home"\`
	svc, err := For("windows", s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(svc.Content, []byte{0xFF, 0xFE}) {
		t.Fatal("the task file is not UTF-16LE with a byte order mark")
	}
	text := DecodeUTF16LE(svc.Content)
	if text != svc.Display() || !strings.HasPrefix(text, `<?xml version="1.0" encoding="UTF-16"?>`) {
		t.Fatalf("declaration or text:\n%s", text)
	}
	var root node
	// encoding/xml reads UTF-8 only: the text is decoded above; the
	// declaration's encoding is accepted as is.
	d := xml.NewDecoder(strings.NewReader(text))
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := d.Decode(&root); err != nil {
		t.Fatal(err)
	}
	if root.XMLName.Local != "Task" {
		t.Fatalf("root %s", root.XMLName.Local)
	}
	if v := attr(root, "version"); v != "1.2" {
		t.Errorf("version %q", v)
	}
	checkTaskNode(t, root, "Task")

	logon := root.child("Triggers").child("LogonTrigger")
	if logon == nil || strings.TrimSpace(logon.child("UserId").Text) != s.User {
		t.Errorf("no logon trigger for %s", s.User)
	}
	p := root.child("Principals").child("Principal")
	if strings.TrimSpace(p.child("LogonType").Text) != "InteractiveToken" || attr(*p, "id") != attr(*root.child("Actions"), "Context") {
		t.Error("the action does not run as the interactive user's principal")
	}
	st := root.child("Settings")
	if v := strings.TrimSpace(st.child("ExecutionTimeLimit").Text); v != "PT0S" {
		t.Errorf("ExecutionTimeLimit %s: the daemon would be ended", v)
	}
	rof := st.child("RestartOnFailure")
	n, _ := strconv.Atoi(strings.TrimSpace(rof.child("Count").Text))
	if n < 1 || n > 999 || strings.TrimSpace(rof.child("Interval").Text) != "PT1M" {
		t.Errorf("RestartOnFailure %+v", rof)
	}
	if pr, _ := strconv.Atoi(strings.TrimSpace(st.child("Priority").Text)); pr < 0 || pr > 10 {
		t.Errorf("Priority %d", pr)
	}
	exec := root.child("Actions").child("Exec")
	if got := strings.TrimSpace(exec.child("Command").Text); got != s.Exe {
		t.Errorf("Command %q", got)
	}
	gotArgs := splitWindowsArgs(strings.TrimSpace(exec.child("Arguments").Text))
	wantArgs := append(append([]string(nil), s.Args...), "--home", s.Home)
	if !slices.Equal(gotArgs, wantArgs) {
		t.Errorf("Arguments read back as %q, want %q", gotArgs, wantArgs)
	}
	if st, _ := svc.Installed(); st != NotInstalled {
		t.Error("installed before install")
	}
	r := &fakeRunner{}
	if _, err := svc.Install(context.Background(), r, true); err != nil {
		t.Fatal(err)
	}
	if st, _ := svc.Installed(); st != InstalledHere {
		t.Error("the marker does not find the home in the task file")
	}
	want := []string{"schtasks /Query /FO CSV /NH", "schtasks /Create /TN RouteCodex Token Daemon /XML " + svc.Path + " /F", "schtasks /Run /TN RouteCodex Token Daemon"}
	if !slices.Equal(r.ran, want) {
		t.Errorf("ran %q, want %q", r.ran, want)
	}
}

func attr(n node, name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func TestInstallTwiceSameBytesUninstallRemoves(t *testing.T) {
	ctx := context.Background()
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			s := testSpec(t)
			svc, err := For(goos, s)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := svc.Install(ctx, &fakeRunner{}, false)
			if err != nil || !rep.Written || rep.Replaced {
				t.Fatalf("first install: %+v %v", rep, err)
			}
			first, _ := os.ReadFile(svc.Path)
			st1, _ := os.Stat(svc.Path)
			rep, err = svc.Install(ctx, &fakeRunner{}, false)
			if err != nil || rep.Written || rep.Replaced {
				t.Fatalf("second install: %+v %v", rep, err)
			}
			second, _ := os.ReadFile(svc.Path)
			st2, _ := os.Stat(svc.Path)
			if !bytes.Equal(first, second) || !bytes.Equal(first, svc.Content) || !st1.ModTime().Equal(st2.ModTime()) {
				t.Error("install twice changed the file")
			}
			if st1.Mode().Perm() != 0o644 {
				t.Errorf("mode %v", st1.Mode().Perm())
			}
			if st, _ := svc.Installed(); st != InstalledHere {
				t.Errorf("state %v, want InstalledHere", st)
			}
			// Another home's service is someone else's.
			other := s
			other.Home = filepath.Join(s.UserHome, "other")
			other.Env = []EnvVar{{EnvHome, other.Home}}
			osvc, _ := For(goos, other)
			if st, _ := osvc.Installed(); st != InstalledElsewhere {
				t.Errorf("other home: state %v, want InstalledElsewhere", st)
			}
			rep, err = osvc.Install(ctx, &fakeRunner{}, false)
			if err != nil || !rep.Written || !rep.Replaced {
				t.Errorf("replacing install: %+v %v", rep, err)
			}
			r := &fakeRunner{}
			rep, err = osvc.Uninstall(ctx, r)
			if err != nil || !rep.Written {
				t.Fatalf("uninstall: %+v %v", rep, err)
			}
			if _, err := os.Stat(svc.Path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("uninstall left %s", svc.Path)
			}
			if len(r.ran) < 2 {
				t.Errorf("uninstall ran %q", r.ran)
			}
			r = &fakeRunner{}
			if rep, err := osvc.Uninstall(ctx, r); err != nil || rep.Written || len(r.ran) != 0 {
				t.Errorf("uninstall of nothing: %+v %v, ran %q", rep, err, r.ran)
			}
		})
	}
}

func TestSystemdCommands(t *testing.T) {
	ctx := context.Background()
	s := testSpec(t)
	svc, _ := For("linux", s)
	r := &fakeRunner{}
	if _, err := svc.Install(ctx, r, true); err != nil {
		t.Fatal(err)
	}
	want := []string{"systemctl --user show-environment", "systemctl --user daemon-reload", "systemctl --user enable --now " + UnitName}
	if !slices.Equal(r.ran, want) {
		t.Errorf("install --now ran %q, want %q", r.ran, want)
	}
	// A changed unit while it runs: restarted to take effect.
	s.Args = append(s.Args, "--lang", "en")
	svc2, _ := For("linux", s)
	r = &fakeRunner{}
	if _, err := svc2.Install(ctx, r, true); err != nil {
		t.Fatal(err)
	}
	if last := r.ran[len(r.ran)-1]; last != "systemctl --user try-restart "+UnitName {
		t.Errorf("changed unit: ran %q", r.ran)
	}
	r = &fakeRunner{}
	if _, err := svc2.Uninstall(ctx, r); err != nil {
		t.Fatal(err)
	}
	want = []string{"systemctl --user show-environment", "systemctl --user disable --now " + UnitName, "systemctl --user daemon-reload"}
	if !slices.Equal(r.ran, want) {
		t.Errorf("uninstall ran %q, want %q", r.ran, want)
	}
}

func TestNoServiceManager(t *testing.T) {
	ctx := context.Background()
	svc, _ := For("linux", testSpec(t))
	r := &fakeRunner{fail: map[string]bool{"systemctl --user show-environment": true}}
	rep, err := svc.Install(ctx, r, true)
	if err != nil {
		t.Fatal(err)
	}
	if rep.NoManager == nil || !strings.Contains(rep.NoManager.Error(), "Failed to connect to bus") || strings.Contains(rep.NoManager.Error(), "\n") {
		t.Errorf("NoManager %v", rep.NoManager)
	}
	if want := []string{"systemctl --user daemon-reload", "systemctl --user enable --now " + UnitName}; !slices.Equal(rep.Manual, want) {
		t.Errorf("manual %q, want %q", rep.Manual, want)
	}
	if len(r.ran) != 1 || len(rep.Ran) != 0 {
		t.Errorf("ran %q without a manager", r.ran)
	}
	if data, _ := os.ReadFile(svc.Path); !bytes.Equal(data, svc.Content) {
		t.Error("the unit was not written")
	}
	rep, err = svc.Uninstall(ctx, r)
	if err != nil || rep.NoManager == nil || len(rep.Manual) != 2 {
		t.Errorf("uninstall without a manager: %+v %v", rep, err)
	}
	if _, err := os.Stat(svc.Path); !errors.Is(err, os.ErrNotExist) {
		t.Error("uninstall without a manager left the unit")
	}
}

func TestSpecChecks(t *testing.T) {
	s := testSpec(t)
	s.Exe = "routecodex"
	if _, err := For("linux", s); err == nil {
		t.Error("a relative binary path is accepted")
	}
	s = testSpec(t)
	s.Home += "\nExecStartPre=/bin/evil"
	if _, err := For("linux", s); err == nil {
		t.Error("a line break is accepted")
	}
	if _, err := For("plan9", testSpec(t)); err == nil {
		t.Error("plan9 has a service manager")
	}
}

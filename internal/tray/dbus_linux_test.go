//go:build linux

package tray

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/routecodex/token-daemon/internal/dbustest"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The tray child process: fyne.io/systray runs once per process and reads
// the bus address at start, so the D-Bus test runs the tray in a re-exec of
// the test binary, selected by this variable.
const childEnv = "ROUTECODEX_TRAY_TEST_CHILD"

// startBus runs a private dbus-daemon for the test and returns its address.
// Its config has no service directories, so nothing is activated on it.
func startBus(t *testing.T) string { return dbustest.StartBus(t) }

// watcher is a minimal org.kde.StatusNotifierWatcher (the tray host's
// side) that records who registers.
type watcher struct{ items chan string }

func (w *watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	w.items <- string(sender)
	return nil
}

// node is one com.canonical.dbusmenu layout node.
type node struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []node
}

func (n node) str(prop string) string {
	s, _ := n.Props[prop].Value().(string)
	return s
}

func (n node) visible() bool {
	v, ok := n.Props["visible"].Value().(bool)
	return !ok || v
}

func (n node) enabled() bool {
	v, ok := n.Props["enabled"].Value().(bool)
	return !ok || v
}

// lines are the visible children as text, separators as "---".
func (n node) lines() []string {
	var out []string
	for _, c := range n.Children {
		switch {
		case !c.visible():
		case c.str("type") == "separator":
			out = append(out, "---")
		default:
			out = append(out, c.str("label"))
		}
	}
	return out
}

func (n node) find(label string) (node, bool) {
	for _, c := range n.Children {
		if c.visible() && c.str("label") == label {
			return c, true
		}
		if f, ok := c.find(label); ok {
			return f, true
		}
	}
	return node{}, false
}

// toNode converts a layout as godbus decodes it inside variants.
func toNode(v any) (node, error) {
	parts, ok := v.([]any)
	if !ok || len(parts) != 3 {
		return node{}, fmt.Errorf("layout node is %T", v)
	}
	n := node{}
	var err error
	if n.ID, ok = parts[0].(int32); !ok {
		return n, errors.New("layout node without id")
	}
	if n.Props, ok = parts[1].(map[string]dbus.Variant); !ok {
		return n, errors.New("layout node without properties")
	}
	kids, _ := parts[2].([]dbus.Variant)
	for _, k := range kids {
		c, cerr := toNode(k.Value())
		if cerr != nil {
			err = cerr
		}
		n.Children = append(n.Children, c)
	}
	return n, err
}

// trayClient reads and clicks the tray's menu over D-Bus, as a desktop
// panel does.
type trayClient struct {
	t       *testing.T
	conn    *dbus.Conn
	item    dbus.BusObject
	menu    dbus.BusObject
	signals chan *dbus.Signal
}

func (tc *trayClient) layout() (node, error) {
	var rev uint32
	var root struct {
		V0 int32
		V1 map[string]dbus.Variant
		V2 []dbus.Variant
	}
	if err := tc.menu.Call("com.canonical.dbusmenu.GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		return node{}, err
	}
	return toNode([]any{root.V0, root.V1, root.V2})
}

// waitLayout re-reads the layout on every signal of the tray (and every
// half second, as a fallback) until ok accepts it.
func (tc *trayClient) waitLayout(what string, ok func(node) bool) node {
	tc.t.Helper()
	deadline := time.After(hangGuard)
	var last node
	var lastErr error
	for {
		last, lastErr = tc.layout()
		if lastErr == nil && ok(last) {
			return last
		}
		select {
		case <-tc.signals:
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			tc.t.Fatalf("the tray menu never showed %s; last layout %q / status %q (err %v)",
				what, last.lines(), statusLines(last), lastErr)
		}
	}
}

func statusLines(root node) []string {
	for _, c := range root.Children {
		if c.visible() && len(c.Children) > 0 {
			return c.lines()
		}
	}
	return nil
}

func (tc *trayClient) click(root node, label string) {
	tc.t.Helper()
	n, ok := root.find(label)
	if !ok {
		tc.t.Fatalf("no menu item %q", label)
	}
	if err := tc.menu.Call("com.canonical.dbusmenu.Event", 0, n.ID, "clicked", dbus.MakeVariant(""), uint32(0)).Err; err != nil {
		tc.t.Fatalf("click %q: %v", label, err)
	}
}

// iconLevel reads the icon's pixmap and tells which level's colour its
// centre has.
func (tc *trayClient) iconLevel() (Level, error) {
	v, err := tc.item.GetProperty("org.kde.StatusNotifierItem.IconPixmap")
	if err != nil {
		return -1, err
	}
	var px []struct {
		W, H int32
		Pix  []byte
	}
	if err := dbus.Store([]any{v.Value()}, &px); err != nil {
		return -1, err
	}
	if len(px) == 0 || px[0].W != iconSize || len(px[0].Pix) != iconSize*iconSize*4 {
		return -1, fmt.Errorf("no %dpx icon", iconSize)
	}
	i := (iconSize/2*iconSize + iconSize/2) * 4 // ARGB
	argb := px[0].Pix[i : i+4]
	for l, c := range levelColors {
		if argb[0] == 0xff && argb[1] == c.R && argb[2] == c.G && argb[3] == c.B {
			return l, nil
		}
	}
	return -1, fmt.Errorf("icon centre %x is no level's colour", argb)
}

func (tc *trayClient) waitIcon(want Level) {
	tc.t.Helper()
	deadline := time.After(hangGuard)
	for {
		got, err := tc.iconLevel()
		if err == nil && got == want {
			return
		}
		select {
		case <-tc.signals:
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			tc.t.Fatalf("icon never became %v; last %v (%v)", want, got, err)
		}
	}
}

func (tc *trayClient) tooltip() string {
	v, err := tc.item.GetProperty("org.kde.StatusNotifierItem.ToolTip")
	if err != nil {
		return "error: " + err.Error()
	}
	var tt struct {
		V0 string
		V1 []struct {
			W, H int32
			Pix  []byte
		}
		V2, V3 string
	}
	if err := dbus.Store([]any{v.Value()}, &tt); err != nil {
		return "error: " + err.Error()
	}
	return tt.V2
}

// childOutput collects the child's stdout lines.
type childOutput struct {
	mu    sync.Mutex
	lines []string
	added chan struct{}
}

func (o *childOutput) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(hangGuard)
	for {
		o.mu.Lock()
		for _, l := range o.lines {
			if strings.HasPrefix(l, prefix) {
				o.mu.Unlock()
				return l
			}
		}
		o.mu.Unlock()
		select {
		case <-o.added:
		case <-deadline:
			t.Fatalf("the tray process never printed %q", prefix)
		}
	}
}

func (o *childOutput) count(prefix string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, l := range o.lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestTrayChildProcess is the tray process of TestTrayOverDBus; it does
// nothing in a normal run.
func TestTrayChildProcess(t *testing.T) {
	if os.Getenv(childEnv) != "1" {
		return // not a skip: CI counts skips as failures
	}
	now, err := time.Parse(time.RFC3339, os.Getenv("TRAY_TEST_NOW"))
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	var mu sync.Mutex
	err = Run(context.Background(), Options{
		Socket:  os.Getenv("TRAY_TEST_SOCKET"),
		Lang:    i18n.Lang(os.Getenv("TRAY_TEST_LANG")),
		AuthURL: testAuthURL,
		UIURL:   testUIURL,
		OpenURL: func(u string) error {
			mu.Lock()
			defer mu.Unlock()
			fmt.Println("OPEN " + u)
			return nil
		},
		Logger: testLogger(&logs),
		Now:    func() time.Time { return now },
	})
	fmt.Fprint(os.Stderr, logs.String())
	fmt.Printf("RUN-RETURNED %v\n", err)
	// Exit here rather than return: under -race, the testing package would
	// fail this test for the known races inside fyne.io/systray; the parent
	// sorts the race reports instead (see ourRaces).
	os.Exit(0)
}

// ourRaces returns the race reports in a child's stderr whose racing
// accesses are made by this module's code. fyne.io/systray v1.12.2 has data
// races of its own (GetLayout reads the menu version that refresh writes
// under another lock); those are only logged.
func ourRaces(stderr string) (ours, theirs []string) {
	const marker = "WARNING: DATA RACE"
	for _, report := range strings.Split(stderr, marker)[1:] {
		report, _, _ = strings.Cut(report, "==================")
		lines := strings.Split(report, "\n")
		mine := false
		for i, l := range lines {
			l = strings.TrimSpace(l)
			isAccess := strings.HasPrefix(l, "Read at") || strings.HasPrefix(l, "Write at") ||
				strings.HasPrefix(l, "Previous read at") || strings.HasPrefix(l, "Previous write at")
			// The frame after an access line is the function that made it.
			if isAccess && i+1 < len(lines) && strings.Contains(lines[i+1], "routecodex/token-daemon/") {
				mine = true
			}
		}
		if mine {
			ours = append(ours, marker+report)
		} else {
			theirs = append(theirs, marker+report)
		}
	}
	return ours, theirs
}

func TestTrayOverDBus(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)

	// The panel side: a StatusNotifierWatcher on the private bus.
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	w := &watcher{items: make(chan string, 4)}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", watcherName, reply, err)
	}
	if !SessionBusAvailable() {
		t.Fatal("SessionBusAvailable() = false with a private bus running")
	}

	core := newFakeCore(planStates()...)
	d := newDaemonServer(t, core)

	cmd := exec.Command(os.Args[0], "-test.run=^TestTrayChildProcess$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"TRAY_TEST_SOCKET="+d.sock, "TRAY_TEST_NOW="+testNow.Format(time.RFC3339), "TRAY_TEST_LANG=zh",
		"ROUTECODEX_HOME="+t.TempDir(),
		// Race reports are sorted by ourRaces, not by the exit code.
		"GORACE=exitcode=0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	out := &childOutput{added: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			out.mu.Lock()
			out.lines = append(out.lines, sc.Text())
			out.mu.Unlock()
			select {
			case out.added <- struct{}{}:
			default:
			}
		}
		exited <- cmd.Wait()
	}()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
		ours, theirs := ourRaces(stderr.String())
		for _, r := range ours {
			t.Errorf("data race in the tray's code:\n%s", r)
		}
		if len(theirs) > 0 {
			t.Logf("%d data race report(s) inside fyne.io/systray itself (known library issue), ignored", len(theirs))
		}
		if t.Failed() {
			t.Logf("tray process stderr:\n%s", stderr.String())
		}
		if strings.Contains(stderr.String(), testSecret) {
			t.Errorf("the web secret leaked into the tray's log")
		}
	}()

	var sender string
	select {
	case sender = <-w.items:
	case err := <-exited:
		t.Fatalf("tray process exited before registering: %v", err)
	case <-time.After(hangGuard):
		t.Fatal("the tray never registered with the StatusNotifierWatcher")
	}
	item := conn.Object(sender, "/StatusNotifierItem")
	mv, err := item.GetProperty("org.kde.StatusNotifierItem.Menu")
	if err != nil {
		t.Fatal(err)
	}
	menuPath, ok := mv.Value().(dbus.ObjectPath)
	if !ok {
		t.Fatalf("Menu property is %T", mv.Value())
	}
	if err := conn.AddMatchSignal(dbus.WithMatchSender(sender)); err != nil {
		t.Fatal(err)
	}
	tc := &trayClient{t: t, conn: conn, item: item, menu: conn.Object(sender, menuPath), signals: make(chan *dbus.Signal, 256)}
	conn.Signal(tc.signals)

	top := []string{"📊 状态", "---", "🔄 刷新全部", "🌐 Web UI", "---", "❌ 退出", "停止守护进程并退出"}
	hasMenu := func(status ...string) func(node) bool {
		return func(n node) bool { return slices.Equal(n.lines(), top) && slices.Equal(statusLines(n), status) }
	}
	root := tc.waitLayout("the plan's three tokens", hasMenu(
		"iflow-work.json ❌ 失效 [重新认证]", "iflow.json ✅ 有效", "qwen.json ⚠️ 25分钟后过期"))
	tc.waitIcon(LevelError)
	if got := tc.tooltip(); got != "RouteCodex Token：2 个需要处理" {
		t.Errorf("tooltip %q", got)
	}

	// Refresh all asks the daemon for all.
	tc.click(root, "🔄 刷新全部")
	select {
	case call := <-core.refresh:
		if !call.all {
			t.Errorf("refresh %+v, want all", call)
		}
	case <-time.After(hangGuard):
		t.Fatal("refresh all did not reach the daemon")
	}

	// A failed token opens its auth page; a healthy one opens nothing.
	tc.click(root, "iflow.json ✅ 有效")
	tc.click(root, "iflow-work.json ❌ 失效 [重新认证]")
	if got, want := out.waitLine(t, "OPEN "), "OPEN "+testAuthURL("iflow-work.json"); got != want {
		t.Errorf("opened %q, want %q", got, want)
	}
	tc.click(root, "🌐 Web UI")
	out.waitLine(t, "OPEN "+testUIURL())
	if n := out.count("OPEN "); n != 2 {
		t.Errorf("%d pages opened, want 2 (the healthy token's line opens nothing)", n)
	}

	// Live changes: fixed, expiring, added, removed.
	core.publish(daemon.EventToken, state("iflow-work.json", "iflow", tokenfile.StatusValid, 5*time.Hour, true))
	core.publish(daemon.EventToken, state("qwen.json", "qwen", tokenfile.StatusValid, 5*time.Hour, true))
	tc.waitLayout("the fixed tokens", hasMenu("iflow-work.json ✅ 有效", "iflow.json ✅ 有效", "qwen.json ✅ 有效"))
	tc.waitIcon(LevelOK)
	core.publish(daemon.EventToken, state("zz-new.json", "gemini-cli", tokenfile.StatusExpiring, 9*time.Minute+5*time.Second, true))
	tc.waitLayout("the added token", hasMenu("iflow-work.json ✅ 有效", "iflow.json ✅ 有效", "qwen.json ✅ 有效", "zz-new.json ⚠️ 9分钟后过期"))
	tc.waitIcon(LevelWarning)
	core.publish(daemon.EventRemoved, state("iflow.json", "iflow", tokenfile.StatusMissing, 0, true))
	root = tc.waitLayout("the removal", hasMenu("iflow-work.json ✅ 有效", "qwen.json ✅ 有效", "zz-new.json ⚠️ 9分钟后过期"))

	// The daemon restarts: the tray shows it offline, then reconnects.
	d.halt()
	root = tc.waitLayout("the daemon offline", hasMenu("守护进程未运行"))
	for label, want := range map[string]bool{"🔄 刷新全部": false, "🌐 Web UI": false, "❌ 退出": true, "停止守护进程并退出": true} {
		if n, _ := root.find(label); n.enabled() != want {
			t.Errorf("offline: %q enabled=%v, want %v", label, n.enabled(), want)
		}
	}
	tc.waitIcon(LevelOffline)
	d.start()
	root = tc.waitLayout("the reconnected daemon", hasMenu("iflow-work.json ✅ 有效", "qwen.json ✅ 有效", "zz-new.json ⚠️ 9分钟后过期"))

	// Stop the daemon and quit: the daemon is asked to stop, Run returns nil.
	tc.click(root, "停止守护进程并退出")
	select {
	case <-d.shutdown:
	case <-time.After(hangGuard):
		t.Fatal("the daemon was not asked to shut down")
	}
	if got := out.waitLine(t, "RUN-RETURNED"); got != "RUN-RETURNED <nil>" {
		t.Errorf("Run returned: %q", got)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("tray process: %v", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("the tray process did not exit")
	}
}

func TestRunWithoutSessionBus(t *testing.T) {
	dir := shortDir(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(dir, "no-bus"))
	t.Setenv("XDG_RUNTIME_DIR", dir)
	if SessionBusAvailable() {
		t.Fatal("SessionBusAvailable() = true without a bus")
	}
	err := Run(context.Background(), Options{Socket: filepath.Join(dir, "td.sock")})
	if !errors.Is(err, ErrNoSessionBus) {
		t.Fatalf("Run = %v, want ErrNoSessionBus", err)
	}
	if !strings.Contains(err.Error(), "session bus") {
		t.Errorf("error %q does not say what is missing", err)
	}
}

func TestOurRaces(t *testing.T) {
	report := func(first, second string) string {
		return "==================\nWARNING: DATA RACE\nRead at 0x01 by goroutine 1:\n  " + first +
			"\n      /x.go:1\n\nPrevious write at 0x01 by goroutine 2:\n  " + second + "\n      /y.go:2\n==================\n"
	}
	lib := "fyne.io/systray.refresh()"
	mine := "github.com/routecodex/token-daemon/internal/tray.(*view).render()"
	tests := []struct {
		name         string
		stderr       string
		ours, theirs int
	}{
		{"none", "just logs\n", 0, 0},
		{"library only", report(lib, "fyne.io/systray.(*tray).GetLayout()"), 0, 1},
		{"ours first", report(mine, lib), 1, 0},
		{"ours second", report(lib, mine), 1, 0},
		{"both kinds", report(lib, lib) + report(mine, mine), 1, 1},
	}
	for _, tt := range tests {
		ours, theirs := ourRaces(tt.stderr)
		if len(ours) != tt.ours || len(theirs) != tt.theirs {
			t.Errorf("%s: ours %d theirs %d, want %d %d", tt.name, len(ours), len(theirs), tt.ours, tt.theirs)
		}
	}
}

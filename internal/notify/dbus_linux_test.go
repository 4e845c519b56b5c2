//go:build linux

package notify

import (
	"bytes"
	"fmt"
	"log/slog"
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
)

// roundTrip bounds the wait for a D-Bus signal to come back.
const roundTrip = 10 * time.Second

// startBus runs a private dbus-daemon for the test and returns its address.
// The config has no service directories, so nothing on the machine is
// activated on it.
func startBus(t *testing.T) string { return dbustest.StartBus(t) }

// notifyCall is one call of Notify received by the test server.
type notifyCall struct {
	AppName    string
	ReplacesID uint32
	Icon       string
	Summary    string
	Body       string
	Actions    []string
	Hints      map[string]dbus.Variant
	Timeout    int32
	ID         uint32
}

// notifServer is a minimal org.freedesktop.Notifications that records calls.
type notifServer struct {
	conn *dbus.Conn
	caps []string

	mu     sync.Mutex
	calls  []notifyCall
	closed []uint32
	nextID uint32
}

func (s *notifServer) Notify(appName string, replacesID uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := replacesID
	if id == 0 {
		s.nextID++
		id = s.nextID
	}
	s.calls = append(s.calls, notifyCall{appName, replacesID, icon, summary, body, actions, hints, timeout, id})
	return id, nil
}

func (s *notifServer) GetCapabilities() ([]string, *dbus.Error) {
	return s.caps, nil
}

func (s *notifServer) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "rcx-test", "routecodex", "1.0", "1.2", nil
}

func (s *notifServer) CloseNotification(id uint32) *dbus.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = append(s.closed, id)
	return nil
}

func (s *notifServer) recorded() []notifyCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func (s *notifServer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls, s.closed = nil, nil
}

// invoke emits ActionInvoked and then NotificationClosed, as a real server
// does when the user clicks an action.
func (s *notifServer) invoke(t *testing.T, id uint32, key string) {
	t.Helper()
	s.action(t, id, key)
	if err := s.conn.Emit(fdoPath, fdoInterface+".NotificationClosed", id, uint32(2)); err != nil {
		t.Fatalf("emit NotificationClosed: %v", err)
	}
}

// action emits ActionInvoked alone.
func (s *notifServer) action(t *testing.T, id uint32, key string) {
	t.Helper()
	if err := s.conn.Emit(fdoPath, fdoInterface+".ActionInvoked", id, key); err != nil {
		t.Fatalf("emit ActionInvoked: %v", err)
	}
}

// startServer runs the test notification server on the bus at addr.
func startServer(t *testing.T, addr string, caps ...string) *notifServer {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &notifServer{conn: conn, caps: caps}
	if err := conn.Export(s, fdoPath, fdoInterface); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(fdoName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name %s: reply %v, err %v", fdoName, reply, err)
	}
	return s
}

// opener records the URLs the desktop opens.
type opener chan string

func (o opener) open(u string) error { o <- u; return nil }

func (o opener) next(t *testing.T) string {
	t.Helper()
	select {
	case u := <-o:
		return u
	case <-time.After(roundTrip):
		t.Fatal("no URL opened: the action signal did not come back")
		return ""
	}
}

func authURL(file string) string { return "http://127.0.0.1:38421/auth/" + file + "?k=sekrit" }
func homeURL() string            { return "http://127.0.0.1:38421/?k=sekrit" }

func newBusDesktop(t *testing.T, o Options) *Desktop {
	t.Helper()
	o.ShowPopup = true
	if o.AuthURL == nil {
		o.AuthURL, o.HomeURL = authURL, homeURL
	}
	d := New(o)
	t.Cleanup(func() { d.Close() })
	if d.be == nil {
		t.Fatal("New did not connect to the test bus")
	}
	return d
}

func TestDBusNotificationContent(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr)
	const f = "qwen-oauth-1-work.json"
	tests := []struct {
		lang       i18n.Lang
		sound      bool
		wantBody   string
		wantLabels []string
	}{
		{i18n.ZH, true,
			"⚠️ Token 失效 - 需要重新认证\n文件：" + f + "\n账号：工作账号 (work@company.com)\n原因：invalid_grant\n重新登录：routecodex token-daemon login qwen-oauth-1-work",
			[]string{"open", "🌐 浏览器认证", "details", "详情", "cancel", "稍后"}},
		{i18n.EN, false,
			"⚠️ Token invalid - re-authentication needed\nFile: " + f + "\nAccount: 工作账号 (work@company.com)\nReason: invalid_grant\nTo log in again: routecodex token-daemon login qwen-oauth-1-work",
			[]string{"open", "Open browser auth", "details", "Details", "cancel", "Later"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s sound=%v", tt.lang, tt.sound), func(t *testing.T) {
			srv.reset()
			d := newBusDesktop(t, Options{Lang: tt.lang, Sound: tt.sound})
			d.Notify(notice(daemon.NoticeNeedsReauth, f))
			calls := srv.recorded()
			if len(calls) != 1 {
				t.Fatalf("%d Notify calls, want 1", len(calls))
			}
			c := calls[0]
			if c.AppName != "RouteCodex" || c.Summary != "🌙 Routecodex Token Notification" || c.ReplacesID != 0 {
				t.Errorf("app %q summary %q replaces %d", c.AppName, c.Summary, c.ReplacesID)
			}
			if c.Body != tt.wantBody {
				t.Errorf("body\n got %q\nwant %q", c.Body, tt.wantBody)
			}
			if !slices.Equal(c.Actions, tt.wantLabels) {
				t.Errorf("actions %q, want %q", c.Actions, tt.wantLabels)
			}
			if u, ok := c.Hints["urgency"].Value().(byte); !ok || u != urgencyCritical {
				t.Errorf("urgency hint %v, want critical (2)", c.Hints["urgency"])
			}
			sound, hasSound := c.Hints["sound-name"]
			switch {
			case tt.sound && (!hasSound || sound.Value() != "dialog-warning"):
				t.Errorf("sound-name hint %v, want dialog-warning", sound)
			case !tt.sound && hasSound:
				t.Errorf("sound-name hint %v without Sound", sound)
			case !tt.sound && c.Hints["suppress-sound"].Value() != true:
				t.Errorf("no suppress-sound hint without Sound: %v", c.Hints)
			}
		})
	}
}

func TestDBusMarkupIsEscaped(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr, "actions", "body", "body-markup")
	d := newBusDesktop(t, Options{Lang: i18n.EN})
	n := notice(daemon.NoticeRefreshFailed, "x.json")
	n.Reason = `HTTP 502 <html><b>Bad Gateway</b></html> & more`
	d.Notify(n)
	calls := srv.recorded()
	if len(calls) != 1 || !strings.Contains(calls[0].Body, "HTTP 502 &lt;html&gt;&lt;b&gt;Bad Gateway&lt;/b&gt;&lt;/html&gt; &amp; more") {
		t.Errorf("markup not escaped: %+v", calls)
	}
}

func TestDBusActions(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr)
	const f, other = "gemini-cli-oauth-1-me.json", "qwen-oauth-2-home.json"
	clock := newClock()
	urls := make(opener, 4)
	d := newBusDesktop(t, Options{Lang: i18n.EN, Now: clock.Now, OpenURL: urls.open})

	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	id := srv.recorded()[0].ID

	srv.invoke(t, id, ActionOpen)
	if got := urls.next(t); got != authURL(f) {
		t.Errorf("open opened %q, want %q", got, authURL(f))
	}

	d.Notify(notice(daemon.NoticeNeedsReauth, f)) // the action reset dedupe: shown again
	id = srv.recorded()[1].ID
	srv.invoke(t, id, ActionDetails)
	if got := urls.next(t); got != homeURL() {
		t.Errorf("details opened %q, want %q", got, homeURL())
	}

	d.Notify(notice(daemon.NoticeRefreshFailed, f))
	id = srv.recorded()[2].ID
	srv.action(t, id, ActionCancel)
	// Signals come back in order: once this second action is seen, the
	// cancel before it was handled.
	srv.invoke(t, id, ActionDetails)
	urls.next(t)
	if n := len(srv.recorded()); n != 3 {
		t.Fatalf("%d Notify calls before the snooze check, want 3", n)
	}

	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	d.Notify(notice(daemon.NoticeMissing, f))
	if n := len(srv.recorded()); n != 3 {
		t.Errorf("snoozed token sent %d notifications, want none", n-3)
	}
	d.Notify(notice(daemon.NoticeNeedsReauth, other))
	if n := len(srv.recorded()); n != 4 {
		t.Errorf("another token is not snoozed: %d calls, want 4", n)
	}

	clock.Advance(SnoozeFor + time.Second)
	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	calls := srv.recorded()
	if len(calls) != 5 || !strings.Contains(calls[4].Body, f) {
		t.Fatalf("after the snooze hour: %d calls, want 5 with %s", len(calls), f)
	}
}

func TestDBusDedupeCapAndReplace(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr)
	const f = "iflow-oauth-1-a.json"
	d := newBusDesktop(t, Options{Lang: i18n.ZH})

	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	if n := len(srv.recorded()); n != 1 {
		t.Fatalf("same kind twice: %d notifications, want 1", n)
	}
	for range 5 {
		d.Notify(notice(daemon.NoticeRefreshFailed, f))
		d.Notify(notice(daemon.NoticeNeedsReauth, f))
	}
	var reauth int
	calls := srv.recorded()
	for _, c := range calls {
		if strings.HasPrefix(c.Body, "⚠️ Token 失效") {
			reauth++
		}
	}
	if reauth != MaxPrompts {
		t.Errorf("%d re-auth prompts without a user action, want %d", reauth, MaxPrompts)
	}
	for i, c := range calls[1:] {
		if c.ReplacesID != calls[0].ID {
			t.Errorf("call %d replaces %d, want the token's notification %d", i+1, c.ReplacesID, calls[0].ID)
		}
	}

	d.Reset(f)
	srv.mu.Lock()
	closed := slices.Clone(srv.closed)
	srv.mu.Unlock()
	if !slices.Equal(closed, []uint32{calls[0].ID}) {
		t.Errorf("Reset closed %v, want [%d]", closed, calls[0].ID)
	}
	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	if n := len(srv.recorded()); n != len(calls)+1 {
		t.Errorf("after Reset the token's next failure is not shown")
	}
}

func TestDBusUnavailable(t *testing.T) {
	tests := []struct {
		name     string
		addr     func(t *testing.T) string
		wantWarn string
	}{
		{"no bus", func(t *testing.T) string { return "unix:path=" + filepath.Join(t.TempDir(), "nothing") },
			"desktop notifications unavailable"},
		{"no DBUS_SESSION_BUS_ADDRESS", func(t *testing.T) string { t.Setenv("XDG_RUNTIME_DIR", t.TempDir()); return "" },
			"no D-Bus session bus"},
		{"bus without a notification service", startBus,
			"no desktop notification service"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tt.addr(t))
			var logs syncBuffer
			d := New(Options{Lang: i18n.EN, ShowPopup: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			defer d.Close()
			d.Notify(notice(daemon.NoticeNeedsReauth, "qwen-a.json"))
			d.Notify(notice(daemon.NoticeMissing, "qwen-a.json"))
			out := logs.String()
			if !strings.Contains(out, tt.wantWarn) {
				t.Errorf("log lacks %q:\n%s", tt.wantWarn, out)
			}
			if n := strings.Count(out, "msg=notice "); n != 2 {
				t.Errorf("%d notice log lines, want 2:\n%s", n, out)
			}
		})
	}
}

func TestDBusServiceAppearsLater(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "nothing"))
	d := New(Options{Lang: i18n.EN, ShowPopup: true})
	defer d.Close()
	d.Notify(notice(daemon.NoticeRefreshFailed, "a.json")) // log line only

	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr)
	d.Notify(notice(daemon.NoticeNeedsReauth, "a.json"))
	if calls := srv.recorded(); len(calls) != 1 || !strings.HasPrefix(calls[0].Body, "⚠️ Token invalid") {
		t.Fatalf("the notification service that appeared later got %+v", calls)
	}
}

func TestDBusCloseStopsListening(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr)
	urls := make(opener, 1)
	d := newBusDesktop(t, Options{OpenURL: urls.open})
	d.Notify(notice(daemon.NoticeNeedsReauth, "a.json"))
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	srv.invoke(t, srv.recorded()[0].ID, ActionOpen)
	d.Notify(notice(daemon.NoticeMissing, "a.json")) // after Close: a log line, no panic
	select {
	case u := <-urls:
		t.Errorf("action handled after Close: %s", u)
	default:
	}
}

func TestSessionBusAddress(t *testing.T) {
	run := t.TempDir()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := sessionBusAddress(env(map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"})); got != "unix:path=/x" {
		t.Errorf("explicit address: %q", got)
	}
	if got := sessionBusAddress(env(map[string]string{"XDG_RUNTIME_DIR": run})); got != "" {
		t.Errorf("no socket in XDG_RUNTIME_DIR: %q, want none (no autolaunch)", got)
	}
}

// syncBuffer is a bytes.Buffer safe for the listener goroutine's logging.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

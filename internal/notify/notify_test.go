package notify

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// fakeBackend records what would have been shown.
type fakeBackend struct {
	mu        sync.Mutex
	shown     []message
	withdrawn []uint32
	nextID    uint32
	actions   bool
	err       error
	dead      bool
}

func (f *fakeBackend) Show(_ context.Context, m message) (uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return 0, f.err
	}
	f.shown = append(f.shown, m)
	if m.ReplacesID != 0 {
		return m.ReplacesID, nil
	}
	f.nextID++
	return f.nextID, nil
}

func (f *fakeBackend) Withdraw(_ context.Context, id uint32) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.withdrawn = append(f.withdrawn, id)
	return nil
}

func (f *fakeBackend) HasActions() bool { return f.actions }

func (f *fakeBackend) Alive() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.dead
}

func (f *fakeBackend) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dead = true
	return nil
}

func (f *fakeBackend) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.shown)
}

func (f *fakeBackend) last() message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.shown[len(f.shown)-1]
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)}
}

func notice(kind daemon.NoticeKind, file string) daemon.Notice {
	return daemon.Notice{Kind: kind, File: file, DisplayName: "工作账号 (work@company.com)", Provider: "qwen", Reason: "invalid_grant"}
}

// step is one event in a guard scenario; shows is the total number of
// notifications expected after it.
type step struct {
	notify  daemon.NoticeKind
	file    string
	action  string // click an action on the file's last notification
	reset   bool
	advance time.Duration
	shows   int
}

func TestGuards(t *testing.T) {
	const a, b = "qwen-oauth-1-work.json", "iflow-oauth-2-home.json"
	tests := []struct {
		name          string
		notifySuccess bool
		steps         []step
	}{
		{"same kind twice is one notification", false, []step{
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
		}},
		{"dedupe is per file", false, []step{
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{notify: daemon.NoticeNeedsReauth, file: b, shows: 2},
		}},
		{"a kind change is shown", false, []step{
			{notify: daemon.NoticeRefreshFailed, file: a, shows: 1},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 2},
		}},
		{"at most three prompts of a kind while the user does nothing", false, []step{
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{notify: daemon.NoticeMissing, file: a, shows: 2},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 3},
			{notify: daemon.NoticeMissing, file: a, shows: 4},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 5},
			{notify: daemon.NoticeMissing, file: a, shows: 6},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 6}, // fourth re-auth prompt: held
			{notify: daemon.NoticeMissing, file: a, shows: 6},
			{notify: daemon.NoticeNeedsReauth, file: b, shows: 7}, // other tokens unaffected
		}},
		{"an action resets the prompt limit", false, []step{
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{notify: daemon.NoticeMissing, file: a, shows: 2},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 3},
			{notify: daemon.NoticeMissing, file: a, shows: 4},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 5},
			{notify: daemon.NoticeMissing, file: a, shows: 6},
			{action: ActionDetails, file: a, shows: 6},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 7},
		}},
		{"reset lets the same kind through again", false, []step{
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{reset: true, file: a, shows: 1},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 2},
		}},
		{"refreshed counts as a reset but is silent by default", false, []step{
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{notify: daemon.NoticeRefreshed, file: a, shows: 1},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 2},
		}},
		{"refreshed is shown with NotifySuccess, every time", true, []step{
			{notify: daemon.NoticeRefreshed, file: a, shows: 1},
			{notify: daemon.NoticeRefreshed, file: a, shows: 2},
		}},
		{"later snoozes the token for an hour", true, []step{
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{action: ActionCancel, file: a, shows: 1},
			{notify: daemon.NoticeRefreshFailed, file: a, shows: 1},
			{notify: daemon.NoticeRefreshed, file: a, shows: 1},
			{reset: true, file: a, shows: 1},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 1},
			{notify: daemon.NoticeNeedsReauth, file: b, shows: 2}, // only that token
			{advance: 59 * time.Minute, shows: 2},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 2},
			{advance: time.Minute, shows: 2},
			{notify: daemon.NoticeNeedsReauth, file: a, shows: 3},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			be := &fakeBackend{actions: true}
			d := newDesktop(Options{Lang: i18n.EN, ShowPopup: true, NotifySuccess: tt.notifySuccess, Now: clock.Now}, be)
			for i, s := range tt.steps {
				switch {
				case s.notify != "":
					d.Notify(notice(s.notify, s.file))
				case s.action != "":
					d.handleAction(d.idOf(s.file), s.action)
				case s.reset:
					d.Reset(s.file)
				case s.advance != 0:
					clock.Advance(s.advance)
				}
				if got := be.count(); got != s.shows {
					t.Fatalf("step %d %+v: %d notifications shown, want %d", i, s, got, s.shows)
				}
			}
		})
	}
}

// idOf is the id of the notification of file on screen.
func (d *Desktop) idOf(file string) uint32 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if st := d.tokens[file]; st != nil {
		return st.id
	}
	return 0
}

func TestReplacesAndWithdraws(t *testing.T) {
	be := &fakeBackend{actions: true}
	d := newDesktop(Options{ShowPopup: true}, be)
	const f = "qwen-a.json"
	d.Notify(notice(daemon.NoticeRefreshFailed, f))
	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	if got := be.last().ReplacesID; got != 1 {
		t.Errorf("second notice of a token replaces id %d, want 1", got)
	}
	d.Reset(f)
	if !slices.Equal(be.withdrawn, []uint32{1}) {
		t.Errorf("Reset withdrew %v, want [1]", be.withdrawn)
	}
	d.handleClosed(1)
	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	if got := be.last().ReplacesID; got != 0 {
		t.Errorf("after a reset the notice replaces %d, want 0 (a new one)", got)
	}
}

func TestActionsOpenURLs(t *testing.T) {
	const f = "gemini-cli-oauth-1-me.json"
	tests := []struct {
		action string
		want   []string
	}{
		{ActionOpen, []string{"http://127.0.0.1:38421/auth/" + f + "?k=s3cret"}},
		{ActionDetails, []string{"http://127.0.0.1:38421/?k=s3cret"}},
		{ActionCancel, nil},
		{"default", nil},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			var opened []string
			d := newDesktop(Options{
				ShowPopup: true,
				AuthURL:   func(file string) string { return "http://127.0.0.1:38421/auth/" + file + "?k=s3cret" },
				HomeURL:   func() string { return "http://127.0.0.1:38421/?k=s3cret" },
				OpenURL:   func(u string) error { opened = append(opened, u); return nil },
			}, &fakeBackend{actions: true})
			d.Notify(notice(daemon.NoticeNeedsReauth, f))
			d.handleAction(d.idOf(f), tt.action)
			d.handleAction(999, ActionOpen) // not ours: ignored
			if !slices.Equal(opened, tt.want) {
				t.Errorf("opened %q, want %q", opened, tt.want)
			}
		})
	}
}

func TestOpenURLErrorDoesNotLogSecret(t *testing.T) {
	var logs bytes.Buffer
	const f = "qwen-a.json"
	d := newDesktop(Options{
		ShowPopup: true,
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
		AuthURL:   func(file string) string { return "http://127.0.0.1:1/auth/" + file + "?k=s3cretvalue" },
		OpenURL: func(u string) error {
			return errors.New("exec xdg-open " + u + ": not found")
		},
	}, &fakeBackend{actions: true})
	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	d.handleAction(d.idOf(f), ActionOpen)
	if strings.Contains(logs.String(), "s3cretvalue") {
		t.Errorf("log leaks the web secret:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "could not open the browser") {
		t.Errorf("browser failure not logged:\n%s", logs.String())
	}
}

func TestLogOnly(t *testing.T) {
	tests := []struct {
		name string
		be   backend
	}{
		{"no backend", nil},
		{"backend fails", &fakeBackend{err: errors.New("org.freedesktop.DBus.Error.ServiceUnknown")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			d := newDesktop(Options{Lang: i18n.ZH, ShowPopup: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, tt.be)
			d.Notify(notice(daemon.NoticeNeedsReauth, "qwen-a.json"))
			d.Notify(notice(daemon.NoticeMissing, "qwen-a.json"))
			out := logs.String()
			if n := strings.Count(out, "msg=notice "); n != 2 {
				t.Errorf("%d notice lines, want 2:\n%s", n, out)
			}
			if !strings.Contains(out, "Token 失效 - 需要重新认证") {
				t.Errorf("log line lacks the notice text:\n%s", out)
			}
			if tt.be != nil && strings.Count(out, "level=WARN") != 1 {
				t.Errorf("want exactly one warning for repeated send failures:\n%s", out)
			}
			if err := d.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

func TestNewWithoutPopupIsLogOnly(t *testing.T) {
	d := New(Options{ShowPopup: false})
	defer d.Close()
	if d.be != nil {
		t.Fatal("ShowPopup=false must not connect to a notification service")
	}
	d.Notify(notice(daemon.NoticeNeedsReauth, "qwen-a.json")) // must not panic or block
}

func TestRender(t *testing.T) {
	const f = "qwen-oauth-1-work.json"
	tests := []struct {
		name       string
		lang       i18n.Lang
		sound      bool
		hasActions bool
		n          daemon.Notice
		wantLines  []string
		wantKeys   []string
		wantLabels []string
		wantSound  string
		urgency    byte
	}{
		{
			name: "needs_reauth zh", lang: i18n.ZH, sound: true, hasActions: true,
			n:         daemon.Notice{Kind: daemon.NoticeNeedsReauth, File: f, DisplayName: "工作账号 (work@company.com)", Reason: "invalid_grant"},
			wantLines: []string{"⚠️ Token 失效 - 需要重新认证", "文件：" + f, "账号：工作账号 (work@company.com)", "原因：invalid_grant", "重新登录：routecodex token-daemon login qwen-oauth-1-work"},
			wantKeys:  []string{"open", "details", "cancel"}, wantLabels: []string{"🌐 浏览器认证", "详情", "稍后"},
			wantSound: "dialog-warning", urgency: urgencyCritical,
		},
		{
			name: "needs_reauth en", lang: i18n.EN, sound: true, hasActions: true,
			n:         daemon.Notice{Kind: daemon.NoticeNeedsReauth, File: f, DisplayName: "work@company.com", Reason: "invalid_grant"},
			wantLines: []string{"⚠️ Token invalid - re-authentication needed", "File: " + f, "Account: work@company.com", "Reason: invalid_grant", "To log in again: routecodex token-daemon login qwen-oauth-1-work"},
			wantKeys:  []string{"open", "details", "cancel"}, wantLabels: []string{"Open browser auth", "Details", "Later"},
			wantSound: "dialog-warning", urgency: urgencyCritical,
		},
		{
			name: "needs_reauth without actions names the login command", lang: i18n.EN, hasActions: false,
			n:         daemon.Notice{Kind: daemon.NoticeNeedsReauth, File: f, DisplayName: "qwen-oauth-1-work"},
			wantLines: []string{"⚠️ Token invalid - re-authentication needed", "File: " + f, "To log in again: routecodex token-daemon login qwen-oauth-1-work"},
			wantKeys:  []string{"open", "details", "cancel"}, wantLabels: []string{"Open browser auth", "Details", "Later"},
			urgency: urgencyCritical,
		},
		{
			name: "refresh_failed zh", lang: i18n.ZH, sound: true, hasActions: true,
			n:         daemon.Notice{Kind: daemon.NoticeRefreshFailed, File: f, Reason: "HTTP 503"},
			wantLines: []string{"⚠️ Token 刷新失败 - 稍后自动重试", "文件：" + f, "原因：HTTP 503"},
			wantKeys:  []string{"open", "details", "cancel"}, wantLabels: []string{"🌐 浏览器认证", "详情", "稍后"},
			wantSound: "dialog-warning", urgency: urgencyNormal,
		},
		{
			name: "refreshed en", lang: i18n.EN, sound: true, hasActions: true,
			n:         daemon.Notice{Kind: daemon.NoticeRefreshed, File: f, DisplayName: "me@x.com"},
			wantLines: []string{"✅ Token refreshed", "File: " + f, "Account: me@x.com"},
			wantKeys:  []string{"details"}, wantLabels: []string{"Details"},
			wantSound: "message-new-instant", urgency: urgencyLow,
		},
		{
			name: "missing zh, no sound", lang: i18n.ZH, hasActions: true,
			n:         daemon.Notice{Kind: daemon.NoticeMissing, File: f, Reason: "file removed"},
			wantLines: []string{"🗑️ Token 文件已删除", "文件：" + f},
			wantKeys:  []string{"details", "cancel"}, wantLabels: []string{"详情", "稍后"},
			urgency: urgencyNormal,
		},
		{
			name: "write_failed en", lang: i18n.EN, sound: true, hasActions: true,
			n:         daemon.Notice{Kind: daemon.NoticeWriteFailed, File: f, Reason: "write failed: disk full"},
			wantLines: []string{"❌ Refreshed token could not be saved - retrying the write", "File: " + f, "Reason: write failed: disk full"},
			wantKeys:  []string{"details", "cancel"}, wantLabels: []string{"Details", "Later"},
			wantSound: "dialog-warning", urgency: urgencyNormal,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := render(Options{Lang: tt.lang, Sound: tt.sound}, tt.n, tt.hasActions)
			if m.Title != "🌙 Routecodex Token Notification" {
				t.Errorf("title %q", m.Title)
			}
			if got := strings.Split(m.Body, "\n"); !slices.Equal(got, tt.wantLines) {
				t.Errorf("body lines\n got %q\nwant %q", got, tt.wantLines)
			}
			var keys, labels []string
			for _, a := range m.Actions {
				keys, labels = append(keys, a.Key), append(labels, a.Label)
			}
			if !slices.Equal(keys, tt.wantKeys) || !slices.Equal(labels, tt.wantLabels) {
				t.Errorf("actions %q %q, want %q %q", keys, labels, tt.wantKeys, tt.wantLabels)
			}
			if m.Sound != tt.wantSound || m.Urgency != tt.urgency {
				t.Errorf("sound %q urgency %d, want %q %d", m.Sound, m.Urgency, tt.wantSound, tt.urgency)
			}
		})
	}
}

func TestCleanReason(t *testing.T) {
	long := strings.Repeat("界", 200)
	tests := []struct{ in, want string }{
		{"invalid_grant", "invalid_grant"},
		{"line one\nline two\r\n\ttabbed", "line one line two tabbed"},
		{`HTTP 400: {"error":"invalid_grant","refresh_token":"rt-abcdefghijklmnopqrstuvwxyz0123456789"}`,
			`HTTP 400: {"error":"invalid_grant","refresh_token":"rt-a…"}`},
		{"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.sig",
			"Bearer eyJh…"},
		{"bell\a here", "bell here"},
		// Issue 10: the instruction itself was cut to "ROUT…".
		{"no client secret: set env ROUTECODEX_GEMINI_CLI_CLIENT_SECRET or tokenDaemon.providers.gemini-cli.clientSecret",
			"no client secret: set env ROUTECODEX_GEMINI_CLI_CLIENT_SECRET or tokenDaemon.providers.gemini-cli.clientSecret"},
		{long, strings.Repeat("界", maxReasonRunes-1) + "…"},
	}
	for _, tt := range tests {
		if got := cleanReason(tt.in); got != tt.want {
			t.Errorf("cleanReason(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}

func TestExecArgsCarryTextVerbatim(t *testing.T) {
	m := message{Title: "🌙 T", Body: `say "zqx" & '; rm -rf ~ \` + "\nline", Sound: soundWarning}
	args := osascriptArgs(m)
	if got := args[len(args)-2:]; got[0] != m.Body || got[1] != m.Title {
		t.Errorf("osascript argv tail %q, want body and title verbatim", got)
	}
	for _, a := range args[:len(args)-2] {
		if strings.Contains(a, "zqx") {
			t.Errorf("text spliced into the script: %q", a)
		}
	}
	if !strings.Contains(strings.Join(args, " "), "sound name") {
		t.Error("sound requested but no sound name")
	}
	if strings.Contains(strings.Join(osascriptArgs(message{Body: "b", Title: "t"}), " "), "sound name") {
		t.Error("sound name without Sound")
	}

	env := toastEnv(m)
	if !slices.Contains(env, "RCX_NOTIFY_BODY="+m.Body) || !slices.Contains(env, "RCX_NOTIFY_SILENT=0") {
		t.Errorf("toast env %q", env)
	}
	if strings.Contains(strings.Join(powerShellArgs(), " "), "zqx") {
		t.Error("text spliced into the PowerShell script")
	}
	if !slices.Contains(toastEnv(message{}), "RCX_NOTIFY_SILENT=1") {
		t.Error("no sound must make the toast silent")
	}
}

func TestRedialsMissingOrLostService(t *testing.T) {
	var logs bytes.Buffer
	d := newDesktop(Options{ShowPopup: true, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil)
	var dials []*fakeBackend
	fail := true
	d.dial = func() (backend, error) {
		if fail {
			return nil, errors.New("no session bus")
		}
		be := &fakeBackend{actions: true}
		dials = append(dials, be)
		return be, nil
	}
	const f = "qwen-a.json"

	d.Notify(notice(daemon.NoticeRefreshFailed, f)) // no service yet: log line
	if len(dials) != 0 {
		t.Fatal("dialled a backend while the service is missing")
	}
	fail = false
	d.Notify(notice(daemon.NoticeNeedsReauth, f)) // the service appeared
	if len(dials) != 1 || dials[0].count() != 1 {
		t.Fatalf("service that appeared later not used: %d dials", len(dials))
	}

	dials[0].Close() // the session bus went away
	d.Notify(notice(daemon.NoticeMissing, f))
	if len(dials) != 2 || dials[1].count() != 1 || dials[0].count() != 1 {
		t.Fatalf("lost connection not redialled: %d dials", len(dials))
	}
	if !strings.Contains(logs.String(), "lost the connection") {
		t.Errorf("lost connection not logged:\n%s", logs.String())
	}

	d.Close()
	d.Notify(notice(daemon.NoticeNeedsReauth, f))
	if len(dials) != 2 {
		t.Error("dialled after Close")
	}
}

// Package notify shows the daemon's notices as desktop notifications that
// lead to a re-login: on Linux through org.freedesktop.Notifications on the
// session bus (with actions), on macOS through osascript and on Windows
// through a PowerShell toast (without actions). It implements the core's
// daemon.Notifier port and guards the user against streams of popups.
package notify

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// Action keys sent with a notification and received back when the user
// clicks one.
const (
	ActionOpen    = "open"    // open the file's auth page
	ActionDetails = "details" // open the web page of all accounts
	ActionCancel  = "cancel"  // "Later": snooze this token's notices
)

const (
	// SnoozeFor is how long "Later" silences one token.
	SnoozeFor = time.Hour
	// MaxPrompts is how many popups of one kind a token may raise before
	// the user acts on one (or the token becomes valid again).
	MaxPrompts = 3
	// callTimeout bounds one call to the OS notification service.
	callTimeout = 5 * time.Second
)

// Options configure a Desktop.
type Options struct {
	Lang          i18n.Lang
	Sound         bool
	ShowPopup     bool // false: notices are log lines only
	NotifySuccess bool // show "refreshed" notices too
	// AuthURL is the URL of /auth/{file} with the web secret.
	AuthURL func(file string) string
	// HomeURL is the URL of / with the web secret.
	HomeURL func() string
	// OpenURL opens a URL in the browser (cli/browser's OpenURL in production).
	OpenURL func(url string) error
	Now     func() time.Time
	Logger  *slog.Logger
	// SnoozeFile keeps the snoozes across restarts ("" keeps them in
	// memory only).
	SnoozeFile string
}

// urgency levels of the freedesktop notification spec.
const (
	urgencyLow      byte = 0
	urgencyNormal   byte = 1
	urgencyCritical byte = 2
)

type action struct{ Key, Label string }

// message is one rendered notification, ready for a backend.
type message struct {
	File       string
	Kind       daemon.NoticeKind
	Title      string
	Body       string
	Icon       string
	Actions    []action
	Sound      string // sound-name hint; "" for silence
	Urgency    byte
	ReplacesID uint32 // the token's previous notification, 0 if none
}

// backend shows messages through one OS's notification service.
type backend interface {
	// Show displays m and returns its id (0 where the OS has none).
	Show(ctx context.Context, m message) (uint32, error)
	// Withdraw removes a notification still on screen; best effort.
	Withdraw(ctx context.Context, id uint32) error
	// HasActions reports whether clicks on actions come back.
	HasActions() bool
	// Alive is false once the connection to the service is lost.
	Alive() bool
	Close() error
}

// events are what a backend reports back from the notification service.
type events struct {
	action func(id uint32, key string)
	closed func(id uint32)
}

// tokenState is the notification history of one token file.
type tokenState struct {
	lastKind     daemon.NoticeKind // the last kind admitted; "" after a reset
	prompts      map[daemon.NoticeKind]int
	snoozedUntil time.Time
	id           uint32 // the notification on screen, 0 if none
}

// Desktop is the daemon's Notifier for the desktop. Safe for concurrent use.
type Desktop struct {
	opts Options
	log  *slog.Logger
	now  func() time.Time

	sendMu sync.Mutex // one send at a time, so replaces_id stays right

	// dial connects to the OS notification service; nil for log lines only.
	dial func() (backend, error)

	mu         sync.Mutex
	be         backend // nil: log lines only (or not connected yet)
	closed     bool
	tokens     map[string]*tokenState
	byID       map[uint32]string // notification id → file
	sendWarned bool              // a failed send was already logged at warn level
}

var _ daemon.Notifier = (*Desktop)(nil)

// New returns a Desktop. With ShowPopup it connects to the OS notification
// service; when there is none it logs one line and every notice becomes a
// log line: nothing fails. A lost or missing service is dialled again at
// the next notice (the daemon may start before the desktop session).
func New(o Options) *Desktop {
	d := newDesktop(o, nil)
	// Dialled later if a config reload turns popups on.
	d.dial = func() (backend, error) {
		return newBackend(d.log, events{action: d.handleAction, closed: d.handleClosed})
	}
	if !o.ShowPopup {
		return d
	}
	if be, err := d.dial(); err != nil {
		d.log.Warn("desktop notifications unavailable; notices go to the log only", "err", err)
	} else {
		d.be = be
	}
	return d
}

func newDesktop(o Options, be backend) *Desktop {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Lang == "" {
		o.Lang = i18n.EN
	}
	d := &Desktop{
		opts:   o,
		log:    o.Logger,
		now:    o.Now,
		be:     be,
		tokens: map[string]*tokenState{},
		byID:   map[uint32]string{},
	}
	for file, until := range loadSnoozes(o.SnoozeFile, o.Now()) {
		d.stateLocked(file).snoozedUntil = until
	}
	return d
}

// Notify shows n unless a guard holds it back: one notification per token
// per state change, at most MaxPrompts of a kind before the user acts, none
// while the token is snoozed, "refreshed" only with NotifySuccess.
func (d *Desktop) Notify(n daemon.Notice) {
	if !d.admit(n) {
		return
	}
	d.deliver(n)
}

// admit applies the loop guards and records what it lets through.
func (d *Desktop) admit(n daemon.Notice) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.stateLocked(n.File)
	if n.Kind == daemon.NoticeRefreshed {
		// The token works again: whatever breaks next is news.
		st.lastKind, st.prompts = "", nil
	}
	if now := d.now(); now.Before(st.snoozedUntil) {
		d.log.Debug("notice held back: token snoozed", "file", n.File, "kind", n.Kind, "until", st.snoozedUntil)
		return false
	}
	if n.Kind == daemon.NoticeRefreshed {
		return d.opts.NotifySuccess
	}
	if n.Kind == st.lastKind {
		d.log.Debug("notice held back: already shown for this state", "file", n.File, "kind", n.Kind)
		return false
	}
	st.lastKind = n.Kind
	if st.prompts[n.Kind] >= MaxPrompts {
		d.log.Info("notice held back: prompt limit reached until the user acts", "file", n.File, "kind", n.Kind, "limit", MaxPrompts)
		return false
	}
	if st.prompts == nil {
		st.prompts = map[daemon.NoticeKind]int{}
	}
	st.prompts[n.Kind]++
	return true
}

func (d *Desktop) stateLocked(file string) *tokenState {
	st, ok := d.tokens[file]
	if !ok {
		st = &tokenState{}
		d.tokens[file] = st
	}
	return st
}

// deliver logs n and shows it through the backend, if any.
func (d *Desktop) deliver(n daemon.Notice) {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()

	be := d.backend()
	m := render(d.options(), n, be != nil && be.HasActions())
	d.mu.Lock()
	m.ReplacesID = d.stateLocked(m.File).id
	d.mu.Unlock()

	// Every notice is a log line, popup or not.
	d.log.Info("notice", "kind", m.Kind, "file", m.File, "text", strings.ReplaceAll(m.Body, "\n", " | "), "popup", be != nil)
	if be == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	id, err := be.Show(ctx, m)

	d.mu.Lock()
	defer d.mu.Unlock()
	if err != nil {
		level := slog.LevelDebug
		if !d.sendWarned {
			level, d.sendWarned = slog.LevelWarn, true
		}
		d.log.Log(ctx, level, "desktop notification failed; the notice is in the log only", "file", m.File, "err", err)
		return
	}
	d.sendWarned = false
	st := d.stateLocked(m.File)
	if st.id != 0 && st.id != id {
		delete(d.byID, st.id)
	}
	st.id = id
	if id != 0 {
		d.byID[id] = m.File
	}
}

// backend returns the live backend, dialling again when the service was
// missing or its connection was lost. Called with sendMu held.
func (d *Desktop) backend() backend {
	d.mu.Lock()
	be, closed := d.be, d.closed
	if !d.opts.ShowPopup {
		d.mu.Unlock()
		return nil // popups turned off: log lines only
	}
	if be != nil && be.Alive() {
		d.mu.Unlock()
		return be
	}
	d.be = nil
	d.mu.Unlock()
	if be != nil {
		be.Close()
		d.log.Warn("lost the connection to the desktop notification service; reconnecting")
	}
	if closed || d.dial == nil {
		return nil
	}
	be, err := d.dial()
	if err != nil {
		d.log.Debug("desktop notifications still unavailable", "err", err)
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		be.Close()
		return nil
	}
	d.log.Info("desktop notifications available")
	d.be = be
	return be
}

// Reset forgets the notice history of file: the daemon wiring calls it when
// the token becomes valid again, so that its next failure is shown even if
// it is of the same kind. A notification of it still on screen is
// withdrawn. A snooze the user asked for stays.
func (d *Desktop) Reset(file string) {
	d.mu.Lock()
	st, ok := d.tokens[file]
	if !ok {
		d.mu.Unlock()
		return
	}
	id, be := st.id, d.be
	if id != 0 {
		delete(d.byID, id)
	}
	if d.now().Before(st.snoozedUntil) {
		st.lastKind, st.prompts, st.id = "", nil, 0
	} else {
		delete(d.tokens, file) // nothing left to remember
	}
	d.mu.Unlock()
	if id != 0 && be != nil {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if err := be.Withdraw(ctx, id); err != nil {
			d.log.Debug("could not withdraw notification", "file", file, "err", err)
		}
	}
}

// Close stops listening to the notification service.
func (d *Desktop) Close() error {
	d.mu.Lock()
	be := d.be
	d.be, d.closed = nil, true
	d.mu.Unlock()
	if be == nil {
		return nil
	}
	return be.Close()
}

// handleAction runs a click on one of our notifications.
func (d *Desktop) handleAction(id uint32, key string) {
	d.mu.Lock()
	file, ok := d.byID[id]
	if !ok {
		d.mu.Unlock()
		return // not ours, or already gone
	}
	st := d.stateLocked(file)
	// The user acted: the prompt limit and dedupe start over.
	st.lastKind, st.prompts = "", nil
	var saveErr error
	if key == ActionCancel {
		st.snoozedUntil = d.now().Add(SnoozeFor)
		saveErr = saveSnoozes(d.opts.SnoozeFile, d.snoozesLocked(), d.now())
	}
	d.mu.Unlock()
	if saveErr != nil {
		d.log.Warn("cannot save the snooze; it lasts until the daemon stops", "err", saveErr)
	}

	d.log.Info("notification action", "action", key, "file", file)
	var target string
	switch key {
	case ActionOpen:
		if d.opts.AuthURL != nil {
			target = d.opts.AuthURL(file)
		}
	case ActionDetails:
		if d.opts.HomeURL != nil {
			target = d.opts.HomeURL()
		}
	}
	if target == "" || d.opts.OpenURL == nil {
		return
	}
	if err := d.opts.OpenURL(target); err != nil {
		// The URL carries the web secret: never log it.
		msg := strings.ReplaceAll(err.Error(), target, withoutQuery(target))
		d.log.Warn("could not open the browser", "action", key, "file", file, "err", msg)
	}
}

// handleClosed forgets a notification the service closed.
func (d *Desktop) handleClosed(id uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	file, ok := d.byID[id]
	if !ok {
		return
	}
	delete(d.byID, id)
	if st := d.tokens[file]; st != nil && st.id == id {
		st.id = 0
	}
}

// withoutQuery drops the query (where the web secret travels) from a URL.
func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<url>"
	}
	u.RawQuery, u.Fragment = "", ""
	return u.String()
}

// snoozesLocked lists every token's snooze end.
func (d *Desktop) snoozesLocked() map[string]time.Time {
	out := map[string]time.Time{}
	for file, st := range d.tokens {
		if !st.snoozedUntil.IsZero() {
			out[file] = st.snoozedUntil
		}
	}
	return out
}

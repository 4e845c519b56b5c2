package tray

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cli/browser"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

var (
	// ErrNoSessionBus means there is no desktop session to show a tray in
	// (Linux: no reachable D-Bus session bus).
	ErrNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset or nobody answers on it): the tray needs a desktop session")
	// ErrNeedsCgo is returned on macOS by a binary built without cgo.
	ErrNeedsCgo = errors.New("the tray needs a build with cgo on macOS")
	// ErrAlreadyRan means Run was called twice in one process, which the
	// system tray library does not support.
	ErrAlreadyRan = errors.New("the tray can run only once per process")
)

// Options configure Run. Socket is required; the rest may be left zero.
type Options struct {
	// Socket is the daemon's socket (<home>/run/token-daemon.sock).
	Socket string
	// Lang is the language of the menu; "" means English.
	Lang i18n.Lang
	// AuthURL returns the full URL of a token file's auth page, secret
	// included (<webURL>/auth/<file>?k=<secret>), or "" when there is none
	// yet (the daemon's web server is not running): then the click opens
	// nothing and is logged. The URL is never logged.
	AuthURL func(file string) string
	// UIURL returns the full URL of the web dashboard, or "" (as AuthURL).
	UIURL func() string
	// OpenURL opens a URL in the user's browser; nil: github.com/cli/browser.
	OpenURL func(string) error
	Logger  *slog.Logger
	// Now is the clock of the "expires in" labels; nil: time.Now.
	Now func() time.Time

	// after waits (reconnect backoff, label refresh); nil: time.After.
	// Tests set it to drive time.
	after func(time.Duration) <-chan time.Time
}

// Reconnect backoff after the daemon stops answering.
const (
	minBackoff = time.Second
	maxBackoff = 30 * time.Second
)

// relabelEvery re-renders the menu so "expires in" labels stay current.
const relabelEvery = time.Minute

// actionTimeout bounds a daemon call made for a click (refresh all waits
// for every refresh to finish, so it gets longer).
const (
	actionTimeout  = 15 * time.Second
	refreshTimeout = 5 * time.Minute
)

// Run shows the tray until ctx ends or the user quits from the menu; it
// blocks. It follows the daemon's events on opts.Socket, reconnecting when
// the daemon restarts. On macOS it must be called from the main goroutine.
// It returns ErrNoSessionBus when there is no desktop session, ErrNeedsCgo
// on macOS without cgo, ErrAlreadyRan on a second call.
func Run(ctx context.Context, opts Options) error {
	if opts.Socket == "" {
		return errors.New("tray: no daemon socket given")
	}
	c := newController(ipc.NewClient(opts.Socket), opts)
	if err := runSystray(ctx, c); err != nil {
		return fmt.Errorf("tray: %w", err)
	}
	return nil
}

// daemonClient is what the tray needs of *ipc.Client.
type daemonClient interface {
	Status(ctx context.Context) (ipc.Status, error)
	Events(ctx context.Context) iter.Seq2[ipc.Event, error]
	Refresh(ctx context.Context, names []string, all bool) ([]ipc.RefreshOutcome, error)
	Shutdown(ctx context.Context) error
}

// controller keeps the tray's picture of the daemon and carries out clicks.
// It knows nothing of systray: the binding renders menu() and calls do().
type controller struct {
	client daemonClient
	opts   Options
	log    *slog.Logger

	mu        sync.Mutex
	tokens    map[string]ipc.TokenDetail
	connected bool

	// changed has room for one signal: many changes between two renders
	// make one render.
	changed chan struct{}
	// refreshing is set while a "refresh all" is in flight, so that
	// impatient clicks do not queue more.
	refreshing atomic.Bool
	// quit closes the tray; set by the binding before anything runs.
	quit func()
}

func newController(client daemonClient, opts Options) *controller {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.after == nil {
		opts.after = time.After
	}
	if opts.OpenURL == nil {
		opts.OpenURL = browser.OpenURL
	}
	if opts.AuthURL == nil {
		opts.AuthURL = func(string) string { return "" }
	}
	if opts.UIURL == nil {
		opts.UIURL = func() string { return "" }
	}
	if opts.Lang == "" {
		opts.Lang = i18n.EN
	}
	return &controller{
		client:  client,
		opts:    opts,
		log:     opts.Logger,
		tokens:  make(map[string]ipc.TokenDetail),
		changed: make(chan struct{}, 1),
		quit:    func() {},
	}
}

// menu is the menu for the current state.
func (c *controller) menu() Menu {
	c.mu.Lock()
	tokens := slices.Collect(maps.Values(c.tokens))
	connected := c.connected
	c.mu.Unlock()
	return BuildMenu(c.opts.Lang, tokens, connected, c.opts.Now())
}

func (c *controller) signal() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

// follow keeps the state in step with the daemon until ctx ends: a full
// status, then the event stream; when the daemon goes away, the state says
// offline and it tries again with exponential backoff.
func (c *controller) follow(ctx context.Context) {
	backoff := minBackoff
	logged := false // whether the current outage was logged at info level
	for {
		up, err := c.session(ctx)
		if ctx.Err() != nil {
			return
		}
		c.setOffline()
		if up {
			backoff, logged = minBackoff, false
		}
		if !logged {
			c.log.Info("tray: the token daemon does not answer; retrying", "err", err)
			logged = true
		} else {
			c.log.Debug("tray: the token daemon still does not answer", "err", err, "retryIn", backoff)
		}
		select {
		case <-c.opts.after(backoff):
		case <-ctx.Done():
			return
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// session is one connection: it reports whether the event stream was open
// (which resets the backoff), and why the connection ended.
func (c *controller) session(ctx context.Context) (up bool, err error) {
	if err := c.resync(ctx); err != nil {
		return false, err
	}
	c.log.Debug("tray: connected to the token daemon")

	// The stream starts with a snapshot of every token, but nothing marks
	// its end, so a token removed before the subscription would linger.
	// Once the first event proves the subscription, a second full status
	// replaces the state; events already queued behind it are applied
	// again in order, which converges on the daemon's state.
	synced := false
	for ev, err := range c.client.Events(ctx) {
		var apiErr *ipc.APIError
		if errors.As(err, &apiErr) || errors.Is(err, ipc.ErrNotRunning) {
			// Refused or gone before the stream opened: not a working
			// connection, so the backoff keeps growing (no retry loop
			// against a daemon that cannot stream).
			return false, err
		}
		if err != nil {
			return true, err
		}
		if !synced {
			if err := c.resync(ctx); err != nil {
				return true, err
			}
			synced = true
		}
		c.apply(ev)
	}
	return true, errors.New("the event stream ended")
}

// resync replaces the state with the daemon's full status.
func (c *controller) resync(ctx context.Context) error {
	st, err := c.client.Status(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	clear(c.tokens)
	for _, t := range st.Tokens {
		c.tokens[t.File] = t
	}
	c.connected = true
	c.mu.Unlock()
	c.signal()
	return nil
}

func (c *controller) apply(ev ipc.Event) {
	c.mu.Lock()
	switch ev.Type {
	case "token":
		c.tokens[ev.Token.File] = ev.Token
	case "removed":
		delete(c.tokens, ev.Token.File)
	default:
		c.mu.Unlock()
		c.log.Debug("tray: ignoring an unknown event", "type", ev.Type)
		return
	}
	c.mu.Unlock()
	c.signal()
}

func (c *controller) setOffline() {
	c.mu.Lock()
	c.connected = false
	c.mu.Unlock()
	c.signal()
}

// do carries out a click. It may block (browser, daemon calls): callers
// run it on its own goroutine.
func (c *controller) do(ctx context.Context, a Action) {
	switch a.Kind {
	case ActionOpenAuth:
		c.open(c.opts.AuthURL(a.File), "auth page", "file", a.File)
	case ActionOpenWebUI:
		c.open(c.opts.UIURL(), "web UI")
	case ActionRefreshAll:
		c.refreshAll(ctx)
	case ActionQuit:
		c.log.Info("tray: quit from the menu")
		c.quit()
	case ActionStopDaemon:
		sctx, cancel := context.WithTimeout(ctx, actionTimeout)
		err := c.client.Shutdown(sctx)
		cancel()
		switch {
		case err == nil:
			c.log.Info("tray: asked the token daemon to stop; quitting")
		case errors.Is(err, ipc.ErrNotRunning):
			c.log.Info("tray: the token daemon was not running; quitting")
		default:
			c.log.Error("tray: could not stop the token daemon; quitting anyway", "err", err)
		}
		c.quit()
	}
}

// open opens target in the browser. The URL carries the daemon's secret,
// so it is never logged, and neither is it in the error.
func (c *controller) open(target, what string, logArgs ...any) {
	if target == "" {
		c.log.Warn("tray: no "+what+" to open: the daemon's web server is not running", logArgs...)
		return
	}
	if err := c.opts.OpenURL(target); err != nil {
		c.log.Error("tray: could not open the "+what+" in a browser", append(logArgs, "err", redactURL(err.Error(), target))...)
		return
	}
	c.log.Info("tray: opened the "+what, append(logArgs, "url", redactURL(target, target))...)
}

// redactURL replaces target in s by target without its query (which holds
// the secret).
func redactURL(s, target string) string {
	short := "<url>"
	if u, err := url.Parse(target); err == nil {
		if u.RawQuery != "" {
			u.RawQuery = "…"
		}
		short = u.String()
	}
	return strings.ReplaceAll(s, target, short)
}

func (c *controller) refreshAll(ctx context.Context) {
	if !c.refreshing.CompareAndSwap(false, true) {
		c.log.Info("tray: a refresh of all tokens is already running")
		return
	}
	defer c.refreshing.Store(false)
	rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	results, err := c.client.Refresh(rctx, nil, true)
	if err != nil {
		c.log.Error("tray: refresh all", "err", err)
		return
	}
	failed := 0
	for _, r := range results {
		if r.Error != "" {
			failed++
			c.log.Warn("tray: refresh failed", "file", r.File, "status", r.Status, "err", r.Error)
		}
	}
	c.log.Info("tray: refreshed all tokens", "tokens", len(results), "failed", failed)
}

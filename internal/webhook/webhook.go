// Package webhook tells chat and push services about the daemon's notices
// (DESIGN.md section 14: headless alerts): needs_reauth, refresh_failed,
// missing, write_failed and recovered, POSTed in each target's format
// (json, slack, discord, feishu, dingtalk, wecom, ntfy), never a token. It
// implements the core's daemon.Notifier port. Each target has its own
// worker and a small bounded queue, so a slow or hanging target delays
// nothing but its own messages and the daemon never waits.
package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// Delivery limits.
const (
	// QueueSize bounds the events waiting for one target; past it new
	// events are dropped (and logged), never queued without bound.
	QueueSize = 32
	// Retries after the first attempt, on network errors, 5xx and 429.
	Retries = 3
	// FirstBackoff doubles after each failed attempt: 2 s, 4 s, 8 s.
	FirstBackoff = 2 * time.Second
	// AttemptTimeout bounds one POST.
	AttemptTimeout = 10 * time.Second
)

// Target is one configured webhook.
type Target struct {
	URL    string
	Format string   // one of Formats
	Events []string // event names it is sent
	Secret string   // signs feishu and dingtalk messages
}

// Options configure a Notifier.
type Options struct {
	Targets []Target
	Lang    i18n.Lang
	Host    string // host name in messages; os.Hostname when ""
	Client  *http.Client
	// Clock times the backoff (daemontest.Clock in tests); the system
	// clock when nil.
	Clock  daemon.Clock
	Logger *slog.Logger
}

// Notifier is the daemon's Notifier for webhooks. Safe for concurrent use.
type Notifier struct {
	opts    Options
	log     *slog.Logger
	clock   daemon.Clock
	client  *http.Client
	targets []*target

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	// failed holds the last failure told per file, so that a token that
	// works again is reported as recovered (once).
	failed map[string]Event
}

type target struct {
	cfg   Target
	name  string // for logs and `notify test`: index, format, host; never the URL's path or query
	queue chan Event
}

var _ daemon.Notifier = (*Notifier)(nil)

// New starts one worker per target. Close stops them.
func New(o Options) *Notifier {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = daemon.SystemClock()
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Lang == "" {
		o.Lang = i18n.EN
	}
	if o.Host == "" {
		o.Host, _ = os.Hostname()
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := &Notifier{opts: o, log: o.Logger, clock: o.Clock, client: o.Client,
		ctx: ctx, cancel: cancel, failed: map[string]Event{}}
	for i, cfg := range o.Targets {
		t := &target{cfg: cfg, name: TargetName(i, cfg), queue: make(chan Event, QueueSize)}
		n.targets = append(n.targets, t)
		n.wg.Add(1)
		go n.work(t)
	}
	return n
}

// TargetName names a target without its secrets: "webhook[0] slack
// (hooks.slack.com)". Webhook URLs carry keys in their path or query.
func TargetName(i int, t Target) string {
	host := "?"
	if u, err := url.Parse(t.URL); err == nil && u.Host != "" {
		host = u.Host
	}
	return fmt.Sprintf("webhook[%d] %s (%s)", i, t.Format, host)
}

// Len is the number of targets.
func (n *Notifier) Len() int { return len(n.targets) }

// Notify queues the notice for every target that takes its event. It never
// blocks.
func (n *Notifier) Notify(no daemon.Notice) {
	name, status, ok := eventOf(no)
	if !ok || len(n.targets) == 0 {
		return
	}
	ev := n.event(name, status, no.File, no.DisplayName, no.Provider, no.Reason)
	if no.Login != "" && (name == EventNeedsReauth || name == EventMissing || name == EventExpired) {
		ev.Fix = no.Login // another tool's file: that tool logs in again
	}
	n.mu.Lock()
	n.failed[no.File] = ev
	n.mu.Unlock()
	n.enqueue(ev)
}

// Recovered reports a token that works again: the wiring calls it on every
// valid state; only a file whose failure was told gives a message.
func (n *Notifier) Recovered(file string) {
	n.mu.Lock()
	prev, ok := n.failed[file]
	delete(n.failed, file)
	n.mu.Unlock()
	if !ok {
		return
	}
	n.enqueue(n.event(EventRecovered, "valid", file, prev.DisplayName, prev.Provider, ""))
}

func (n *Notifier) event(name, status, file, display, prov, reason string) Event {
	ev := Event{Event: name, File: file, DisplayName: display, Provider: prov, Status: status,
		Reason: cleanReason(reason), Time: n.clock.Now(), Host: n.opts.Host}
	ev.Fix = fixCommand(ev)
	return ev
}

func (n *Notifier) enqueue(ev Event) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return
	}
	for _, t := range n.targets {
		if !slices.Contains(t.cfg.Events, ev.Event) {
			continue
		}
		select {
		case t.queue <- ev:
		default:
			n.log.Warn("webhook delivery failed: queue full, event dropped",
				"target", t.name, "event", ev.Event, "file", ev.File, "queued", QueueSize)
		}
	}
}

func (n *Notifier) work(t *target) {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case ev := <-t.queue:
			attempts, err := n.deliver(t, ev)
			if err != nil && n.ctx.Err() == nil {
				n.log.Warn("webhook delivery failed", "target", t.name, "event", ev.Event,
					"file", ev.File, "attempts", attempts, "err", err)
			}
		}
	}
}

// deliver sends ev with bounded retries and backoff.
func (n *Notifier) deliver(t *target, ev Event) (attempts int, err error) {
	wait := FirstBackoff
	for attempts = 1; ; attempts++ {
		err = n.send(n.ctx, t, ev)
		var de *deliveryError
		if err == nil || attempts > Retries || (errors.As(err, &de) && !de.Retry) {
			return attempts, err
		}
		timer := n.clock.NewTimer(wait)
		select {
		case <-n.ctx.Done():
			timer.Stop()
			return attempts, n.ctx.Err()
		case <-timer.C():
		}
		wait *= 2
	}
}

// send makes one attempt.
func (n *Notifier) send(ctx context.Context, t *target, ev Event) error {
	req, err := t.request(n.opts.Lang, ev, n.clock.Now())
	if err != nil {
		return &deliveryError{Msg: err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, AttemptTimeout)
	defer cancel()
	resp, err := n.client.Do(req.WithContext(ctx))
	if err != nil {
		// *url.Error quotes the URL, which holds the webhook's key.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &deliveryError{Msg: err.Error(), Retry: true}
	}
	defer resp.Body.Close()
	return t.check(resp)
}

// Result is the outcome of a test message to one target.
type Result struct {
	Target string
	Err    error
}

// Test sends a test event to every target at once, one attempt each, and
// waits for all answers (or ctx).
func (n *Notifier) Test(ctx context.Context) []Result {
	out := make([]Result, len(n.targets))
	var wg sync.WaitGroup
	for i, t := range n.targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := n.event(EventTest, "", "", "", "", "")
			out[i] = Result{Target: t.name, Err: n.send(ctx, t, ev)}
		}()
	}
	wg.Wait()
	return out
}

// Close stops the workers; a delivery in flight is cancelled.
func (n *Notifier) Close() error {
	n.mu.Lock()
	n.closed = true
	n.mu.Unlock()
	n.cancel()
	n.wg.Wait()
	return nil
}

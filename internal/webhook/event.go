package webhook

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// Event names, as in tokenDaemon.notification.webhooks[].events.
const (
	EventNeedsReauth   = "needs_reauth"
	EventRefreshFailed = "refresh_failed"
	EventMissing       = "missing"
	EventWriteFailed   = "write_failed"
	EventRecovered     = "recovered"
	// EventExpired: a watched token of another tool expired (its tool did
	// not refresh it; the daemon only watches it).
	EventExpired = "expired"
	// EventTest is sent by `token-daemon notify test` to every target,
	// whatever its events.
	EventTest = "test"
)

// Event is what a webhook is told: never a token.
type Event struct {
	Event       string    `json:"event"`
	File        string    `json:"file"`
	DisplayName string    `json:"displayName"`
	Provider    string    `json:"provider"`
	Status      string    `json:"status"` // the token's status word (README, list --json)
	Reason      string    `json:"reason"`
	Time        time.Time `json:"time"`
	Host        string    `json:"host"`
	Fix         string    `json:"fix"` // the command that fixes it; "" when nothing is to fix
}

// eventOf maps a core notice to an event; ok is false for notices that are
// not webhook events (a routine "refreshed").
func eventOf(n daemon.Notice) (name, status string, ok bool) {
	switch n.Kind {
	case daemon.NoticeNeedsReauth:
		return EventNeedsReauth, "needs_reauth", true
	case daemon.NoticeRefreshFailed:
		return EventRefreshFailed, "refresh_failed", true
	case daemon.NoticeMissing:
		return EventMissing, "missing", true
	case daemon.NoticeWriteFailed:
		// The core shows a failed write as refresh_failed, "write failed: …".
		return EventWriteFailed, "refresh_failed", true
	case daemon.NoticeExpired:
		if n.Watch {
			return EventExpired, "expired", true
		}
	}
	return "", "", false
}

// fixCommand is the command a user runs about ev.
func fixCommand(ev Event) string {
	name := strings.TrimSuffix(ev.File, ".json")
	switch ev.Event {
	case EventNeedsReauth:
		return "routecodex token-daemon login " + name
	case EventRefreshFailed:
		return "routecodex token-daemon refresh " + name
	case EventMissing:
		if ev.Provider != "" {
			return "routecodex token-daemon login " + ev.Provider // a new login saves a new file
		}
		return "routecodex token-daemon status"
	case EventWriteFailed:
		return "routecodex token-daemon status" // the reason says what the disk said
	case EventTest:
		return "routecodex token-daemon notify test"
	}
	return ""
}

// headline is the first line of the message for ev.
func headline(lang i18n.Lang, event string) string {
	key := map[string]i18n.Key{
		EventNeedsReauth:   i18n.WebhookNeedsReauth,
		EventRefreshFailed: i18n.WebhookRefreshFailed,
		EventMissing:       i18n.WebhookMissing,
		EventWriteFailed:   i18n.WebhookWriteFailed,
		EventRecovered:     i18n.WebhookRecovered,
		EventTest:          i18n.WebhookTest,
		EventExpired:       i18n.NotifyWatchExpire,
	}[event]
	return i18n.T(lang, key)
}

// title is the headline prefixed by the product and host.
func title(lang i18n.Lang, ev Event) string {
	return i18n.T(lang, i18n.WebhookTitle, ev.Host) + ": " + headline(lang, ev.Event)
}

// details are the lines under the title.
func details(lang i18n.Lang, ev Event) []string {
	var lines []string
	if ev.File != "" {
		lines = append(lines, i18n.T(lang, i18n.WebhookFile, ev.File))
	}
	if ev.DisplayName != "" && ev.DisplayName != strings.TrimSuffix(ev.File, ".json") {
		lines = append(lines, i18n.T(lang, i18n.WebhookAccount, ev.DisplayName))
	}
	if ev.Provider != "" {
		lines = append(lines, i18n.T(lang, i18n.WebhookProvider, ev.Provider))
	}
	if ev.Status != "" {
		lines = append(lines, i18n.T(lang, i18n.WebhookStatus, i18n.StatusLabel(lang, ev.Status)))
	}
	if ev.Reason != "" {
		lines = append(lines, i18n.T(lang, i18n.WebhookReason, ev.Reason))
	}
	lines = append(lines, i18n.T(lang, i18n.WebhookTime, ev.Time.Format("2006-01-02 15:04:05 MST")))
	if ev.Fix != "" {
		lines = append(lines, i18n.T(lang, i18n.WebhookFix, ev.Fix))
	}
	return lines
}

// text is the whole message as plain text.
func text(lang i18n.Lang, ev Event) string {
	return title(lang, ev) + "\n" + strings.Join(details(lang, ev), "\n")
}

// maxReasonRunes keeps a provider's error text short in a chat message.
const maxReasonRunes = 300

// secretRun matches what looks like a token: providers' error texts may
// quote one.
var secretRun = regexp.MustCompile(`[A-Za-z0-9_\-+=~]{32,}`)

// cleanReason makes a reason safe to send: one line, token-like runs cut
// to a 4-character prefix, bounded length.
func cleanReason(r string) string {
	r = strings.Join(strings.Fields(strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return ' '
		}
		return c
	}, r)), " ")
	r = secretRun.ReplaceAllStringFunc(r, func(s string) string { return s[:4] + "…" })
	if rs := []rune(r); len(rs) > maxReasonRunes {
		r = string(rs[:maxReasonRunes-1]) + "…"
	}
	return r
}

package daemon

import (
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/provider"
)

// ReasonConfigPrefix starts the reason of a token whose refresh failed
// because of the configuration (a wrong or missing client id or secret):
// status says so, and pages and clients can tell it from other failures.
const ReasonConfigPrefix = "configuration error: "

// ReasonConfigCode starts the ReasonCode of such a token when the
// provider coded its problem ("config.no_client_secret").
const ReasonConfigCode = "config."

// reasonAutoRefreshOff is the reason of the notice of a token that expired
// while automatic refresh is off.
const reasonAutoRefreshOff = "automatic refresh is off (autoRefresh.enabled=false)"

// misconfiguredNoticeLocked tells the user, once, that the configuration
// must be fixed, and which setting (the provider's Fix) to change.
func (d *Daemon) misconfiguredNoticeLocked(e *entry, err error) {
	fix := provider.FixOf(err)
	reason := err.Error()
	if fix != "" {
		// The fix has its own line in a notification.
		reason = strings.TrimSuffix(reason, "; "+fix)
	}
	n := len(d.outbox)
	d.noticeLocked(e, NoticeMisconfigured, reason)
	if len(d.outbox) > n {
		last := &d.outbox[len(d.outbox)-1]
		last.Fix = fix
		last.Problem, last.ProblemArgs = provider.ProblemOf(err)
	}
}

// expiryWakeLocked is, with automatic refresh off, when to wake for a
// refreshable token: at its expiry, to tell the user once. Zero when there
// is nothing to tell.
func (d *Daemon) expiryWakeLocked(e *entry, now time.Time) time.Time {
	f := e.file
	if d.cfg.AutoRefresh || !f.Refreshable() || f.ExpiresAt.IsZero() || e.notified == NoticeExpired || e.fail != failNone {
		return time.Time{}
	}
	if f.ExpiresAt.Before(now) {
		return now
	}
	return f.ExpiresAt
}

// expiryNoticeLocked tells the user once that a token expired and that
// the daemon, with automatic refresh off, will not refresh it.
func (d *Daemon) expiryNoticeLocked(e *entry, now time.Time) {
	f := e.file
	if d.cfg.AutoRefresh || !f.Refreshable() || f.ExpiresAt.IsZero() || now.Before(f.ExpiresAt) || !e.missingSince.IsZero() {
		return
	}
	d.noticeLocked(e, NoticeExpired, reasonAutoRefreshOff)
}

package notify

import (
	"strings"
	"unicode"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/redact"
)

// Sound names of the freedesktop sound naming spec.
const (
	soundWarning = "dialog-warning"
	soundSuccess = "message-new-instant"
)

// maxReasonRunes keeps a provider's error text from filling the screen.
const maxReasonRunes = 160

// render turns a notice into the text, actions and hints of a notification.
// hasActions says whether the backend can send clicks back; without, a
// needs_reauth notice names the command that logs in again.
func render(o Options, n daemon.Notice, hasActions bool) message {
	m := message{
		File:    n.File,
		Kind:    n.Kind,
		Title:   i18n.T(o.Lang, i18n.NotifyTitle),
		Urgency: urgencyNormal,
		Icon:    "dialog-warning",
	}
	var head i18n.Key
	showReason := true
	switch n.Kind {
	case daemon.NoticeNeedsReauth:
		head, m.Urgency, m.Icon = i18n.NotifyNeedsReauth, urgencyCritical, "dialog-password"
	case daemon.NoticeRefreshFailed:
		head = i18n.NotifyRefreshFailed
	case daemon.NoticeWriteFailed:
		head, m.Icon = i18n.NotifyWriteFailed, "dialog-error"
	case daemon.NoticeMisconfigured:
		// Not "retrying later": the daemon waits for the configuration.
		head, m.Icon = i18n.NotifyMisconfigured, "dialog-error"
	case daemon.NoticeExpired:
		// autoRefresh is off: the daemon's reason only says so, as does the headline.
		head, showReason = i18n.NotifyExpired, false
	case daemon.NoticeMissing:
		// The daemon's reason ("file removed") only repeats the headline.
		head, showReason = i18n.NotifyMissing, false
	case daemon.NoticeRefreshed:
		head, showReason, m.Urgency, m.Icon = i18n.NotifyRefreshed, false, urgencyLow, "dialog-information"
	default:
		head = i18n.NotifyRefreshFailed
	}
	if n.Kind == daemon.NoticeExpired && n.Watch {
		// A watched file of another tool: that tool should have refreshed it.
		head = i18n.NotifyWatchExpire
	}

	lines := []string{i18n.T(o.Lang, head), i18n.T(o.Lang, i18n.NotifyFile, n.File)}
	if acct := strings.TrimSpace(n.DisplayName); acct != "" && acct != strings.TrimSuffix(n.File, ".json") {
		lines = append(lines, i18n.T(o.Lang, i18n.NotifyAccount, acct))
	}
	reason, fix := n.Reason, n.Fix
	if problem, how, ok := i18n.Problem(o.Lang, n.Problem, n.ProblemArgs, n.Reason); ok {
		reason, fix = problem, how // ours, worded in the user's language
	}
	if r := cleanReason(reason); showReason && r != "" {
		lines = append(lines, i18n.T(o.Lang, i18n.NotifyReason, r))
	}
	name := strings.TrimSuffix(n.File, ".json")
	switch n.Kind {
	case daemon.NoticeNeedsReauth:
		// Every "needs login" notice names the command that fixes it, buttons
		// or not: for another tool's file, that tool's own login.
		if n.Login != "" {
			lines = append(lines, i18n.T(o.Lang, i18n.NotifyToolLogin, n.Login))
		} else {
			lines = append(lines, i18n.T(o.Lang, i18n.NotifyLoginHint, name))
		}
	case daemon.NoticeMisconfigured:
		if fix := cleanText(fix, maxFixRunes); fix != "" {
			lines = append(lines, i18n.T(o.Lang, i18n.NotifyFix, fix))
		}
	case daemon.NoticeExpired:
		if n.Watch && n.Login != "" {
			lines = append(lines, i18n.T(o.Lang, i18n.NotifyToolLogin, n.Login))
		} else if !n.Watch {
			lines = append(lines, i18n.T(o.Lang, i18n.NotifyRefreshHint, name))
		}
	}
	m.Body = strings.Join(lines, "\n")

	if o.Sound {
		m.Sound = soundWarning
		if n.Kind == daemon.NoticeRefreshed {
			m.Sound = soundSuccess
		}
	}

	open := action{ActionOpen, i18n.T(o.Lang, i18n.NotifyActionOpen)}
	details := action{ActionDetails, i18n.T(o.Lang, i18n.NotifyActionDetails)}
	later := action{ActionCancel, i18n.T(o.Lang, i18n.NotifyActionLater)}
	switch n.Kind {
	case daemon.NoticeNeedsReauth, daemon.NoticeRefreshFailed, daemon.NoticeExpired:
		m.Actions = []action{open, details, later}
	case daemon.NoticeRefreshed:
		m.Actions = []action{details}
	default:
		m.Actions = []action{details, later}
	}
	return m
}

// maxFixRunes bounds the instruction of a misconfiguration notice: env
// names, config keys and a path, longer than a reason but never cut short
// in normal use.
const maxFixRunes = 480

// cleanReason makes a reason fit for a notification (cleanText).
func cleanReason(r string) string { return cleanText(r, maxReasonRunes) }

// cleanText makes a text fit for a notification: one line, no control
// characters, token values redacted to a 4-character prefix (identifiers
// made of words, such as the env names a notice tells the user to set,
// stay whole), at most max runes.
func cleanText(r string, max int) string {
	r = strings.Join(strings.FieldsFunc(r, func(c rune) bool { return c == '\n' || c == '\r' || c == '\t' }), " ")
	r = strings.Map(func(c rune) rune {
		if unicode.IsControl(c) {
			return -1
		}
		return c
	}, r)
	r = strings.TrimSpace(redact.Text(r))
	if rs := []rune(r); len(rs) > max {
		r = string(rs[:max-1]) + "…"
	}
	return r
}

// escapeMarkup escapes the characters that notification servers with the
// body-markup capability would read as markup.
var escapeMarkup = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace

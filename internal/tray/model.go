// Package tray is the desktop tray icon of the token daemon. It is only a
// client of the daemon over internal/ipc: it follows GET /v1/events, shows
// the worst token status as its icon and one menu line per token, and turns
// clicks into ipc calls or browser pages.
//
// The menu model (this file) is pure: tokens in, labels, actions and icon
// level out. The systray binding only mirrors it.
package tray

import (
	"cmp"
	"slices"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Level is what the icon shows: the worst status of all tokens.
type Level int

const (
	LevelOK      Level = iota // every token works
	LevelWarning              // something needs watching: expiring, refresh failing, unreadable, deleted
	LevelError                // a token does not work now: expired or needs a login
	LevelOffline              // the daemon does not answer
)

func (l Level) String() string {
	switch l {
	case LevelOK:
		return "ok"
	case LevelWarning:
		return "warning"
	case LevelError:
		return "error"
	case LevelOffline:
		return "offline"
	}
	return "unknown"
}

// ActionKind is what a click on a menu item does.
type ActionKind int

const (
	ActionNone       ActionKind = iota // an information line
	ActionOpenAuth                     // open the token's auth page
	ActionRefreshAll                   // ask the daemon to refresh every token
	ActionOpenWebUI                    // open the web dashboard
	ActionQuit                         // close the tray, leave the daemon running
	ActionStopDaemon                   // stop the daemon, then close the tray
)

// Action is a click's effect; File names the token for ActionOpenAuth.
type Action struct {
	Kind ActionKind
	File string
}

// Entry is one menu item.
type Entry struct {
	Label   string
	Tooltip string
	Enabled bool
	Action  Action
	// SeparatorBefore draws a line above the item (commands only).
	SeparatorBefore bool
}

// Menu is the whole tray: icon, tooltip and items, in display order.
type Menu struct {
	Level   Level
	Title   string
	Tooltip string
	// StatusTitle is the label of the status submenu; Tokens its lines (one
	// disabled placeholder when there is nothing to list).
	StatusTitle string
	Tokens      []Entry
	// Commands follow the status submenu, in order.
	Commands []Entry
}

// NeedsLogin reports whether only a browser login can make t work again:
// the daemon gave up on it (needs_reauth), refreshing keeps failing
// (refresh_failed), or it is expired and cannot be refreshed. Files of an
// unknown provider have no login flow, so they never qualify.
func NeedsLogin(t ipc.Token) bool {
	if t.Provider == "" {
		return false
	}
	switch tokenfile.Status(t.Status) {
	case tokenfile.StatusNeedsReauth, tokenfile.StatusRefreshFailed:
		return true
	case tokenfile.StatusExpired:
		return !t.Refreshable
	}
	return false
}

// levelOf is the icon level one token asks for.
func levelOf(t ipc.Token) Level {
	switch tokenfile.Status(t.Status) {
	case tokenfile.StatusNeedsReauth, tokenfile.StatusExpired:
		return LevelError
	case tokenfile.StatusExpiring, tokenfile.StatusRefreshFailed, tokenfile.StatusInvalid, tokenfile.StatusMissing:
		return LevelWarning
	}
	return LevelOK
}

// TokenLabel is the menu line of one token at now, e.g.
// "qwen.json ⚠️ 25分钟后过期" or "iflow-work.json ❌ 失效 [重新认证]".
func TokenLabel(lang i18n.Lang, t ipc.Token, now time.Time) string {
	state := i18n.StatusLabel(lang, t.Status)
	if tokenfile.Status(t.Status) == tokenfile.StatusExpiring && t.ExpiresAt != nil {
		if exp, err := time.Parse(time.RFC3339, *t.ExpiresAt); err == nil && exp.After(now) {
			state = i18n.T(lang, i18n.TrayExpiresIn, i18n.Remaining(lang, exp.Sub(now)))
		}
	}
	label := t.File + " " + state
	if NeedsLogin(t) {
		label += " " + i18n.T(lang, i18n.TrayReauth)
	}
	return label
}

// BuildMenu makes the menu for tokens (in any order; shown by file name)
// at now. connected=false means the daemon does not answer: the icon says
// so and the token lines are replaced by one notice.
func BuildMenu(lang i18n.Lang, tokens []ipc.TokenDetail, connected bool, now time.Time) Menu {
	m := Menu{
		Level:       LevelOK,
		Title:       i18n.T(lang, i18n.TrayTitle),
		StatusTitle: i18n.T(lang, i18n.TrayStatusMenu),
	}
	sorted := slices.SortedFunc(slices.Values(tokens), func(a, b ipc.TokenDetail) int { return cmp.Compare(a.File, b.File) })

	attention := 0
	switch {
	case !connected:
		m.Level = LevelOffline
		m.Tooltip = i18n.T(lang, i18n.TrayTooltipOffline)
		m.Tokens = []Entry{{Label: i18n.T(lang, i18n.TrayDaemonOffline)}}
	case len(sorted) == 0:
		m.Tokens = []Entry{{Label: i18n.T(lang, i18n.TrayNoTokens)}}
	default:
		for _, t := range sorted {
			e := Entry{Label: TokenLabel(lang, t.Token, now), Tooltip: lineTooltip(lang, t.Token), Enabled: true}
			if NeedsLogin(t.Token) {
				e.Action = Action{Kind: ActionOpenAuth, File: t.File}
			}
			m.Tokens = append(m.Tokens, e)
			if l := levelOf(t.Token); l != LevelOK {
				attention++
				m.Level = max(m.Level, l)
			}
		}
	}
	if connected {
		if attention == 0 {
			m.Tooltip = i18n.T(lang, i18n.TrayTooltipOK)
		} else {
			m.Tooltip = i18n.T(lang, i18n.TrayTooltipAttend, attention)
		}
	}

	m.Commands = []Entry{
		{Label: i18n.T(lang, i18n.TrayRefreshAll), Enabled: connected, Action: Action{Kind: ActionRefreshAll}, SeparatorBefore: true},
		{Label: i18n.T(lang, i18n.TrayWebUI), Enabled: connected, Action: Action{Kind: ActionOpenWebUI}},
		{Label: i18n.T(lang, i18n.TrayQuit), Enabled: true, Action: Action{Kind: ActionQuit}, SeparatorBefore: true},
		{Label: i18n.T(lang, i18n.TrayStopDaemonQuit), Enabled: true, Action: Action{Kind: ActionStopDaemon}},
	}
	return m
}

// lineTooltip is a token line's tooltip: its name and its health score
// (DESIGN.md section 12), "Work (me@x.com) · health 92 (healthy)".
func lineTooltip(lang i18n.Lang, t ipc.Token) string {
	if t.Health.Grade == "" {
		return t.DisplayName
	}
	return t.DisplayName + " · " + i18n.T(lang, i18n.TrayHealth, t.Health.Score, i18n.GradeLabel(lang, string(t.Health.Grade)))
}

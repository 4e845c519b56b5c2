// Package i18n holds every user-facing sentence of the command line, one
// catalog per language (zh.go, en.go), and the formats that differ by
// language (token status words, remaining time).
package i18n

import (
	"fmt"
	"strings"
	"time"
)

// Lang is a supported language.
type Lang string

const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// Langs lists the supported languages.
var Langs = []Lang{ZH, EN}

// Key names one message of the catalogs.
type Key string

// Message keys. Keys whose text takes arguments note them.
const (
	// Status words, symbol and word ("✅ valid"); see StatusLabel.
	StatusValid         Key = "status.valid"
	StatusExpiring      Key = "status.expiring"
	StatusExpired       Key = "status.expired"
	StatusRefreshing    Key = "status.refreshing"
	StatusRefreshFailed Key = "status.refresh_failed"
	StatusNeedsReauth   Key = "status.needs_reauth"
	StatusInvalid       Key = "status.invalid"
	StatusStatic        Key = "status.static"
	StatusMissing       Key = "status.missing"

	// Table headers.
	HeaderFile        Key = "header.file"
	HeaderDisplayName Key = "header.displayName"
	HeaderStatus      Key = "header.status"
	HeaderExpires     Key = "header.expires"
	HeaderRemaining   Key = "header.remaining"

	// Header lines of `status`.
	DaemonRunning    Key = "daemon.running"    //
	DaemonNotRunning Key = "daemon.notRunning" //
	WatchedDir       Key = "daemon.watchedDir" // %s: auth dir
	WebURL           Key = "daemon.webURL"     // %s: URL

	// Remaining time.
	RemainDaysHours    Key = "remain.daysHours"    // %d days, %d hours
	RemainHoursMinutes Key = "remain.hoursMinutes" // %d hours, %d minutes
	RemainMinutes      Key = "remain.minutes"      // %d minutes
	RemainUnderMinute  Key = "remain.underMinute"  //

	// Empty results.
	NoTokens         Key = "list.noTokens"         // %s: auth dir
	NoExpiringTokens Key = "list.noExpiringTokens" // %s: window, e.g. "2h0m0s"

	// Error sentences.
	ErrAuthDirMissing    Key = "err.authDirMissing"    // %s: dir, %s: where it came from
	ErrAuthDirUnreadable Key = "err.authDirUnreadable" // %s: dir, %v: cause
	ErrUnknownProvider   Key = "err.unknownProvider"   // %q: name, %s: known list
	ErrWithinNeedsExp    Key = "err.withinNeedsExpiring"
	ErrWithinInvalid     Key = "err.withinInvalid"  // %q: value
	ErrBadLang           Key = "err.badLang"        // %q: value
	ErrUnknownCommand    Key = "err.unknownCommand" // %q: name, %s: command path
	ErrUsageHint         Key = "err.usageHint"      // %v: cause, %s: command path
)

// Desktop notifications (internal/notify).
const (
	NotifyTitle         Key = "notify.title"
	NotifyNeedsReauth   Key = "notify.needsReauth"
	NotifyRefreshFailed Key = "notify.refreshFailed"
	NotifyRefreshed     Key = "notify.refreshed"
	NotifyMissing       Key = "notify.missing"
	NotifyWriteFailed   Key = "notify.writeFailed"
	NotifyFile          Key = "notify.file"      // %s: file name
	NotifyAccount       Key = "notify.account"   // %s: display name
	NotifyReason        Key = "notify.reason"    // %s: why
	NotifyLoginHint     Key = "notify.loginHint" // %s: file name
	NotifyActionOpen    Key = "notify.action.open"
	NotifyActionDetails Key = "notify.action.details"
	NotifyActionLater   Key = "notify.action.later"
)

var catalogs = map[Lang]map[Key]string{ZH: zh, EN: en}

// Parse turns "zh", "en" (any case, with or without a region such as
// "zh-CN") into a Lang.
func Parse(s string) (Lang, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	switch {
	case v == "zh" || strings.HasPrefix(v, "zh-") || strings.HasPrefix(v, "zh_"):
		return ZH, nil
	case v == "en" || strings.HasPrefix(v, "en-") || strings.HasPrefix(v, "en_"):
		return EN, nil
	}
	return "", fmt.Errorf("unsupported language %q (use zh or en)", s)
}

// FromLocale picks the language of the POSIX locale: the first set of
// LC_ALL, LC_MESSAGES and LANG (their order of precedence) starting with
// "zh" gives ZH, anything else EN.
func FromLocale(getenv func(string) string) Lang {
	for _, name := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(name); v != "" {
			if strings.HasPrefix(strings.ToLower(v), "zh") {
				return ZH
			}
			return EN
		}
	}
	return EN
}

// T returns the message key in lang, formatted with args when given. An
// unknown language falls back to English, an unknown key to the key itself.
func T(lang Lang, key Key, args ...any) string {
	cat, ok := catalogs[lang]
	if !ok {
		cat = en
	}
	msg, ok := cat[key]
	if !ok {
		msg = string(key)
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// StatusLabel is the on-screen form of a status word ("valid" → "✅ 有效").
// An unknown word is shown as it is.
func StatusLabel(lang Lang, status string) string {
	key := Key("status." + status)
	if _, ok := en[key]; !ok {
		return status
	}
	return T(lang, key)
}

// Remaining formats time left: "3天4小时" / "3d4h" from a day on,
// "2小时5分" / "2h5m" from an hour on, else "38分钟" / "38m", truncated to
// the unit shown; "-" when d is not positive (expired).
func Remaining(lang Lang, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	days := int64(d / (24 * time.Hour))
	hours := int64(d%(24*time.Hour)) / int64(time.Hour)
	minutes := int64(d%time.Hour) / int64(time.Minute)
	switch {
	case days > 0:
		return T(lang, RemainDaysHours, days, hours)
	case hours > 0:
		return T(lang, RemainHoursMinutes, hours, minutes)
	case minutes > 0:
		return T(lang, RemainMinutes, minutes)
	default:
		return T(lang, RemainUnderMinute)
	}
}

// Auth pages (internal/authflow): the re-authentication web pages.
const (
	AuthIndexTitle         Key = "auth.indexTitle"
	AuthPageTitle          Key = "auth.pageTitle"
	AuthFile               Key = "auth.file"
	AuthAccount            Key = "auth.account"
	AuthStatus             Key = "auth.status"
	AuthExpires            Key = "auth.expires"
	AuthLoginWith          Key = "auth.loginWith" // %s: provider label
	AuthReauth             Key = "auth.reauth"
	AuthHintUpdate         Key = "auth.hintUpdate"
	AuthCannotReauth       Key = "auth.cannotReauth" // %s: why
	AuthWhyStatic          Key = "auth.whyStatic"
	AuthWhyUnknownProvider Key = "auth.whyUnknownProvider"
	AuthWhyNoFlow          Key = "auth.whyNoFlow" // %s: provider
	AuthAddAccount         Key = "auth.addAccount"
	AuthAliasLabel         Key = "auth.aliasLabel"
	AuthUnknownGroup       Key = "auth.unknownGroup"
	AuthNoAccounts         Key = "auth.noAccounts"
	AuthNewAccount         Key = "auth.newAccount" // %s: provider
	AuthDeviceTitle        Key = "auth.deviceTitle"
	AuthDeviceCode         Key = "auth.deviceCode"
	AuthDeviceOpen         Key = "auth.deviceOpen"
	AuthDeviceWaiting      Key = "auth.deviceWaiting"
	AuthSuccessTitle       Key = "auth.successTitle"
	AuthSuccessCreated     Key = "auth.successCreated"
	AuthCloseWindow        Key = "auth.closeWindow"
	AuthErrorTitle         Key = "auth.errorTitle"
	AuthRetry              Key = "auth.retry"
	AuthAllAccounts        Key = "auth.allAccounts"
	AuthErrDenied          Key = "auth.err.denied"
	AuthErrState           Key = "auth.err.state"
	AuthErrExpired         Key = "auth.err.expired"
	AuthErrExchange        Key = "auth.err.exchange" // %s: cause
	AuthErrIdentity        Key = "auth.err.identity" // %s: cause
	AuthErrWrite           Key = "auth.err.write"    // %s: cause
	AuthErrProvider        Key = "auth.err.provider" // %s: error code
	AuthErrCanceled        Key = "auth.err.canceled"
	AuthErrStart           Key = "auth.err.start" // %s: cause
	AuthMismatchTitle      Key = "auth.mismatchTitle"
	AuthMismatchBody       Key = "auth.mismatchBody" // %s file, %s old account, %s new account
	AuthSaveNew            Key = "auth.saveNew"
	AuthWarnEnrich         Key = "auth.warnEnrich"   // %s: cause
	AuthWarnProject        Key = "auth.warnProject"  // %s: cause
	AuthPortFallback       Key = "auth.portFallback" // %d: first port, %s: base URL
	AuthForbidden          Key = "auth.forbidden"
	AuthNotFound           Key = "auth.notFound" // %s: what
	AuthPending            Key = "auth.pending"
)

// The daemon's process commands: start, stop, refresh (internal/cli).
const (
	DaemonStarted          Key = "daemon.started"        // %d: PID
	DaemonAlreadyRunning   Key = "daemon.alreadyRunning" // %d: PID
	DaemonStopped          Key = "daemon.stopped"
	DaemonWasNotRunning    Key = "daemon.wasNotRunning"
	DaemonDisabled         Key = "daemon.disabled"    // %s: config file
	DaemonStartFailed      Key = "daemon.startFailed" // %v: cause, %s: log path
	DaemonStopTimeout      Key = "daemon.stopTimeout" // %d: PID
	DaemonStartedAt        Key = "daemon.startedAt"   // %s: time
	RefreshInProcess       Key = "refresh.inProcess"
	RefreshOK              Key = "refresh.ok"     // %s: file
	RefreshFailedLine      Key = "refresh.failed" // %s: file, %s: why
	RefreshNothing         Key = "refresh.nothing"
	ErrRefreshArgs         Key = "err.refreshArgs"
	ErrAmbiguous           Key = "err.ambiguous"         // %q: query, %s: candidates
	ErrNoSuchToken         Key = "err.noSuchToken"       // %q: query
	ErrSomeRefreshFailed   Key = "err.someRefreshFailed" // %d: count
	ErrServerCommandFailed Key = "err.serverCommand"     // %q: command, %v: cause
)

// Tray menu (internal/tray).
const (
	TrayTitle          Key = "tray.title"
	TrayStatusMenu     Key = "tray.statusMenu"
	TrayRefreshAll     Key = "tray.refreshAll"
	TrayWebUI          Key = "tray.webUI"
	TrayQuit           Key = "tray.quit"
	TrayStopDaemonQuit Key = "tray.stopDaemonQuit"
	TrayExpiresIn      Key = "tray.expiresIn" // %s: remaining time, e.g. "25分钟"
	TrayReauth         Key = "tray.reauth"
	TrayNoTokens       Key = "tray.noTokens"
	TrayDaemonOffline  Key = "tray.daemonOffline"
	TrayTooltipOK      Key = "tray.tooltip.ok"
	TrayTooltipAttend  Key = "tray.tooltip.attention" // %d: tokens needing attention
	TrayTooltipOffline Key = "tray.tooltip.offline"
)

// `token-daemon login` (internal/cli).
const (
	LoginOpenPage      Key = "login.openPage" // %s: URL
	LoginBrowserOpened Key = "login.browserOpened"
	LoginWaiting       Key = "login.waiting"
	LoginDone          Key = "login.done"   // %s: file, %s: account
	LoginFailed        Key = "login.failed" // %s: why
	LoginInProcess     Key = "login.inProcess"
)

// Web UI (internal/web) and `token-daemon ui` (internal/cli).
const (
	WebTitle          Key = "web.title"
	WebProvider       Key = "web.provider"
	WebLastRefresh    Key = "web.lastRefresh"
	WebNextRefresh    Key = "web.nextRefresh"
	WebLastError      Key = "web.lastError"
	WebFailures       Key = "web.failures"
	WebActions        Key = "web.actions"
	WebRefreshNow     Key = "web.refreshNow"
	WebRefreshAll     Key = "web.refreshAll"
	WebReauth         Key = "web.reauth"
	WebSetAlias       Key = "web.setAlias"
	WebAliasFor       Key = "web.aliasFor" // %s: file name
	WebAliasNote      Key = "web.aliasNote"
	WebSave           Key = "web.save"
	WebCancel         Key = "web.cancel"
	WebDetails        Key = "web.details"
	WebBack           Key = "web.back"
	WebHistory        Key = "web.history"
	WebNoHistory      Key = "web.noHistory"
	WebTime           Key = "web.time"
	WebTrigger        Key = "web.trigger"
	WebManual         Key = "web.manual"
	WebAutomatic      Key = "web.automatic"
	WebOutcome        Key = "web.outcome"
	WebAlias          Key = "web.alias"
	WebEmail          Key = "web.email"
	WebPath           Key = "web.path"
	WebReason         Key = "web.reason"
	WebNever          Key = "web.never"
	WebAuthDir        Key = "web.authDir"
	WebNoTokens       Key = "web.noTokens"
	WebRefreshed      Key = "web.refreshed"     // %s: file
	WebRefreshFailed  Key = "web.refreshFailed" // %s: file, %s: why
	WebAliasSaved     Key = "web.aliasSaved"
	WebActionFailed   Key = "web.actionFailed" // %s: why
	WebLive           Key = "web.live"
	WebReconnecting   Key = "web.reconnecting"
	WebSessionExpired Key = "web.sessionExpired"
	WebDaemonError    Key = "web.daemonError" // %s: why
	WebNotFound       Key = "web.notFound"    // %s: file
	UIOpenPage        Key = "ui.openPage"     // %s: URL
	UIBrowserOpened   Key = "ui.browserOpened"
	UINotRunning      Key = "ui.notRunning"
	UINoWebURL        Key = "ui.noWebURL"
	UISecret          Key = "ui.secret" // %v: cause
)

// Starting the tray (internal/cli).
const (
	TrayAlreadyRunning Key = "tray.alreadyRunning" // %d: PID
	TrayNoSessionBus   Key = "tray.noSessionBus"
)

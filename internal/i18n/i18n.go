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
	DaemonRunning    Key = "daemon.running"    // %d: PID
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

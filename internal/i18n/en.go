package i18n

// en is the English catalog, also the fallback for unknown languages.
var en = map[Key]string{
	StatusValid:         "✅ valid",
	StatusExpiring:      "⚠️ expiring",
	StatusExpired:       "❌ expired",
	StatusRefreshing:    "🔄 refreshing",
	StatusRefreshFailed: "⚠️ refresh failed",
	StatusNeedsReauth:   "❌ needs login",
	StatusInvalid:       "🚫 invalid",
	StatusStatic:        "🔒 read-only",
	// U+FE0F asks for the two-cell emoji form, so the table stays aligned.
	StatusMissing: "🗑️ missing",

	HeaderFile:        "File",
	HeaderDisplayName: "Display name",
	HeaderStatus:      "Status",
	HeaderExpires:     "Expires",
	HeaderRemaining:   "Remaining",

	DaemonRunning:    "Token daemon: running (PID %d)",
	DaemonNotRunning: "Token daemon: not running",
	WatchedDir:       "Watched dir: %s",
	WebURL:           "Web page: %s",

	RemainDaysHours:    "%dd%dh",
	RemainHoursMinutes: "%dh%dm",
	RemainMinutes:      "%dm",
	RemainUnderMinute:  "<1m",

	NoTokens:         "No token files in %s.",
	NoExpiringTokens: "No token has stopped working or expires within %s.",

	ErrAuthDirMissing:    "auth dir %s (from %s) does not exist",
	ErrAuthDirUnreadable: "cannot read auth dir %s: %v",
	ErrUnknownProvider:   "unknown provider %q (known: %s)",
	ErrWithinNeedsExp:    "--within can only be used with --expiring",
	ErrWithinInvalid:     "--within %q is not a positive duration (e.g. 2h or 90m)",
	ErrBadLang:           "--lang %q is not supported (use zh or en)",
	ErrUnknownCommand:    "unknown command %q (run '%s --help' for usage)",
	ErrUsageHint:         "%v (run '%s --help' for usage)",
}

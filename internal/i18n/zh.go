package i18n

// zh is the Chinese catalog. Every key of en must be here (a test checks).
var zh = map[Key]string{
	StatusValid:         "✅ 有效",
	StatusExpiring:      "⚠️ 即将过期",
	StatusExpired:       "❌ 已过期",
	StatusRefreshing:    "🔄 刷新中",
	StatusRefreshFailed: "⚠️ 刷新失败",
	StatusNeedsReauth:   "❌ 失效",
	StatusInvalid:       "🚫 无效",
	StatusStatic:        "🔒 只读",
	// U+FE0F asks for the two-cell emoji form, so the table stays aligned.
	StatusMissing: "🗑️ 已删除",

	HeaderFile:        "文件名",
	HeaderDisplayName: "显示名称",
	HeaderStatus:      "状态",
	HeaderExpires:     "过期时间",
	HeaderRemaining:   "剩余",

	DaemonRunning:    "Token 守护进程：运行中（PID %d）",
	DaemonNotRunning: "Token 守护进程：未运行",
	WatchedDir:       "监控目录：%s",
	WebURL:           "网页：%s",

	RemainDaysHours:    "%d天%d小时",
	RemainHoursMinutes: "%d小时%d分",
	RemainMinutes:      "%d分钟",
	RemainUnderMinute:  "不到1分钟",

	NoTokens:         "%s 中没有 token 文件。",
	NoExpiringTokens: "没有已失效或将在 %s 内过期的 token。",

	ErrAuthDirMissing:    "认证目录 %s（来自 %s）不存在",
	ErrAuthDirUnreadable: "无法读取认证目录 %s：%v",
	ErrUnknownProvider:   "未知的提供方 %q（已知：%s）",
	ErrWithinNeedsExp:    "--within 只能与 --expiring 一起使用",
	ErrWithinInvalid:     "--within %q 不是有效的正时长（例如 2h 或 90m）",
	ErrBadLang:           "--lang %q 无效（可用 zh 或 en）",
	ErrUnknownCommand:    "未知命令 %q（运行 '%s --help' 查看用法）",
	ErrUsageHint:         "%v（运行 '%s --help' 查看用法）",
}

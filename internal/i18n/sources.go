package i18n

// Other tools' token files (tokenDaemon.sources, `token-daemon sources`).
const (
	SourcesHeaderFormat     Key = "sources.headerFormat"
	SourcesHeaderPath       Key = "sources.headerPath"
	SourcesHeaderFound      Key = "sources.headerFound"
	SourcesHeaderConfigured Key = "sources.headerConfigured"
	SourcesHeaderMode       Key = "sources.headerMode"
	SourcesFoundFiles       Key = "sources.foundFiles" // %d: token files
	SourcesNotFound         Key = "sources.notFound"
	SourcesConfiguredAs     Key = "sources.configuredAs" // %s: the source's name
	SourcesNotConfigured    Key = "sources.notConfigured"
	SourcesModeAuto         Key = "sources.mode.auto"
	SourcesModeWatch        Key = "sources.mode.watch"
	SourcesWhyPrefix        Key = "sources.why." // + the sources package's why code
	SourcesHint             Key = "sources.hint" // %s: config file
	// In the token table and notices: a watched file, and its tool's login.
	SourcesWatchMark  Key = "sources.watchMark"
	SourcesLoginHint  Key = "sources.loginHint"   // %s: the tool's login command
	NotifyWatchExpire Key = "notify.watchExpired" // headline
	NotifyToolLogin   Key = "notify.toolLogin"    // %s: the tool's login command
)

func init() {
	add(map[Key]string{
		"help.token-daemon.sources.short":     "List the token files of other tools on this machine (Codex, Claude Code, Gemini CLI, Qwen Code, CLIProxyAPI), whether each is configured, and its mode",
		"help.token-daemon.sources.long":      "Lists the places where other tools keep their logins, whether each exists on this machine, whether tokenDaemon.sources names it, and its mode: auto (the daemon refreshes it) or watch (shown and alerted; its own tool refreshes it).",
		"help.token-daemon.sources.flag.json": "print JSON",

		SourcesHeaderFormat:                      "Format",
		SourcesHeaderPath:                        "Path",
		SourcesHeaderFound:                       "Found",
		SourcesHeaderConfigured:                  "Configured",
		SourcesHeaderMode:                        "Mode",
		SourcesFoundFiles:                        "yes (%d)",
		SourcesNotFound:                          "no",
		SourcesConfiguredAs:                      "yes (%s)",
		SourcesNotConfigured:                     "no",
		SourcesModeAuto:                          "auto",
		SourcesModeWatch:                         "watch",
		SourcesWhyPrefix + "rotates_from_memory": "watch by default: Claude Code refreshes its rotating token from memory without re-reading the file, so a refresh here would log it out",
		SourcesHint:                              `To keep one fresh, add it to tokenDaemon.sources in %s, e.g. {"format": "codex-cli"}.`,
		SourcesWatchMark:                         "watch only",
		SourcesLoginHint:                         "run: %s",
		NotifyWatchExpire:                        "⏰ Token expired - its own tool did not refresh it (watched only)",
		NotifyToolLogin:                          "To log in again: %s",

		"reason.logged_out":                    "logged out by its tool; log in again",
		"reason.watch_expired":                 "expired; watched only: its own tool refreshes it",
		"reason.not_refreshable.watch":         "not refreshable: watched only (refresh: watch): its own tool refreshes it",
		"config: objects":                      "objects",
		"config: is required for format %q":    "is required for format %q",
		"config: %q is used by another source": "%q is used by another source",
		"config: is the auth dir or a file in it (it is read there already)":                           "is the auth dir or a file in it (it is read there already)",
		"config: is the same file as tokenDaemon.sources[%d] (it would be refreshed twice at once)":    "is the same file as tokenDaemon.sources[%d] (it would be refreshed twice at once)",
		"config: must be letters, digits, '.', '_' or '-' (it starts the names of the source's files)": "must be letters, digits, '.', '_' or '-' (it starts the names of the source's files)",
	}, map[Key]string{
		"help.token-daemon.sources.short":     "列出本机上其他工具的令牌文件（Codex、Claude Code、Gemini CLI、Qwen Code、CLIProxyAPI）、是否已配置及其模式",
		"help.token-daemon.sources.long":      "列出其他工具保存登录信息的位置：本机上是否存在、tokenDaemon.sources 是否配置了它，以及它的模式：auto（由守护进程刷新）或 watch（只显示和提醒，由该工具自己刷新）。",
		"help.token-daemon.sources.flag.json": "输出 JSON",

		SourcesHeaderFormat:                      "格式",
		SourcesHeaderPath:                        "路径",
		SourcesHeaderFound:                       "存在",
		SourcesHeaderConfigured:                  "已配置",
		SourcesHeaderMode:                        "模式",
		SourcesFoundFiles:                        "是（%d）",
		SourcesNotFound:                          "否",
		SourcesConfiguredAs:                      "是（%s）",
		SourcesNotConfigured:                     "否",
		SourcesModeAuto:                          "auto（自动刷新）",
		SourcesModeWatch:                         "watch（只监视）",
		SourcesWhyPrefix + "rotates_from_memory": "默认只监视：Claude Code 从内存中刷新会轮换的令牌而不重新读取文件，在这里刷新会使它退出登录",
		SourcesHint:                              `要让守护进程保持其中某个有效，请在 %s 的 tokenDaemon.sources 中添加它，例如 {"format": "codex-cli"}。`,
		SourcesWatchMark:                         "只监视",
		SourcesLoginHint:                         "请运行：%s",
		NotifyWatchExpire:                        "⏰ Token 已过期 - 它所属的工具没有刷新它（只监视）",
		NotifyToolLogin:                          "重新登录：%s",

		"reason.logged_out":                    "已被所属工具登出；请重新登录",
		"reason.watch_expired":                 "已过期；只监视：由它所属的工具刷新",
		"reason.not_refreshable.watch":         "无法刷新：只监视（refresh: watch），由它所属的工具刷新",
		"config: objects":                      "对象",
		"config: is required for format %q":    "格式 %q 必须填写",
		"config: %q is used by another source": "%q 已被另一个来源使用",
		"config: is the auth dir or a file in it (it is read there already)":                           "与 auth 目录是同一位置或位于其中（那里已经读取它）",
		"config: is the same file as tokenDaemon.sources[%d] (it would be refreshed twice at once)":    "与 tokenDaemon.sources[%d] 是同一文件（会被同时刷新两次）",
		"config: must be letters, digits, '.', '_' or '-' (it starts the names of the source's files)": "只能包含字母、数字、“.”、“_”或“-”（它是该来源文件名称的开头）",
	})
}

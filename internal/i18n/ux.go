package i18n

// Texts of issue 10's pages, notices and daemon behaviour: the auth and
// success pages as the plan draws them, the notices that must say what to
// do, the configuration reload and the tray's errors.
const (
	// The auth page (GET /auth/{file}).
	AuthPlanTitle  Key = "auth.plan.title"
	AuthTargetFile Key = "auth.plan.targetFile"
	AuthAccountTag Key = "auth.plan.account"
	AuthStatusTag  Key = "auth.plan.status"
	AuthExpiresTag Key = "auth.plan.expires"
	AuthDetail     Key = "auth.plan.detail"

	// One-line summaries of why a token needs a login, for the auth page's
	// status line ("Refresh Token 已过期").
	AuthWhyRefreshExpired Key = "auth.plan.why.refreshExpired"
	AuthWhyNoRefreshToken Key = "auth.plan.why.noRefreshToken"
	AuthWhyAccessExpired  Key = "auth.plan.why.accessExpired"
	AuthWhyExpiringSoon   Key = "auth.plan.why.expiringSoon"
	AuthWhyRefreshFailed  Key = "auth.plan.why.refreshFailed"
	AuthWhyMisconfigured  Key = "auth.plan.why.misconfigured"
	AuthWhyMissing        Key = "auth.plan.why.missing"
	AuthWhyInvalid        Key = "auth.plan.why.invalid"

	// The success page (GET /done/{flow}).
	AuthSuccessHead     Key = "auth.plan.successHead"
	AuthSuccessUpdated  Key = "auth.plan.successUpdated"
	AuthSuccessCreated2 Key = "auth.plan.successCreated"
	AuthSuccessClose    Key = "auth.plan.successClose"
	AuthBackToTerminal  Key = "auth.plan.backToTerminal"
	AuthCloseByHand     Key = "auth.plan.closeByHand"

	// Notices.
	NotifyMisconfigured Key = "notify.misconfigured"
	NotifyExpired       Key = "notify.expired"
	NotifyRefreshHint   Key = "notify.refreshHint" // %s: name
	NotifyFix           Key = "notify.fix"         // %s: the setting to change

	// A `refresh` failure that only a login can mend.
	RefreshLoginHint Key = "refresh.loginHint" // %s: name

	// The tray beside `start`.
	TrayNoHost Key = "tray.noHost"

	// The configuration reload (status and log).
	ConfigReloadFailed Key = "config.reloadFailed" // %s: why (names the file)
)

func init() {
	add(map[Key]string{
		AuthPlanTitle:  "🌙 Routecodex Token Authentication",
		AuthTargetFile: "📄 Target file",
		AuthAccountTag: "👤 Account",
		AuthStatusTag:  "📊 Status",
		AuthExpiresTag: "⏰ Expires",
		AuthDetail:     "Details",

		AuthWhyRefreshExpired: "Refresh Token expired or revoked",
		AuthWhyNoRefreshToken: "no Refresh Token: only a login helps",
		AuthWhyAccessExpired:  "Access Token expired",
		AuthWhyExpiringSoon:   "Access Token expires soon",
		AuthWhyRefreshFailed:  "automatic refresh failed",
		AuthWhyMisconfigured:  "configuration problem: fix the client settings",
		AuthWhyMissing:        "the file was removed",
		AuthWhyInvalid:        "the file cannot be read as a token",

		AuthSuccessHead:     "✅ Authentication succeeded",
		AuthSuccessUpdated:  "🎉 Token updated!",
		AuthSuccessCreated2: "🎉 Saved as a new account!",
		AuthSuccessClose:    "You can close this window; the daemon is monitoring again.",
		AuthBackToTerminal:  "Back to the terminal",
		AuthCloseByHand:     "The browser does not let this page close its own tab: close it yourself and go back to the terminal.",

		NotifyMisconfigured: "⚙️ Token refresh failed - fix the configuration",
		NotifyExpired:       "⏰ Token expired - automatic refresh is off",
		NotifyRefreshHint:   "Refresh: routecodex token-daemon refresh %s",
		NotifyFix:           "Fix: %s — the daemon tries again once the configuration changes",

		RefreshLoginHint: "log in again: routecodex token-daemon login %s",

		TrayNoHost: "no tray host (StatusNotifierWatcher) answers on the desktop session bus; the tray was not started (GNOME needs the AppIndicator extension; then run routecodex token-daemon tray)",

		ConfigReloadFailed: "⚠️ The edited configuration was not applied; the daemon keeps running with the previous one: %s",
	}, map[Key]string{
		AuthPlanTitle:  "🌙 Routecodex Token 认证",
		AuthTargetFile: "📄 目标文件",
		AuthAccountTag: "👤 账号",
		AuthStatusTag:  "📊 状态",
		AuthExpiresTag: "⏰ 过期时间",
		AuthDetail:     "详情",

		AuthWhyRefreshExpired: "Refresh Token 已过期",
		AuthWhyNoRefreshToken: "没有 Refresh Token，只能重新登录",
		AuthWhyAccessExpired:  "Access Token 已过期",
		AuthWhyExpiringSoon:   "Access Token 即将过期",
		AuthWhyRefreshFailed:  "自动刷新失败",
		AuthWhyMisconfigured:  "配置有误：请修正客户端设置",
		AuthWhyMissing:        "文件已被删除",
		AuthWhyInvalid:        "文件无法作为 Token 读取",

		AuthSuccessHead:     "✅ 认证成功",
		AuthSuccessUpdated:  "🎉 Token 已更新!",
		AuthSuccessCreated2: "🎉 已保存为新账号!",
		AuthSuccessClose:    "此窗口可以关闭，Daemon 已恢复监控",
		AuthBackToTerminal:  "返回终端",
		AuthCloseByHand:     "浏览器不允许页面关闭自己的标签页：请手动关闭它，然后回到终端。",

		NotifyMisconfigured: "⚙️ Token 刷新失败 - 请修正配置",
		NotifyExpired:       "⏰ Token 已过期 - 自动刷新已关闭",
		NotifyRefreshHint:   "手动刷新：routecodex token-daemon refresh %s",
		NotifyFix:           "修正：%s（配置修改后守护进程会自动重试）",

		RefreshLoginHint: "重新登录：routecodex token-daemon login %s",

		TrayNoHost: "桌面会话总线上没有托盘宿主（StatusNotifierWatcher），托盘未启动（GNOME 需要 AppIndicator 扩展；之后运行 routecodex token-daemon tray）",

		ConfigReloadFailed: "⚠️ 修改后的配置未生效，守护进程继续使用之前的配置：%s",
	})
}

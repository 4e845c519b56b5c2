package i18n

// Webhook messages (internal/webhook) and `token-daemon notify test`.
const (
	WebhookTitle         Key = "webhook.title" // %s: host name
	WebhookNeedsReauth   Key = "webhook.needsReauth"
	WebhookRefreshFailed Key = "webhook.refreshFailed"
	WebhookMissing       Key = "webhook.missing"
	WebhookWriteFailed   Key = "webhook.writeFailed"
	WebhookRecovered     Key = "webhook.recovered"
	WebhookTest          Key = "webhook.test"
	WebhookFile          Key = "webhook.file"     // %s: file name
	WebhookAccount       Key = "webhook.account"  // %s: display name
	WebhookProvider      Key = "webhook.provider" // %s: provider
	WebhookStatus        Key = "webhook.status"   // %s: status word
	WebhookReason        Key = "webhook.reason"   // %s: why
	WebhookTime          Key = "webhook.time"     // %s: time
	WebhookFix           Key = "webhook.fix"      // %s: command

	NotifyTestShort    Key = "notifyTest.short"
	NotifyGroupShort   Key = "notifyTest.groupShort"
	NotifyTestNone     Key = "notifyTest.none"     // %s: config file
	NotifyTestOK       Key = "notifyTest.ok"       // %s: target
	NotifyTestFailed   Key = "notifyTest.failed"   // %s: target, %v: why
	NotifyTestSomeFail Key = "notifyTest.someFail" // %d failed, %d in all
)

func init() {
	add(map[Key]string{
		WebhookTitle:         "RouteCodex token daemon on %s",
		WebhookNeedsReauth:   "A token needs a new login",
		WebhookRefreshFailed: "A token could not be refreshed",
		WebhookMissing:       "A token file was removed",
		WebhookWriteFailed:   "Refreshed tokens could not be written to disk",
		WebhookRecovered:     "A token works again",
		WebhookTest:          "Test message: this webhook works",
		WebhookFile:          "File: %s",
		WebhookAccount:       "Account: %s",
		WebhookProvider:      "Provider: %s",
		WebhookStatus:        "Status: %s",
		WebhookReason:        "Reason: %s",
		WebhookTime:          "Time: %s",
		WebhookFix:           "Fix: %s",

		NotifyTestShort:    "Send a test message to every configured webhook",
		NotifyGroupShort:   "Notifications: test the configured webhooks",
		NotifyTestNone:     "No webhooks are configured (tokenDaemon.notification.webhooks in %s).",
		NotifyTestOK:       "✅ %s: delivered",
		NotifyTestFailed:   "❌ %s: %v",
		NotifyTestSomeFail: "%d of %d webhooks failed",
	}, map[Key]string{
		WebhookTitle:         "RouteCodex token 守护进程（%s）",
		WebhookNeedsReauth:   "Token 失效，需要重新登录",
		WebhookRefreshFailed: "Token 刷新失败",
		WebhookMissing:       "Token 文件已被删除",
		WebhookWriteFailed:   "刷新后的 Token 无法写入磁盘",
		WebhookRecovered:     "Token 已恢复正常",
		WebhookTest:          "测试消息：此 webhook 可用",
		WebhookFile:          "文件：%s",
		WebhookAccount:       "账号：%s",
		WebhookProvider:      "提供方：%s",
		WebhookStatus:        "状态：%s",
		WebhookReason:        "原因：%s",
		WebhookTime:          "时间：%s",
		WebhookFix:           "处理：%s",

		NotifyTestShort:    "向每个已配置的 webhook 发送一条测试消息",
		NotifyGroupShort:   "通知：测试已配置的 webhook",
		NotifyTestNone:     "没有配置 webhook（%s 中的 tokenDaemon.notification.webhooks）。",
		NotifyTestOK:       "✅ %s：已送达",
		NotifyTestFailed:   "❌ %s：%v",
		NotifyTestSomeFail: "%d/%d 个 webhook 发送失败",
	})
}

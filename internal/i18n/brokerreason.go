package i18n

// Why the token broker hands out no token (daemon.TokenReason's codes),
// worded by the client: "reason.broker.<code>", a cause as %s.
func init() {
	add(map[Key]string{
		"reason.broker.file_removed":     "the file was removed",
		"reason.broker.invalid":          "invalid: %s",
		"reason.broker.log_in_again":     "log in again",
		"reason.broker.login_needed":     "%s",
		"reason.broker.no_token_in_file": "no token in the file",
		"reason.broker.refresh_failed":   "expired, and the refresh failed: %s",
		"reason.broker.pending":          "expired; new tokens are waiting to be written: %s",
		"reason.broker.read_only":        "expired, and the file is read-only (static)",
		"reason.broker.not_refreshable":  "expired; %s",
		"reason.broker.expired":          "expired",
	}, map[Key]string{
		"reason.broker.file_removed":     "文件已被删除",
		"reason.broker.invalid":          "文件无效：%s",
		"reason.broker.log_in_again":     "需要重新登录",
		"reason.broker.login_needed":     "%s",
		"reason.broker.no_token_in_file": "文件中没有 Token",
		"reason.broker.refresh_failed":   "已过期，且刷新失败：%s",
		"reason.broker.pending":          "已过期；新的 Token 正等待写入：%s",
		"reason.broker.read_only":        "已过期，且文件为只读（static）",
		"reason.broker.not_refreshable":  "已过期；%s",
		"reason.broker.expired":          "已过期",
	})
}

package i18n

// Keys of batch re-login (DESIGN.md section 12): the queue page and the
// CLI's lines.
const (
	BatchTitle       Key = "auth.batch.title"
	BatchLoginOK     Key = "login.batch.ok"      // %s file, %s account
	BatchLoginOKFile Key = "login.batch.okFile"  // %s file
	BatchLoginSkip   Key = "login.batch.skipped" // %s file
	BatchLoginFailed Key = "login.batch.failed"  // %s file, %s why
	BatchLoginOpen   Key = "login.batch.open"    // %d total
	ErrBatchSome     Key = "login.batch.errSome" // %d not logged in, %d total
	ErrBatchNameNew  Key = "login.batch.errNew"  // %s name
	ErrBatchAlias    Key = "login.batch.errAlias"
)

func init() {
	add(map[Key]string{
		BatchTitle:                  "Log in again, one after another",
		"auth.batch.done":           "All done.",
		"auth.batch.summary":        "%d logged in, %d not (skipped or failed).",
		"auth.batch.lastError":      "The last try failed: %s. Try again, or skip this account.",
		"auth.batch.login":          "Log in",
		"auth.batch.skip":           "Skip",
		"auth.batch.state.ok":       "logged in",
		"auth.batch.state.failed":   "failed",
		"auth.batch.state.skipped":  "skipped",
		"auth.batch.state.waiting":  "waiting",
		"auth.batch.state.current":  "now",
		"auth.batch.state.canceled": "canceled",
		BatchLoginOK:                "✅ %s: logged in as %s",
		BatchLoginOKFile:            "✅ %s: logged in",
		BatchLoginSkip:              "⏭️ %s: skipped",
		BatchLoginFailed:            "❌ %s: %s",
		BatchLoginOpen:              "%d accounts to log in, one after another, in one browser tab.",
		ErrBatchSome:                "%d of %d accounts were not logged in",
		ErrBatchNameNew:             "“%s” is no token file: a batch logs in existing accounts (add a new one with `login <provider>`)",
		ErrBatchAlias:               "--alias names one new account; it cannot be used with several",
	}, map[Key]string{
		BatchTitle:                  "依次重新登录",
		"auth.batch.done":           "全部完成。",
		"auth.batch.summary":        "%d 个已登录，%d 个未登录（跳过或失败）。",
		"auth.batch.lastError":      "上次尝试失败：%s。请重试，或跳过此账号。",
		"auth.batch.login":          "登录",
		"auth.batch.skip":           "跳过",
		"auth.batch.state.ok":       "已登录",
		"auth.batch.state.failed":   "失败",
		"auth.batch.state.skipped":  "已跳过",
		"auth.batch.state.waiting":  "等待中",
		"auth.batch.state.current":  "当前",
		"auth.batch.state.canceled": "已取消",
		BatchLoginOK:                "✅ %s：已登录为 %s",
		BatchLoginOKFile:            "✅ %s：已登录",
		BatchLoginSkip:              "⏭️ %s：已跳过",
		BatchLoginFailed:            "❌ %s：%s",
		BatchLoginOpen:              "共 %d 个账号，将在同一个浏览器标签页中依次登录。",
		ErrBatchSome:                "%d 个账号（共 %d 个）未能登录",
		ErrBatchNameNew:             "“%s” 不是 Token 文件：批量登录只针对已有账号（添加新账号请用 `login <provider>`）",
		ErrBatchAlias:               "--alias 只用于一个新账号，不能与多个账号同时使用",
	})
}

package i18n

// Keys of the token broker (`token-daemon token`).
const (
	TokenShort          Key = "token.short"
	TokenFlagFormat     Key = "token.flagFormat"
	TokenFlagMinValid   Key = "token.flagMinValid"
	ErrTokenFormat      Key = "token.errFormat"
	ErrTokenMinValid    Key = "token.errMinValid"
	ErrTokenLoginNeeded Key = "token.errLoginNeeded"
	ErrTokenNone        Key = "token.errNone"
	TokenStaleWarning   Key = "token.staleWarning"
	WebLastUse          Key = "web.lastUse"
	WebUsage            Key = "web.usage"
)

func init() {
	add(map[Key]string{
		TokenShort:          "Print a fresh token of one account for another program (refreshed first when it is about to expire)",
		TokenFlagFormat:     "output: raw (the token), json, header (Authorization: Bearer …) or exec-credential (Kubernetes)",
		TokenFlagMinValid:   "refresh first when less than this is left (e.g. 10m, 1h)",
		ErrTokenFormat:      "unknown --format “%s”: use raw, json, header or exec-credential",
		ErrTokenMinValid:    "--min-valid: %v",
		ErrTokenLoginNeeded: "“%s” needs a new login (%s); run: routecodex token-daemon login %s",
		ErrTokenNone:        "no usable token for “%s”: %s",
		TokenStaleWarning:   "warning: the token of “%s” was not refreshed (%s); it expires %s",
		WebLastUse:          "Last use",
		WebUsage:            "Uses (24 h / 7 days)",
	}, map[Key]string{
		TokenShort:          "为其他程序输出某个账号的有效令牌（即将过期时先刷新）",
		TokenFlagFormat:     "输出格式：raw（令牌本身）、json、header（Authorization: Bearer …）或 exec-credential（Kubernetes）",
		TokenFlagMinValid:   "剩余有效期少于此值时先刷新（如 10m、1h）",
		ErrTokenFormat:      "未知的 --format “%s”：请用 raw、json、header 或 exec-credential",
		ErrTokenMinValid:    "--min-valid：%v",
		ErrTokenLoginNeeded: "“%s” 需要重新登录（%s）；请运行：routecodex token-daemon login %s",
		ErrTokenNone:        "“%s” 没有可用的令牌：%s",
		TokenStaleWarning:   "警告：“%s” 的令牌未能刷新（%s）；将于 %s 过期",
		WebLastUse:          "最近使用",
		WebUsage:            "使用次数（24 小时 / 7 天）",
	})
}

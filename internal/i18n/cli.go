package i18n

// The command line's own texts (internal/cli) that are not in en.go/zh.go.
const (
	LoginDoneFile Key = "login.doneFile" // %s: file (the account has no name)
)

func init() {
	add(map[Key]string{
		LoginDoneFile: "✅ token updated: %s",
	}, map[Key]string{
		LoginDoneFile: "✅ Token 已更新：%s",
	})
}

// Usage errors: pflag's and cobra's, worded (internal/cli/usage.go).
const (
	ErrUnknownFlag      Key = "err.unknownFlag"      // %s: flag
	ErrUnknownShorthand Key = "err.unknownShorthand" // %s: flag, %s: the group it was in
	ErrFlagNeedsValue   Key = "err.flagNeedsValue"   // %s: flag
	ErrFlagBadValue     Key = "err.flagBadValue"     // %q: value, %s: flag
	ErrFlagSyntax       Key = "err.flagSyntax"       // %s: argument
	ErrWrongArgs        Key = "err.wrongArgs"        // %s: usage line, %s: command path
)

func init() {
	add(map[Key]string{
		ErrUnknownFlag:      "unknown flag: %s",
		ErrUnknownShorthand: "unknown flag: %s in %s",
		ErrFlagNeedsValue:   "flag %s needs a value",
		ErrFlagBadValue:     "%q is not a valid value of %s",
		ErrFlagSyntax:       "bad flag syntax: %s",
		ErrWrongArgs:        "wrong arguments; usage: %s (run '%s --help' for more)",
	}, map[Key]string{
		ErrUnknownFlag:      "未知选项：%s",
		ErrUnknownShorthand: "未知选项：%s（在 %s 中）",
		ErrFlagNeedsValue:   "选项 %s 需要一个值",
		ErrFlagBadValue:     "%q 不是选项 %s 的有效值",
		ErrFlagSyntax:       "选项格式错误：%s",
		ErrWrongArgs:        "参数不正确；用法：%s（运行 '%s --help' 查看详情）",
	})
}

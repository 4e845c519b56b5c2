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

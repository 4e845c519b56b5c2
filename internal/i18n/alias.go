package i18n

// `token-daemon alias set|rm`.
const (
	AliasShort    Key = "alias.short"
	AliasSetShort Key = "alias.set.short"
	AliasRmShort  Key = "alias.rm.short"
	AliasSet      Key = "alias.set"     // %s: file, %s: alias
	AliasRemoved  Key = "alias.removed" // %s: file
	AliasBad      Key = "alias.bad"     // %s: alias, %s: why
)

func init() {
	add(map[Key]string{
		AliasShort:    "Set or remove a token's alias (tokenDaemon.aliases in config.json)",
		AliasSetShort: "Give a token file an alias",
		AliasRmShort:  "Remove a token file's alias",
		AliasSet:      "✅ %s is now called %s (tokenDaemon.aliases in config.json)",
		AliasRemoved:  "✅ %s has no alias in config.json any more",
		AliasBad:      "alias %q cannot be used: %s",
	}, map[Key]string{
		AliasShort:    "设置或删除 Token 的别名（config.json 的 tokenDaemon.aliases）",
		AliasSetShort: "为 Token 文件设置别名",
		AliasRmShort:  "删除 Token 文件的别名",
		AliasSet:      "✅ %s 的别名已设为 %s（config.json 的 tokenDaemon.aliases）",
		AliasRemoved:  "✅ 已删除 %s 在 config.json 中的别名",
		AliasBad:      "别名 %q 不能使用：%s",
	})
}

package i18n

// Problems with tokenDaemon.providers (internal/provider's Validate) and
// why an alias cannot be stored (config.BadAliasError), keyed
// like every config problem by "config: " + the English format.
func init() {
	add(map[Key]string{
		"config: %q is another name of the built-in provider %q; use providers.%s":    "%q is another name of the built-in provider %q; use providers.%s",
		"config: a provider name must be lower-case letters, digits, '.', '_' or '-'": "a provider name must be lower-case letters, digits, '.', '_' or '-'",
		"config: must be %q or %q":                                             "must be %q or %q",
		"config: must be %q, %q or %q":                                         "must be %q, %q or %q",
		"config: must not be empty":                                            "must not be empty",
		"config: must be one non-empty scope without spaces":                   "must be one non-empty scope without spaces",
		"config: empty parameter name":                                         "empty parameter name",
		"config: is set by the login flow and cannot be overridden":            "is set by the login flow and cannot be overridden",
		"config: must be lower-case letters, digits, '.', '_' or '-'":          "must be lower-case letters, digits, '.', '_' or '-'",
		"config: %s supports only %q":                                          "%s supports only %q",
		"config: the file names of the built-in provider %s are fixed":         "the file names of the built-in provider %s are fixed",
		"config: missing; must be %q or %q":                                    "missing; must be %q or %q",
		"config: missing; a generic provider needs its token endpoint":         "missing; a generic provider needs its token endpoint",
		"config: missing; a generic provider needs its client id":              "missing; a generic provider needs its client id",
		"config: missing; needed by flow %q":                                   "missing; needed by flow %q",
		"config: %q is the prefix of a built-in provider":                      "%q is the prefix of a built-in provider",
		"config: %q is not an absolute URL":                                    "%q is not an absolute URL",
		"config: %q: plain http is allowed only to a loopback host; use https": "%q: plain http is allowed only to a loopback host; use https",
		"config: %q: scheme must be https":                                     "%q: scheme must be https",

		// why an alias cannot be stored (config.BadAliasError)
		"config: must be one line":             "must be one line",
		"config: %q is not a token file name":  "%q is not a token file name",
		"config: longer than %d characters":    "longer than %d characters",
		"config: it holds a control character": "it holds a control character",
	}, map[Key]string{
		"config: %q is another name of the built-in provider %q; use providers.%s":    "%q 是内置提供方 %q 的另一个名字；请使用 providers.%s",
		"config: a provider name must be lower-case letters, digits, '.', '_' or '-'": "提供方名称只能由小写字母、数字、'.'、'_' 或 '-' 组成",
		"config: must be %q or %q":                                             "必须是 %q 或 %q",
		"config: must be %q, %q or %q":                                         "必须是 %q、%q 或 %q",
		"config: must not be empty":                                            "不能为空",
		"config: must be one non-empty scope without spaces":                   "必须是一个不含空格的非空 scope",
		"config: empty parameter name":                                         "参数名为空",
		"config: is set by the login flow and cannot be overridden":            "由登录流程设置，不能覆盖",
		"config: must be lower-case letters, digits, '.', '_' or '-'":          "只能由小写字母、数字、'.'、'_' 或 '-' 组成",
		"config: %s supports only %q":                                          "%s 只支持 %q",
		"config: the file names of the built-in provider %s are fixed":         "内置提供方 %s 的文件名是固定的",
		"config: missing; must be %q or %q":                                    "缺失；必须是 %q 或 %q",
		"config: missing; a generic provider needs its token endpoint":         "缺失；通用提供方需要填写它的 Token 端点",
		"config: missing; a generic provider needs its client id":              "缺失；通用提供方需要填写它的 client id",
		"config: missing; needed by flow %q":                                   "缺失；流程 %q 需要它",
		"config: %q is the prefix of a built-in provider":                      "%q 是内置提供方的文件名前缀",
		"config: %q is not an absolute URL":                                    "%q 不是完整的网址",
		"config: %q: plain http is allowed only to a loopback host; use https": "%q：明文 http 只允许用于本机回环地址；请使用 https",
		"config: %q: scheme must be https":                                     "%q：协议必须是 https",

		"config: must be one line":             "必须是单行文本",
		"config: %q is not a token file name":  "%q 不是 Token 文件名",
		"config: longer than %d characters":    "超过 %d 个字符",
		"config: it holds a control character": "含有控制字符",
	})
}

package i18n

// Reasons the daemon answers as codes (tokenfile's and daemon's reason
// codes), worded by the client: key "reason.<code>".
func init() {
	add(map[Key]string{
		"reason.too_large":        "too large",
		"reason.not_json":         "not JSON",
		"reason.not_json_object":  "not a JSON object",
		"reason.no_secret":        "no access token, API key or refresh token",
		"reason.no_access_token":  "no access token",
		"reason.no_refresh_token": "no refresh token",
		"reason.unreadable":       "unreadable",
		"reason.file_removed":     "file removed",

		"reason.not_refreshable.missing":          "not refreshable: the file is missing",
		"reason.not_refreshable.invalid":          "not refreshable: invalid: %s",
		"reason.not_refreshable.read_only":        "not refreshable: read-only (static)",
		"reason.not_refreshable.link":             "not refreshable: a link to %s, which is refreshed in its own name",
		"reason.not_refreshable.unknown_provider": "not refreshable: unknown provider",
		"reason.not_refreshable.no_refresh_token": "not refreshable: no refresh token; log in again",
		"reason.not_refreshable.no_provider":      "not refreshable: no provider %q is configured",
	}, map[Key]string{
		"reason.too_large":        "文件过大",
		"reason.not_json":         "不是 JSON",
		"reason.not_json_object":  "不是 JSON 对象",
		"reason.no_secret":        "没有 Access Token、API Key 或 Refresh Token",
		"reason.no_access_token":  "没有 Access Token",
		"reason.no_refresh_token": "没有 Refresh Token",
		"reason.unreadable":       "无法读取",
		"reason.file_removed":     "文件已删除",

		"reason.not_refreshable.missing":          "无法刷新：文件已不存在",
		"reason.not_refreshable.invalid":          "无法刷新：文件无效（%s）",
		"reason.not_refreshable.read_only":        "无法刷新：只读（static）",
		"reason.not_refreshable.link":             "无法刷新：它是指向 %s 的链接，以那个文件的名义刷新",
		"reason.not_refreshable.unknown_provider": "无法刷新：未知的提供商",
		"reason.not_refreshable.no_refresh_token": "无法刷新：没有 Refresh Token，请重新登录",
		"reason.not_refreshable.no_provider":      "无法刷新：没有配置提供商 %q",
	})
}

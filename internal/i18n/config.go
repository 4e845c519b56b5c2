package i18n

// Problems with config.json (internal/config). The problem itself is keyed
// by its English format, gettext style: "config: " + the format given to
// the decoder's fail (config.msgKey). A format without an entry here stays
// English; add one when adding a check.
const (
	CfgAt     Key = "config.at"     // %s file, %s key path, %s problem
	CfgAtLine Key = "config.atLine" // %s file, %d line, %d column, %s problem
	CfgInFile Key = "config.inFile" // %s file, %s problem
)

func init() {
	add(map[Key]string{
		CfgAt:     "%s: %s: %s",
		CfgAtLine: "%s: line %d, column %d: %s",
		CfgInFile: "%s: %s",

		"config: the config file given by --config or ROUTECODEX_CONFIG does not exist": "the config file given by --config or ROUTECODEX_CONFIG does not exist",
		"config: not valid JSON":                                                  "not valid JSON",
		"config: must hold a JSON object":                                         "must hold a JSON object",
		"config: must be an object":                                               "must be an object",
		"config: is given twice":                                                  "is given twice",
		"config: unknown key (check its spelling)":                                "unknown key (check its spelling)",
		"config: must be true or false":                                           "must be true or false",
		"config: must be a whole number from %d to %d":                            "must be a whole number from %d to %d",
		"config: must be a string":                                                "must be a string",
		"config: must be a non-empty string":                                      "must be a non-empty string",
		"config: must be one of %s":                                               "must be one of %s",
		"config: must be an array of %s":                                          "must be an array of %s",
		"config: port numbers":                                                    "port numbers",
		"config: strings":                                                         "strings",
		"config: must list 1 to %d port numbers":                                  "must list 1 to %d port numbers",
		"config: port %d is listed twice":                                         "port %d is listed twice",
		`config: must name a command, e.g. ["rcc", "start"]`:                      `must name a command, e.g. ["rcc", "start"]`,
		`config: must be a token file name such as "iflow-oauth-1-work.json"`:     `must be a token file name such as "iflow-oauth-1-work.json"`,
		"config: is required":                                                     "is required",
		"config: is required (one of %s)":                                         "is required (one of %s)",
		"config: only feishu and dingtalk sign messages; remove it for format %q": "only feishu and dingtalk sign messages; remove it for format %q",
		"config: must be an absolute https:// URL":                                "must be an absolute https:// URL",
		"config: must use https (http only to a loopback address)":                "must use https (http only to a loopback address)",
		"config: must list at least one event (leave the key out for all)":        "must list at least one event (leave the key out for all)",
		"config: %q is listed twice":                                              "%q is listed twice",
		"config: %v":                                                              "%v", // a decoder's detail, English in every language
	}, map[Key]string{
		CfgAt:     "%s：%s：%s",
		CfgAtLine: "%s：第 %d 行第 %d 列：%s",
		CfgInFile: "%s：%s",

		"config: the config file given by --config or ROUTECODEX_CONFIG does not exist": "由 --config 或 ROUTECODEX_CONFIG 指定的配置文件不存在",
		"config: not valid JSON":                                                  "不是有效的 JSON",
		"config: must hold a JSON object":                                         "顶层必须是一个 JSON 对象",
		"config: must be an object":                                               "必须是一个对象",
		"config: is given twice":                                                  "重复出现",
		"config: unknown key (check its spelling)":                                "未知的键（请检查拼写）",
		"config: must be true or false":                                           "必须是 true 或 false",
		"config: must be a whole number from %d to %d":                            "必须是 %d 到 %d 之间的整数",
		"config: must be a string":                                                "必须是字符串",
		"config: must be a non-empty string":                                      "必须是非空字符串",
		"config: must be one of %s":                                               "必须是以下之一：%s",
		"config: must be an array of %s":                                          "必须是%s数组",
		"config: port numbers":                                                    "端口号",
		"config: strings":                                                         "字符串",
		"config: must list 1 to %d port numbers":                                  "必须列出 1 到 %d 个端口号",
		"config: port %d is listed twice":                                         "端口 %d 重复列出",
		`config: must name a command, e.g. ["rcc", "start"]`:                      `必须指定一个命令，例如 ["rcc", "start"]`,
		`config: must be a token file name such as "iflow-oauth-1-work.json"`:     `必须是 Token 文件名，例如 "iflow-oauth-1-work.json"`,
		"config: is required":                                                     "是必填项",
		"config: is required (one of %s)":                                         "是必填项（可选：%s）",
		"config: only feishu and dingtalk sign messages; remove it for format %q": "只有 feishu 和 dingtalk 会签名消息；格式 %q 请删掉此项",
		"config: must be an absolute https:// URL":                                "必须是完整的 https:// 网址",
		"config: must use https (http only to a loopback address)":                "必须使用 https（http 只允许用于本机回环地址）",
		"config: must list at least one event (leave the key out for all)":        "必须列出至少一个事件（省略此键表示全部事件）",
		"config: %q is listed twice":                                              "%q 重复列出",
		"config: %v":                                                              "%v",
	})
}

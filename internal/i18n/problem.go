package i18n

import "strings"

// Configuration problems a provider codes (provider.Error's Problem): what
// is wrong and which setting fixes it, worded in the reader's language by
// the client (status, list, refresh) and by the notifiers.

func init() {
	add(map[Key]string{
		"problem.configPrefix":       "configuration error: ",
		"problem.sep":                "; ",
		"problem.no_client_id":       "no client id",
		"fix.no_client_id":           "set env %s or tokenDaemon.providers.%s.clientId in config.json",
		"problem.no_client_secret":   "no client secret",
		"fix.no_client_secret":       `set env %s, or tokenDaemon.providers.%s.clientSecret in config.json, or {"%s":{"clientSecret":"…"}} in %s`,
		"problem.or":                 " or ",
		"fix.client_rejected":        "check the client id: env %s or tokenDaemon.providers.%s.clientId in config.json",
		"fix.client_rejected_secret": "check the client id and secret: env %s and %s, tokenDaemon.providers.%s.clientId and .clientSecret in config.json, or %s",
	}, map[Key]string{
		"problem.configPrefix":       "配置错误：",
		"problem.sep":                "；",
		"problem.no_client_id":       "缺少 client id",
		"fix.no_client_id":           "请设置环境变量 %s，或 config.json 中的 tokenDaemon.providers.%s.clientId",
		"problem.no_client_secret":   "缺少 client secret",
		"fix.no_client_secret":       `请设置环境变量 %s，或 config.json 中的 tokenDaemon.providers.%s.clientSecret，或把 {"%s":{"clientSecret":"…"}} 写入 %s`,
		"problem.or":                 " 或 ",
		"fix.client_rejected":        "请检查 client id：环境变量 %s，或 config.json 中的 tokenDaemon.providers.%s.clientId",
		"fix.client_rejected_secret": "请检查 client id 和 secret：环境变量 %s 和 %s、config.json 中的 tokenDaemon.providers.%s.clientId 与 .clientSecret，或 %s",
	})
}

// Problem words a coded configuration problem and its fix in lang. The
// problem is ours (no_client_secret) or, for a code without words of its
// own (client_rejected: the provider said why), own: the provider's text.
// An argument listing several names separates them with "|". ok is false
// for a code the catalogs do not know.
func Problem(lang Lang, code string, args []string, own string) (problem, fix string, ok bool) {
	if _, ok := Lookup(lang, Key("fix."+code)); !ok {
		return "", "", false
	}
	a := make([]any, len(args))
	for i, v := range args {
		a[i] = strings.ReplaceAll(v, "|", T(lang, "problem.or"))
	}
	problem = own
	if _, ours := Lookup(lang, Key("problem."+code)); ours {
		problem = T(lang, Key("problem."+code))
	}
	return problem, T(lang, Key("fix."+code), a...), true
}

// ProblemLine words the reason line of a token with that problem, as
// status and list show it ("configuration error: no client secret; set
// …"), from its English line: the provider's own part of it is kept.
func ProblemLine(lang Lang, code string, args []string, english string) (string, bool) {
	_, enFix, ok := Problem(EN, code, args, "")
	if !ok {
		return "", false
	}
	own := strings.TrimPrefix(english, T(EN, "problem.configPrefix"))
	if i := strings.Index(own, T(EN, "problem.sep")+enFix); i >= 0 {
		own = own[:i]
	}
	problem, fix, _ := Problem(lang, code, args, own)
	return T(lang, "problem.configPrefix") + problem + T(lang, "problem.sep") + fix, true
}

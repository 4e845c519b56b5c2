package cli

import (
	"strings"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// wordReason is a reason in the user's language. The daemon (or the core
// in this process) answers a reason as its English text with a stable code
// and arguments; the client words the code from the catalogs (key
// "reason.<code>"), an argument that is itself a reason code included. In
// English, and for a text without a code (a provider's own message), the
// text is shown as it is: it keeps details the catalogs leave out (the
// system's error of an unreadable file).
func wordReason(lang i18n.Lang, text, code string, args []string) string {
	// A configuration problem reads the same from every source, English
	// included: "configuration error: <problem>; <the setting to change>".
	if problem, ok := strings.CutPrefix(code, daemon.ReasonConfigCode); ok {
		if line, ok := i18n.ProblemLine(lang, problem, args, text); ok {
			return line
		}
	}
	if code == "" || lang == i18n.EN {
		return text
	}
	key := i18n.Key("reason." + code)
	if _, ok := i18n.Lookup(lang, key); !ok {
		return text
	}
	worded := make([]any, len(args))
	for i, a := range args {
		worded[i] = a
		if w, ok := i18n.Lookup(lang, i18n.Key("reason."+a)); ok {
			worded[i] = w
		}
	}
	return i18n.T(lang, key, worded...)
}

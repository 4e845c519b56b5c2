package cli

import (
	"strings"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// shortReason is the part of a reason worth a table cell: without the
// provider's name (the row shows it) and without what follows " — " (the
// generic part of a provider's description, after its specific cause), so
// that the error code and the specific cause come first.
func shortReason(reason, provider string) string {
	config := strings.HasPrefix(reason, daemon.ReasonConfigPrefix)
	r := strings.TrimPrefix(reason, daemon.ReasonConfigPrefix)
	if provider != "" {
		r = strings.TrimPrefix(r, provider+": ")
	}
	if i := strings.Index(r, " — "); i > 0 {
		r = r[:i]
	}
	if config {
		r = daemon.ReasonConfigPrefix + r
	}
	return r
}

// loginHint is what a failure line adds when only a login helps: the
// command that fixes it.
func loginHint(lang i18n.Lang, status, file string) string {
	if status != string(tokenfile.StatusNeedsReauth) {
		return ""
	}
	return "; " + i18n.T(lang, i18n.RefreshLoginHint, strings.TrimSuffix(file, ".json"))
}

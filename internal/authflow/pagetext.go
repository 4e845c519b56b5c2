package authflow

import (
	"net/http"
	"strings"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// summary is the auth page's one-line account of a token's state, in the
// page's language ("Refresh Token 已过期"); the core's reason, in the words
// of the provider, is shown below it as the detail.
func (s *Server) summary(r *http.Request, status, reason string) string {
	var key i18n.Key
	switch tokenfile.Status(status) {
	case tokenfile.StatusNeedsReauth:
		key = i18n.AuthWhyRefreshExpired
		if strings.Contains(reason, "no refresh token") {
			key = i18n.AuthWhyNoRefreshToken
		}
	case tokenfile.StatusExpired:
		key = i18n.AuthWhyAccessExpired
	case tokenfile.StatusExpiring:
		key = i18n.AuthWhyExpiringSoon
	case tokenfile.StatusRefreshFailed:
		key = i18n.AuthWhyRefreshFailed
		if strings.HasPrefix(reason, daemon.ReasonConfigPrefix) {
			key = i18n.AuthWhyMisconfigured
		}
	case tokenfile.StatusMissing:
		key = i18n.AuthWhyMissing
	case tokenfile.StatusInvalid:
		key = i18n.AuthWhyInvalid
	default: // working, or read-only: the status word says it all
		return ""
	}
	return s.tr(r, string(key))
}

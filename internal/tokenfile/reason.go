package tokenfile

import "strings"

// Reason codes: the stable names of the reasons this package gives (a
// file's Invalid, the reason of StatusAt), so that a client can word them
// in its user's language (`list --json` "reasonCode"). The reasons
// themselves stay the English texts below; none holds file content.
const (
	ReasonTooLarge       = "too_large"
	ReasonNotJSON        = "not_json"
	ReasonNotObject      = "not_json_object"
	ReasonNoSecret       = "no_secret"
	ReasonNoAccessToken  = "no_access_token"
	ReasonNoRefreshToken = "no_refresh_token"
	ReasonUnreadable     = "unreadable" // the text adds the system's error
	// ReasonLoggedOut: another tool recorded a logout in its own file.
	ReasonLoggedOut = "logged_out"
	// ReasonHandedOff: exported with --handoff; the other machine
	// refreshes it (status static).
	ReasonHandedOff = "handed_off"
)

// reasonTexts are the English reasons of the codes.
var reasonTexts = map[string]string{
	ReasonTooLarge:       "too large",
	ReasonNotJSON:        "not JSON",
	ReasonNotObject:      "not a JSON object",
	ReasonNoSecret:       "no access token, API key or refresh token",
	ReasonNoAccessToken:  "no access token",
	ReasonNoRefreshToken: "no refresh token",
	ReasonUnreadable:     "unreadable",
	ReasonLoggedOut:      "logged out by its tool; log in again",
	ReasonHandedOff:      "handed off",
}

// Reason texts, as File.Invalid and StatusAt give them.
var (
	reasonTooLarge  = reasonTexts[ReasonTooLarge]
	reasonNotJSON   = reasonTexts[ReasonNotJSON]
	reasonNotObject = reasonTexts[ReasonNotObject]
	reasonNoSecret  = reasonTexts[ReasonNoSecret]
)

// ReasonCode is the code of a reason this package gave, "" for any other
// text.
func ReasonCode(reason string) string {
	if strings.HasPrefix(reason, reasonTexts[ReasonUnreadable]+": ") {
		return ReasonUnreadable
	}
	for code, text := range reasonTexts {
		if text == reason {
			return code
		}
	}
	return ""
}

// ReasonText is the English reason of a code ("" for an unknown code).
func ReasonText(code string) string { return reasonTexts[code] }

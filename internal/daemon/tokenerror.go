package daemon

import "fmt"

// Codes of TokenReason: why the broker hands out no token. A client words
// them ("reason.broker.<code>"), the English is tokenReasonText's.
const (
	TokenFileRemoved    = "file_removed"
	TokenInvalid        = "invalid"      // Detail: the file's reason
	TokenLogInAgain     = "log_in_again" // needs a login, no more said
	TokenLoginNeeded    = "login_needed" // Detail: why
	TokenNoTokenInFile  = "no_token_in_file"
	TokenRefreshFailed  = "refresh_failed" // Detail: the last error
	TokenPending        = "pending"        // Detail: why the write waits
	TokenReadOnly       = "read_only"
	TokenNotRefreshable = "not_refreshable" // Detail: why not
	TokenExpired        = "expired"
)

// TokenReason is why a token request failed, coded: Code says what, and
// Detail (English) with DetailCode and DetailArgs (a reason code, if the
// detail has one) the cause it carries.
type TokenReason struct {
	Code       string
	Detail     string
	DetailCode string
	DetailArgs []string
}

// tokenReasonText is the English sentence of r.
func tokenReasonText(r TokenReason) string {
	switch r.Code {
	case TokenFileRemoved:
		return "the file was removed"
	case TokenInvalid:
		return "invalid: " + r.Detail
	case TokenLogInAgain:
		return "log in again"
	case TokenNoTokenInFile:
		return "no token in the file"
	case TokenRefreshFailed:
		return "expired, and the refresh failed: " + r.Detail
	case TokenPending:
		return "expired; new tokens are waiting to be written: " + r.Detail
	case TokenReadOnly:
		return "expired, and the file is read-only (static)"
	case TokenNotRefreshable:
		return "expired; " + r.Detail
	case TokenExpired:
		return "expired"
	}
	return r.Detail // TokenLoginNeeded
}

// TokenError is a failed token request: it matches its Sentinel
// (ErrLoginNeeded or ErrNoToken) and reads "token <file>: <sentinel>: why".
type TokenError struct {
	File     string
	Sentinel error
	Reason   TokenReason
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("token %s: %v: %s", e.File, e.Sentinel, tokenReasonText(e.Reason))
}

func (e *TokenError) Unwrap() error { return e.Sentinel }

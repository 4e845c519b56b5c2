package tokenfile

import "time"

// StatusAt is the file's own status at now with the given refresh-ahead
// lead, and the reason when there is one worth showing. States that only a
// running daemon knows (refreshing, refresh_failed, missing) never come from
// here.
func (f *File) StatusAt(now time.Time, ahead time.Duration) (Status, string) {
	switch {
	case f.Invalid != "":
		return StatusInvalid, f.Invalid
	case f.LoggedOut:
		return StatusNeedsReauth, reasonTexts[ReasonLoggedOut]
	case f.HandedOff:
		return StatusStatic, reasonTexts[ReasonHandedOff]
	case f.ReadOnly:
		return StatusStatic, ""
	case f.AccessToken == "" && f.RefreshToken != "":
		return StatusExpired, reasonTexts[ReasonNoAccessToken]
	case f.ExpiresAt.IsZero():
		return StatusValid, ""
	case !now.Before(f.ExpiresAt):
		if f.Provider != "" && f.RefreshToken == "" {
			return StatusNeedsReauth, reasonTexts[ReasonNoRefreshToken]
		}
		return StatusExpired, ""
	case f.ExpiresAt.Sub(now) <= ahead:
		return StatusExpiring, ""
	default:
		return StatusValid, ""
	}
}

// Refreshable: known provider, has a refresh token, not read-only, not
// invalid, not a link to another token file, not only watched.
func (f *File) Refreshable() bool {
	return f.Provider != "" && f.RefreshToken != "" && !f.ReadOnly && f.Invalid == "" && f.LinkTo == "" &&
		!f.Watch && !f.LoggedOut
}

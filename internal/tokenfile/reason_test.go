package tokenfile

import (
	"testing"
	"time"
)

func TestReasonCodes(t *testing.T) {
	files := map[string]string{
		`[1]`:                                    ReasonNotObject,
		`{`:                                      ReasonNotJSON,
		`{"email":"a@b.c"}`:                      ReasonNoSecret,
		`{"refresh_token":"r"}`:                  ReasonNoAccessToken,
		`{"access_token":"a","expires_at":1000}`: ReasonNoRefreshToken,
	}
	for data, want := range files {
		f := Parse("/auth/qwen-oauth-1.json", []byte(data), Options{})
		_, reason := f.StatusAt(time.Now(), time.Minute)
		if got := ReasonCode(reason); got != want || ReasonText(got) != reason {
			t.Errorf("%s: reason %q has code %q, want %q", data, reason, got, want)
		}
	}
	if ReasonCode("invalid_grant: the refresh token expired") != "" {
		t.Error("a provider's text has a code")
	}
}

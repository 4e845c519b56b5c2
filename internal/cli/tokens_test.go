package cli

import (
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// list --expiring keeps what has stopped working (missing included) and
// what expires within the window — --within, not refreshAheadMinutes.
func TestExpiringFilterUsesTheWindow(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	in15 := now.Add(15 * time.Minute)
	cases := []struct {
		st     daemon.TokenState
		within time.Duration
		want   bool
	}{
		{daemon.TokenState{Status: tokenfile.StatusExpiring, ExpiresAt: in15}, time.Minute, false},
		{daemon.TokenState{Status: tokenfile.StatusExpiring, ExpiresAt: in15}, 20 * time.Minute, true},
		{daemon.TokenState{Status: tokenfile.StatusValid, ExpiresAt: in15}, 20 * time.Minute, true},
		{daemon.TokenState{Status: tokenfile.StatusValid, ExpiresAt: in15}, time.Minute, false},
		{daemon.TokenState{Status: tokenfile.StatusMissing}, time.Minute, true},
		{daemon.TokenState{Status: tokenfile.StatusExpired}, time.Minute, true},
		{daemon.TokenState{Status: tokenfile.StatusNeedsReauth}, time.Minute, true},
		{daemon.TokenState{Status: tokenfile.StatusRefreshFailed}, time.Minute, true},
		{daemon.TokenState{Status: tokenfile.StatusStatic, ExpiresAt: in15}, time.Hour, false},
		{daemon.TokenState{Status: tokenfile.StatusInvalid}, time.Hour, false},
		{daemon.TokenState{Status: tokenfile.StatusValid}, time.Hour, false}, // no expiry: an API key
	}
	for _, c := range cases {
		flt := tokenFilter{Expiring: true, Within: c.within}
		if got := flt.keep(c.st, now); got != c.want {
			t.Errorf("%s expiring at %v, within %v: keep %v, want %v", c.st.Status, c.st.ExpiresAt, c.within, got, c.want)
		}
	}
}

package provider

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Provider numbers are clamped (DESIGN.md section 10): an expires_in outside
// 1 s … 366 days is treated as absent (one hour), with a note for the log.
func TestExpiresInClamped(t *testing.T) {
	tests := []struct {
		body     string
		want     int64
		wantNote bool
	}{
		{`{"expires_in": 21600}`, 21600, false},
		{`{"expires_in": "172800"}`, 172800, false},
		{`{"expires_in": 1}`, 1, false},
		{`{"expires_in": 31622400}`, 31622400, false}, // 366 days
		{`{}`, defaultExpiresIn, false},
		{`{"expires_in": null}`, defaultExpiresIn, false},
		{`{"expires_in": 10000000000}`, defaultExpiresIn, true}, // the overflow of issue 9
		{`{"expires_in": 1e300}`, defaultExpiresIn, true},
		{`{"expires_in": "-1e300"}`, defaultExpiresIn, true},
		{`{"expires_in": 31622401}`, defaultExpiresIn, true},
		{`{"expires_in": -5}`, defaultExpiresIn, true},
		{`{"expires_in": 0.4}`, defaultExpiresIn, false}, // rounds to 0: absent
	}
	c := &client{name: "qwen", now: func() time.Time { return testNow }}
	for _, tt := range tests {
		var tr tokenResponse
		if err := json.Unmarshal([]byte(tt.body), &tr); err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		tr.AccessToken = "at"
		u := c.update(&tr, "")
		if u.ExpiresIn != tt.want || !u.ExpiresAt.Equal(testNow.Add(time.Duration(tt.want)*time.Second)) {
			t.Errorf("%s: expires_in %d at %v, want %d", tt.body, u.ExpiresIn, u.ExpiresAt, tt.want)
		}
		if (u.Note != "") != tt.wantNote || (tt.wantNote && !strings.Contains(u.Note, "assuming 3600 s")) {
			t.Errorf("%s: note %q", tt.body, u.Note)
		}
		if u.ExpiresAt.Year() < testNow.Year() {
			t.Errorf("%s: expiry in the past (%v)", tt.body, u.ExpiresAt)
		}
	}
}

func TestRetryAfterClamped(t *testing.T) {
	if d := parseRetryAfter("99999999999999", testNow); d != 24*time.Hour {
		t.Errorf("huge Retry-After: %v, want 24h", d)
	}
	if d := parseRetryAfter("-3", testNow); d != 0 {
		t.Errorf("negative Retry-After: %v", d)
	}
}

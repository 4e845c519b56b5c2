package provider

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/fakeprov"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

var claudeMax = fakeprov.Identity{Email: "claude@example.com", AccountID: "acc-uuid-1", OrgID: "org-uuid-1", OrgName: "Example"}

func claudeFile(rt string) *tokenfile.File {
	return &tokenfile.File{Name: "claude-oauth-1.json", Provider: "claude", AccessToken: "sk-ant-oat01-TESTSECRET-old-1", RefreshToken: rt}
}

// The endpoint takes JSON only and rejects unknown fields, so a refresh
// that succeeds against the fake sent exactly the four fields.
func TestClaudeRefreshJSONOnlyAndRotation(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.AddChain(testRefresh, claudeMax)
	p, _ := fakeRegistry(t, fp, clock, nil).Get("claude")

	u, err := p.Refresh(context.Background(), claudeFile(testRefresh))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.AccessToken, "sk-ant-oat01-") || u.RefreshToken == "" || u.RefreshToken == testRefresh ||
		u.ExpiresIn != 28800 || !u.ExpiresAt.Equal(testNow.Add(8*time.Hour)) {
		t.Errorf("update: access ok %v, rotated %v, expires_in %d at %v", strings.HasPrefix(u.AccessToken, "sk-ant-oat01-"), u.RefreshToken != testRefresh, u.ExpiresIn, u.ExpiresAt)
	}
	r := fp.Requests()[0]
	if !r.JSON || r.ContentType != "application/json" || strings.Join(r.Fields, ",") != "client_id,grant_type,refresh_token,scope" || r.UserAgent != claudeUserAgent {
		t.Errorf("request %+v", r)
	}

	// Not strict by default: the loser of a race is refused, the winner's
	// token lives on.
	_, err = p.Refresh(context.Background(), claudeFile(testRefresh))
	if ClassOf(err) != Permanent || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("reuse: %v", err)
	}
	if !fp.Live(u.RefreshToken) {
		t.Error("the winner's token died without -claude-reuse-revokes")
	}
}

func TestClaudeReuseRevokes(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.ClaudeReuseRevokes = true
	fp.AddChain(testRefresh, claudeMax)
	p, _ := fakeRegistry(t, fp, clock, nil).Get("claude")
	won, err := p.Refresh(context.Background(), claudeFile(testRefresh))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Refresh(context.Background(), claudeFile(testRefresh)); ClassOf(err) != Permanent {
		t.Fatalf("reuse: %v", err)
	}
	if _, err := p.Refresh(context.Background(), claudeFile(won.RefreshToken)); ClassOf(err) != Permanent {
		t.Errorf("the winner after a revoking reuse: %v", err)
	}
}

func TestClaudeAnswerWithoutRefreshTokenKeepsTheOld(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.ClaudeOmitRefresh = true
	fp.AddChain(testRefresh, claudeMax)
	p, _ := fakeRegistry(t, fp, clock, nil).Get("claude")
	u, err := p.Refresh(context.Background(), claudeFile(testRefresh))
	if err != nil || u.RefreshToken != "" || u.AccessToken == "" {
		t.Errorf("update refresh %q, err %v: want the old one kept", u.RefreshToken, err)
	}
}

func TestClaudeErrorClasses(t *testing.T) {
	tests := []struct {
		name   string
		answer fakeprov.Canned
		class  Class
		code   string
		desc   string
		retry  time.Duration
	}{
		{"not found or invalid", fakeprov.Canned{Status: 400, Body: fakeprov.ClaudeNotFound}, Permanent, "invalid_grant", "Refresh token not found or invalid", 0},
		{"expired", fakeprov.Canned{Status: 400, Body: fakeprov.ClaudeExpired}, Permanent, "invalid_grant", "Refresh token expired", 0},
		{"401", fakeprov.Canned{Status: 401, Body: `{"type":"error","error":{"type":"authentication_error","message":"Invalid bearer token"}}`}, Permanent, "authentication_error", "Invalid bearer token", 0},
		{"bad format", fakeprov.Canned{Status: 400, Body: fakeprov.ClaudeBadFormat}, Transient, "invalid_request_error", "Invalid request format", 0},
		{"429 Retry-After-Ms", fakeprov.Canned{Status: 429, Body: `{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}`, Header: http.Header{"Retry-After": {"1"}, "Retry-After-Ms": {"2500"}}}, Transient, "rate_limit_error", "Rate limited", 2500 * time.Millisecond},
		{"529 overloaded", fakeprov.Canned{Status: 529, Body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`}, Transient, "overloaded_error", "Overloaded", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			fp := newFake(t, clock)
			fp.AddChain(testRefresh, claudeMax)
			fp.Fail("claude", tt.answer)
			p, _ := fakeRegistry(t, fp, clock, nil).Get("claude")
			_, err := p.Refresh(context.Background(), claudeFile(testRefresh))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err %v", err)
			}
			if pe.Class != tt.class || pe.Code != tt.code || pe.Description != tt.desc || pe.RetryAfter != tt.retry {
				t.Errorf("got %v %q %q %v, want %v %q %q %v", pe.Class, pe.Code, pe.Description, pe.RetryAfter, tt.class, tt.code, tt.desc, tt.retry)
			}
			checkNoSecrets(t, err.Error())
		})
	}
}

// The fake itself rejects what the real endpoint rejects, so that the
// tests above prove something.
func TestFakeClaudeRejectsFormAndUnknownFields(t *testing.T) {
	fp := fakeprov.New()
	defer fp.Close()
	fp.AddChain(testRefresh, claudeMax)
	for _, tc := range []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "grant_type=refresh_token&refresh_token=" + testRefresh + "&client_id=" + fakeprov.ClaudeClientID},
		{"application/json", `{"grant_type":"refresh_token","refresh_token":"` + testRefresh + `","client_id":"` + fakeprov.ClaudeClientID + `","expires_in":3600}`},
	} {
		resp, err := http.Post(fp.URL+"/claude/token", tc.ct, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(resp)
		if resp.StatusCode != 400 || !strings.Contains(body, "Invalid request format") {
			t.Errorf("%s: %d %s", tc.ct, resp.StatusCode, body)
		}
	}
	if !fp.Live(testRefresh) {
		t.Error("a rejected request used the token")
	}
}

func TestClaudeBrowserAndManualLogin(t *testing.T) {
	for _, manual := range []bool{false, true} {
		clock := newFakeClock()
		fp := newFake(t, clock)
		fp.LoginAs("claude", claudeMax)
		p, _ := fakeRegistry(t, fp, clock, map[string]Settings{}).Get("claude")
		ac := p.(AuthCodeFlow)
		redirect := "http://localhost:38421" + p.(LocalhostRedirect).LocalhostRedirectPath()
		if manual {
			redirect = p.(ManualRedirect).ManualRedirectURI()
		}
		verifier := "verifier-TESTSECRET-0123456789-0123456789-0123"
		authURL := ac.AuthCodeURL(redirect, "state-2", verifier, "")
		q := mustQuery(t, authURL)
		if q.Get("code") != "true" || q.Get("client_id") != fakeprov.ClaudeClientID || q.Get("scope") != strings.Join(claudeScopes, " ") || q.Get("redirect_uri") != redirect {
			t.Errorf("authorize query %v", q)
		}
		back := browserApprove(t, authURL)
		var u tokenfile.Update
		var err error
		if manual {
			// What the user pastes from the manual page: code#state.
			u, err = ac.Exchange(context.Background(), back.Query().Get("code")+"#"+back.Query().Get("state"), verifier, redirect)
		} else {
			u, err = p.(StateExchanger).ExchangeState(context.Background(), back.Query().Get("code"), back.Query().Get("state"), verifier, redirect)
		}
		if err != nil {
			t.Fatalf("manual %v: %v", manual, err)
		}
		if u.Extra["email"] != claudeMax.Email || u.Extra["account_uuid"] != claudeMax.AccountID || u.Extra["organization_uuid"] != claudeMax.OrgID {
			t.Errorf("extras %v", u.Extra)
		}
		acc, err := p.(AccountIdentifier).Account(context.Background(), u)
		if err != nil || acc != (Account{Email: claudeMax.Email, ID: claudeMax.AccountID, Workspace: claudeMax.OrgID}) {
			t.Errorf("account %+v %v", acc, err)
		}
		// After a refresh (no account in the answer) the profile names it.
		acc, err = p.(AccountIdentifier).Account(context.Background(), tokenfile.Update{AccessToken: u.AccessToken})
		if err != nil || acc.Email != claudeMax.Email || acc.Workspace != claudeMax.OrgID {
			t.Errorf("profile account %+v %v", acc, err)
		}
	}
}

func TestClaudeUserAgentConfigurable(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.AddChain(testRefresh, claudeMax)
	reg := fakeRegistry(t, fp, clock, nil)
	s, _ := reg.Settings("claude")
	s.UserAgent = "claude-cli/2.1.0 (external, cli)"
	p, _ := fakeRegistry(t, fp, clock, map[string]Settings{"claude": s}).Get("claude")
	if _, err := p.Refresh(context.Background(), claudeFile(testRefresh)); err != nil {
		t.Fatal(err)
	}
	if ua := fp.Requests()[0].UserAgent; ua != s.UserAgent {
		t.Errorf("User-Agent %q", ua)
	}
}

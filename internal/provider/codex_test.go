package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/fakeprov"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// fakeRegistry points codex and claude at a fakeprov server.
func fakeRegistry(t *testing.T, fp *fakeprov.Server, clock *fakeClock, extra map[string]Settings) *Registry {
	t.Helper()
	settings := map[string]Settings{
		"codex": {AuthURL: fp.URL + "/codex/authorize", TokenURL: fp.URL + "/codex/token", DeviceCodeURL: fp.URL + "/codex/deviceauth/usercode"},
		"claude": {AuthURL: fp.URL + "/claude/authorize", TokenURL: fp.URL + "/claude/token", UserInfoURL: fp.URL + "/claude/profile",
			ManualRedirectURL: fp.URL + "/claude/manual"},
	}
	for k, v := range extra {
		settings[k] = v
	}
	return newRegistry(t, regOpts{settings: settings, clock: clock})
}

func newFake(t *testing.T, clock *fakeClock) *fakeprov.Server {
	fp := fakeprov.New()
	fp.Now = clock.Now
	t.Cleanup(fp.Close)
	return fp
}

var workA = fakeprov.Identity{Email: "coder@example.com", AccountID: "acct-A", Plan: "plus"}

func codexFile(rt string) *tokenfile.File {
	return &tokenfile.File{Name: "codex-oauth-1-work.json", Provider: "codex", AccessToken: "old-access-TESTSECRET-1", RefreshToken: rt}
}

func TestCodexRefreshRotatesAndReadsTheJWT(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.AddChain(testRefresh, workA)
	p, _ := fakeRegistry(t, fp, clock, nil).Get("codex")

	u, err := p.Refresh(context.Background(), codexFile(testRefresh))
	if err != nil {
		t.Fatal(err)
	}
	if u.RefreshToken == "" || u.RefreshToken == testRefresh || !fp.Live(u.RefreshToken) {
		t.Errorf("no rotated refresh token in the update")
	}
	exp, ok := jwtExpiry(u.AccessToken)
	if !ok || !u.ExpiresAt.Equal(exp) || u.ExpiresIn != int64(exp.Sub(testNow)/time.Second) {
		t.Errorf("expiry %v (in %d), the JWT says %v", u.ExpiresAt, u.ExpiresIn, exp)
	}
	if idt, _ := u.Extra["id_token"].(string); idt == "" || u.Extra["account_id"] != "acct-A" {
		t.Errorf("extras %v", u.Extra)
	}
	reqs := fp.Requests()
	if len(reqs) != 1 || !reqs[0].JSON || strings.Join(reqs[0].Fields, ",") != "client_id,grant_type,refresh_token" {
		t.Errorf("refresh request %+v, want the Codex CLI's JSON", reqs)
	}
}

// The strict case of PROVIDERS.md: a reused refresh token ends the whole
// login, the winner's new token too; both answers are permanent.
func TestCodexReuseEndsTheWholeLogin(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.AddChain(testRefresh, workA)
	p, _ := fakeRegistry(t, fp, clock, nil).Get("codex")
	ctx := context.Background()

	won, err := p.Refresh(ctx, codexFile(testRefresh))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Refresh(ctx, codexFile(testRefresh)) // a second holder of the old token
	var pe *Error
	if !errors.As(err, &pe) || pe.Class != Permanent || pe.Code != "refresh_token_reused" || pe.StatusCode != 401 {
		t.Fatalf("reuse: %v, want permanent refresh_token_reused", err)
	}
	if !strings.Contains(pe.Description, "already been used") {
		t.Errorf("description %q", pe.Description)
	}
	if fp.Live(won.RefreshToken) {
		t.Fatal("the fake should have ended the family")
	}
	_, err = p.Refresh(ctx, codexFile(won.RefreshToken))
	if ClassOf(err) != Permanent || !strings.Contains(err.Error(), "refresh_token_invalidated") {
		t.Errorf("the winner's token after a reuse: %v, want permanent refresh_token_invalidated", err)
	}
	for _, e := range []error{err} {
		checkNoSecrets(t, e.Error())
		if strings.Contains(e.Error(), won.RefreshToken) {
			t.Errorf("error leaks the rotated token")
		}
	}
}

func TestCodexErrorClasses(t *testing.T) {
	tests := []struct {
		name   string
		answer fakeprov.Canned
		class  Class
		code   string
		retry  time.Duration
	}{
		{"reused", fakeprov.Canned{Status: 401, Body: fakeprov.CodexReused}, Permanent, "refresh_token_reused", 0},
		{"invalidated", fakeprov.Canned{Status: 401, Body: fakeprov.CodexInvalidated}, Permanent, "refresh_token_invalidated", 0},
		{"expired", fakeprov.Canned{Status: 401, Body: fakeprov.CodexExpired}, Permanent, "refresh_token_expired", 0},
		{"token_expired", fakeprov.Canned{Status: 401, Body: fakeprov.CodexTokenExp}, Permanent, "token_expired", 0},
		{"expired code as a string, HTTP 400", fakeprov.Canned{Status: 400, Body: `{"error":"refresh_token_expired"}`}, Permanent, "refresh_token_expired", 0},
		{"top-level code", fakeprov.Canned{Status: 400, Body: `{"code":"refresh_token_reused","message":"used"}`}, Permanent, "refresh_token_reused", 0},
		{"invalid_grant", fakeprov.Canned{Status: 400, Body: `{"error":"invalid_grant","error_description":"bad"}`}, Permanent, "invalid_grant", 0},
		{"any 401", fakeprov.Canned{Status: 401, Body: `<html>unauthorized</html>`}, Permanent, "", 0},
		{"empty token is transient", fakeprov.Canned{Status: 400, Body: fakeprov.CodexEmpty}, Transient, "empty_string", 0},
		{"invalid_request mentioning the refresh token is transient", fakeprov.Canned{Status: 400, Body: `{"error":"invalid_request","error_description":"refresh_token malformed"}`}, Transient, "invalid_request", 0},
		{"5xx", fakeprov.Canned{Status: 502, Body: `bad gateway`}, Transient, "", 0},
		{"429", fakeprov.Canned{Status: 429, Body: `{"error":{"message":"slow down","type":"rate_limit","code":"rate_limit_exceeded"}}`, Header: http.Header{"Retry-After": {"30"}}}, Transient, "rate_limit_exceeded", 30 * time.Second},
		{"200 without a token", fakeprov.Canned{Status: 200, Body: `{"ok":true}`}, Transient, "", 0},
		{"invalid_client", fakeprov.Canned{Status: 401, Body: `{"error":{"message":"Unknown client","type":"invalid_request_error","code":"invalid_client"}}`}, Misconfigured, "invalid_client", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			fp := newFake(t, clock)
			fp.AddChain(testRefresh, workA)
			fp.Fail("codex", tt.answer)
			p, _ := fakeRegistry(t, fp, clock, nil).Get("codex")
			_, err := p.Refresh(context.Background(), codexFile(testRefresh))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("err %v, want *Error", err)
			}
			if pe.Class != tt.class || pe.Code != tt.code || pe.RetryAfter != tt.retry {
				t.Errorf("class %v code %q retry %v, want %v %q %v (%v)", pe.Class, pe.Code, pe.RetryAfter, tt.class, tt.code, tt.retry, err)
			}
			checkNoSecrets(t, err.Error())
		})
	}
}

func TestCodexAccountFromClaims(t *testing.T) {
	p := codex{client: &client{name: "codex"}}
	exp := testNow.Add(time.Hour)
	a, err := p.Account(context.Background(), tokenfile.Update{Extra: map[string]any{"id_token": fakeprov.CodexIDToken(workA, exp)}})
	if err != nil || a != (Account{Email: "coder@example.com", ID: "acct-A", Plan: "plus"}) {
		t.Errorf("account %+v, %v", a, err)
	}
	// The email under the profile claim, the account id only in the
	// access token.
	idt := fakeprov.JWT(map[string]any{"https://api.openai.com/profile": map[string]any{"email": "p@example.com"}})
	at := fakeprov.JWT(map[string]any{"https://api.openai.com/auth": map[string]any{"chatgpt_account_id": "acct-B"}})
	a, err = p.Account(context.Background(), tokenfile.Update{AccessToken: at, Extra: map[string]any{"id_token": idt}})
	if err != nil || a.Email != "p@example.com" || a.ID != "acct-B" {
		t.Errorf("account %+v, %v", a, err)
	}
	for _, bad := range []string{"", "a.b", "a..c", "x.!!!.y"} {
		if _, err := p.Account(context.Background(), tokenfile.Update{Extra: map[string]any{"id_token": bad}}); err == nil {
			t.Errorf("id_token %q accepted", bad)
		}
	}
}

// browserApprove plays the user at a fakeprov authorization page: it
// loads authURL, presses Continue, and returns the redirect it is sent to.
func browserApprove(t *testing.T, authURL string) *url.URL {
	t.Helper()
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(resp)
	if resp.StatusCode != 200 {
		t.Fatalf("authorization page %d: %s", resp.StatusCode, page)
	}
	m := regexp.MustCompile(`name="code" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no code on the page: %s", page)
	}
	u, _ := url.Parse(authURL)
	action := u.Scheme + "://" + u.Host + strings.Replace(u.Path, "/authorize", "/approve", 1)
	resp, err = noFollow.PostForm(action, url.Values{"code": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("approve: %d %v", resp.StatusCode, err)
	}
	return loc
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func TestCodexBrowserLoginWireFormat(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.LoginAs("codex", workA)
	p, _ := fakeRegistry(t, fp, clock, nil).Get("codex")
	fr := p.(FixedRedirects)
	if got := fr.FixedRedirectURIs(); !reflect.DeepEqual(got, []string{"http://localhost:1455/auth/callback", "http://localhost:1457/auth/callback"}) {
		t.Errorf("redirects %v", got)
	}
	ac := p.(AuthCodeFlow)
	redirect := fr.FixedRedirectURIs()[0]
	verifier := "verifier-TESTSECRET-0123456789-0123456789-0123"
	authURL := ac.AuthCodeURL(redirect, "state-1", verifier, "hint@example.com")
	q := mustQuery(t, authURL)
	for k, v := range map[string]string{
		"response_type": "code", "client_id": fakeprov.CodexClientID, "redirect_uri": redirect,
		"scope": "openid profile email offline_access", "code_challenge_method": "S256", "state": "state-1",
		"id_token_add_organizations": "true", "codex_cli_simplified_flow": "true", "originator": "codex_cli_rs",
	} {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Has("login_hint") {
		t.Error("codex sends no login_hint")
	}
	back := browserApprove(t, authURL)
	if back.Query().Get("state") != "state-1" || back.Query().Get("scope") == "" {
		t.Errorf("callback %v", back)
	}
	u, err := ac.Exchange(context.Background(), back.Query().Get("code"), verifier, redirect)
	if err != nil {
		t.Fatal(err)
	}
	if u.RefreshToken == "" || u.Extra["account_id"] != "acct-A" {
		t.Errorf("update %+v", u.Extra)
	}
	acc, err := p.(AccountIdentifier).Account(context.Background(), u)
	if err != nil || acc.Email != workA.Email || acc.ID != workA.AccountID {
		t.Errorf("account %+v %v", acc, err)
	}
	reqs := fp.Requests()
	if last := reqs[len(reqs)-1]; last.JSON || strings.Join(last.Fields, ",") != "client_id,code,code_verifier,grant_type,redirect_uri" {
		t.Errorf("exchange %+v, want Codex's form", last)
	}
	// A code is single use, and a wrong verifier fails.
	if _, err := ac.Exchange(context.Background(), back.Query().Get("code"), verifier, redirect); ClassOf(err) != Permanent {
		t.Errorf("second exchange: %v", err)
	}
}

func TestCodexDeviceLogin(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	fp.LoginAs("codex", workA)
	fp.DeviceApproveAfter = 3
	p, _ := fakeRegistry(t, fp, clock, nil).Get("codex")
	df := p.(DeviceFlow)
	da, err := df.StartDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if da.UserCode == "" || da.VerificationURI != fp.URL+"/codex/device" || da.Interval != time.Second {
		t.Errorf("device %+v", da)
	}
	u, err := df.PollDevice(context.Background(), da)
	if err != nil {
		t.Fatal(err)
	}
	if u.RefreshToken == "" || u.Extra["account_id"] != "acct-A" {
		t.Errorf("update %+v", u.Extra)
	}
	if got := clock.Sleeps(); len(got) != 3 {
		t.Errorf("polls after %v, want three waits of the string interval", got)
	}
}

func TestCodexDeviceLoginExpires(t *testing.T) {
	clock := newFakeClock()
	fp := newFake(t, clock)
	p, _ := fakeRegistry(t, fp, clock, nil).Get("codex")
	df := p.(DeviceFlow)
	da, err := df.StartDevice(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	da.Interval = 5 * time.Minute // few polls before the 15 minutes end
	_, err = df.PollDevice(context.Background(), da)
	if !errors.Is(err, ErrDeviceExpired) {
		t.Errorf("err %v, want ErrDeviceExpired", err)
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

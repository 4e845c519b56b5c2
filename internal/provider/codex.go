package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// codex is the ChatGPT login of the Codex CLI (PROVIDERS.md "codex"): a
// public PKCE client whose only redirect URIs are localhost:1455 and :1457,
// a JSON refresh with single-use rotating refresh tokens, OpenAI's error
// shape, and the account in the id_token's claims.
type codex struct {
	*client
	// ports are the callback ports of the registered redirect URIs, in
	// order (1455, 1457; RegistryOptions.CodexCallbackPorts in tests).
	ports []int
}

var (
	_ Provider          = codex{}
	_ AuthCodeFlow      = codex{}
	_ DeviceFlow        = codex{}
	_ AccountIdentifier = codex{}
	_ FixedRedirects    = codex{}
)

// CodexCallbackPorts are the ports of the only redirect URIs the Codex
// client id accepts ("Keep in sync with the Codex CLI Hydra redirect URI
// allow-list").
var CodexCallbackPorts = []int{1455, 1457}

// codexPermanent are the codes after which only a new login helps: the
// refresh token was used, expired, revoked or is unknown.
var codexPermanent = map[string]bool{
	"refresh_token_reused": true, "refresh_token_expired": true, "refresh_token_invalidated": true,
	"token_expired": true, "invalid_grant": true,
}

// reclassifyRotating is the error policy of codex and claude: the codes
// above and any 401 are permanent, a rejected client is a configuration
// error, and everything else is transient. The code is read, as Codex
// does, from error.code, error (a string) or a top-level code.
func reclassifyRotating(e *Error, body []byte) {
	if e.Code == "" {
		var top struct {
			Code idValue `json:"code"`
		}
		if json.Unmarshal(body, &top) == nil {
			e.Code = truncate(string(top.Code), 64)
		}
	}
	switch {
	case e.Code == "invalid_client" || e.Code == "unauthorized_client":
		// classify has set Misconfigured and the fix.
	case codexPermanent[e.Code] || e.StatusCode == http.StatusUnauthorized:
		e.Class = Permanent
	default:
		e.Class = Transient
	}
}

func (p codex) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	if f == nil || f.RefreshToken == "" {
		return tokenfile.Update{}, &Error{Provider: p.name, Class: Permanent, Description: "the file has no refresh token"}
	}
	cr, err := p.credentials()
	if err != nil {
		return tokenfile.Update{}, err
	}
	// JSON, as the Codex CLI sends it (the endpoint takes form too).
	tr, err := p.postTokenJSON(ctx, map[string]any{
		"client_id": cr.ID, "grant_type": "refresh_token", "refresh_token": f.RefreshToken,
	}, nil, f.AccessToken)
	if err != nil {
		return tokenfile.Update{}, err
	}
	return p.codexUpdate(tr, f.RefreshToken), nil
}

// codexUpdate is the update of a token answer: the access token's expiry
// from its JWT exp (expires_in where there is none), the id_token and the
// account id when sent (Codex keeps the old values of missing fields).
func (p codex) codexUpdate(tr *tokenResponse, oldRefresh string) tokenfile.Update {
	if exp, ok := jwtExpiry(tr.AccessToken); ok {
		if in := int64(exp.Sub(p.now()) / time.Second); in >= 1 {
			tr.ExpiresIn = flexInt(in)
		}
	}
	u := p.update(tr, oldRefresh)
	extra := map[string]any{}
	if tr.IDToken != "" {
		extra["id_token"] = tr.IDToken
		if c, ok := codexClaims(tr.IDToken); ok && c.AccountID != "" {
			extra["account_id"] = c.AccountID
		}
	}
	if len(extra) > 0 {
		u.Extra = extra
	}
	return u
}

// AuthCodeURL is Codex's authorization URL. loginHint is not sent (Codex
// does not); the workspace is not forced.
func (p codex) AuthCodeURL(redirectURI, state, verifier, _ string) string {
	return p.authCodeURL(redirectURI, state, verifier, "")
}

// Exchange is the form code exchange, as Codex sends it.
func (p codex) Exchange(ctx context.Context, code, verifier, redirectURI string) (tokenfile.Update, error) {
	cr, err := p.credentials()
	if err != nil {
		return tokenfile.Update{}, err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}}
	tr, err := p.postToken(ctx, form, cr)
	if err != nil {
		return tokenfile.Update{}, err
	}
	return p.codexUpdate(tr, ""), nil
}

// FixedRedirectURIs are the redirect URIs the client accepts, in the order
// to try: the login must listen on one of these ports.
func (p codex) FixedRedirectURIs() []string {
	out := make([]string, len(p.ports))
	for i, port := range p.ports {
		out[i] = "http://localhost:" + strconv.Itoa(port) + "/auth/callback"
	}
	return out
}

// Account reads who logged in from the id_token (the access token's claims
// name the account id when the id_token does not).
func (p codex) Account(_ context.Context, u tokenfile.Update) (Account, error) {
	idt, _ := u.Extra["id_token"].(string)
	c, ok := codexClaims(idt)
	if !ok {
		return Account{}, &Error{Provider: p.name, Class: Transient, Description: "the token answer has no readable id_token"}
	}
	if c.AccountID == "" {
		if ac, ok := codexClaims(u.AccessToken); ok {
			c.AccountID = ac.AccountID
		}
	}
	if c.Email == "" && c.AccountID == "" {
		return Account{}, &Error{Provider: p.name, Class: Transient, Description: "the id_token names no account"}
	}
	return Account{Email: c.Email, ID: c.AccountID, Plan: c.Plan}, nil
}

// codexIdentity is what the claims of a codex JWT say of the account.
type codexIdentity struct {
	Email, AccountID, Plan, UserID string
}

// codexClaims reads a codex JWT's payload without checking its signature
// (it came from the token endpoint; it only names the account): email (or
// the profile claim's), and the auth claim's chatgpt_account_id (the
// workspace), chatgpt_plan_type and chatgpt_user_id (or user_id). Like
// Codex, it demands three non-empty dot-separated parts.
func codexClaims(jwt string) (codexIdentity, bool) {
	payload, ok := jwtPayload(jwt)
	if !ok {
		return codexIdentity{}, false
	}
	var c struct {
		Email   string `json:"email"`
		Profile struct {
			Email string `json:"email"`
		} `json:"https://api.openai.com/profile"`
		Auth struct {
			AccountID string `json:"chatgpt_account_id"`
			Plan      string `json:"chatgpt_plan_type"`
			UserID    string `json:"chatgpt_user_id"`
			UserID2   string `json:"user_id"`
		} `json:"https://api.openai.com/auth"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return codexIdentity{}, false
	}
	return codexIdentity{
		Email: firstNonEmpty(c.Email, c.Profile.Email), AccountID: c.Auth.AccountID,
		Plan: c.Auth.Plan, UserID: firstNonEmpty(c.Auth.UserID, c.Auth.UserID2),
	}, true
}

// jwtPayload decodes the middle part of a JWT.
func jwtPayload(jwt string) ([]byte, bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, false
	}
	return payload, true
}

// jwtExpiry is a JWT's exp claim.
func jwtExpiry(jwt string) (time.Time, bool) {
	payload, ok := jwtPayload(jwt)
	if !ok {
		return time.Time{}, false
	}
	var c struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return time.Time{}, false
	}
	n, err := c.Exp.Float64()
	if err != nil || n <= 0 || n > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(n), 0).UTC(), true
}

// The device login of `codex login --device-auth`: the user code comes
// from deviceCodeUrl (…/deviceauth/usercode), the poll goes to the same
// path ending in /token, the page to show and the exchange's redirect are
// on the issuer (the origin of deviceCodeUrl).
const codexDeviceTimeout = 15 * time.Minute

func (p codex) deviceURLs() (poll, verify, redirect string, err error) {
	u, err := url.Parse(p.s.DeviceCodeURL)
	if err != nil || u.Host == "" {
		return "", "", "", &Error{Provider: p.name, Class: Misconfigured, Description: "bad deviceCodeUrl (providers.codex.deviceCodeUrl)"}
	}
	issuer := u.Scheme + "://" + u.Host
	base := strings.TrimSuffix(strings.TrimSuffix(p.s.DeviceCodeURL, "/"), "/usercode")
	return base + "/token", issuer + "/codex/device", issuer + "/deviceauth/callback", nil
}

func (p codex) postJSON(ctx context.Context, rawURL string, body map[string]any, v any, secrets ...string) (int, error) {
	data, _ := json.Marshal(body) // strings only: cannot fail
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, strings.NewReader(string(data)))
	if err != nil {
		return 0, &Error{Provider: p.name, Class: Misconfigured, Description: "bad URL " + stripQuery(rawURL), Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	status, hdr, ans, err := p.do(req)
	if err != nil {
		return 0, p.transportError(ctx, err, secrets)
	}
	if status < 200 || status > 299 {
		return status, p.classify(status, hdr, ans, secrets)
	}
	if err := json.Unmarshal(ans, v); err != nil {
		return status, &Error{Provider: p.name, Class: Transient, StatusCode: status, Description: "answer is not JSON: " + scrub(excerpt(ans), secrets)}
	}
	return status, nil
}

// StartDevice asks for a user code. A 404 means the device login is not
// enabled (for this client or workspace).
func (p codex) StartDevice(ctx context.Context) (*DeviceAuth, error) {
	cr, err := p.credentials()
	if err != nil {
		return nil, err
	}
	_, verify, _, err := p.deviceURLs()
	if err != nil {
		return nil, err
	}
	var ans struct {
		DeviceAuthID string  `json:"device_auth_id"`
		UserCode     string  `json:"user_code"`
		UserCode2    string  `json:"usercode"`
		Interval     flexInt `json:"interval"` // a string on the wire
	}
	status, err := p.postJSON(ctx, p.s.DeviceCodeURL, map[string]any{"client_id": cr.ID}, &ans)
	if status == http.StatusNotFound {
		return nil, &Error{Provider: p.name, Class: Misconfigured, StatusCode: status, Code: "device_login_disabled",
			Description: "the device login is not enabled for this account; use the browser login"}
	}
	if err != nil {
		return nil, err
	}
	code := firstNonEmpty(ans.UserCode, ans.UserCode2)
	if ans.DeviceAuthID == "" || code == "" {
		return nil, &Error{Provider: p.name, Class: Transient, StatusCode: status, Description: "the device answer has no device_auth_id or user_code"}
	}
	interval := time.Duration(min(max(ans.Interval, 0), 60)) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	return &DeviceAuth{
		DeviceCode: ans.DeviceAuthID, UserCode: code, VerificationURI: verify,
		Interval: interval, ExpiresAt: p.now().Add(codexDeviceTimeout),
	}, nil
}

// PollDevice polls until the user approves (200 with the authorization code
// and the PKCE pair the server made), 403/404 meaning pending, then
// exchanges the code. It gives up after 15 minutes.
func (p codex) PollDevice(ctx context.Context, da *DeviceAuth) (tokenfile.Update, error) {
	poll, _, redirect, err := p.deviceURLs()
	if err != nil {
		return tokenfile.Update{}, err
	}
	interval := max(da.Interval, time.Second)
	for {
		if err := p.sleep(ctx, interval); err != nil {
			return tokenfile.Update{}, &Error{Provider: p.name, Class: Transient, Description: "device login canceled", Err: err}
		}
		if !da.ExpiresAt.IsZero() && !p.now().Before(da.ExpiresAt) {
			return tokenfile.Update{}, &Error{Provider: p.name, Class: Permanent, Code: "expired_token", Description: ErrDeviceExpired.Error(), Err: ErrDeviceExpired}
		}
		var ans struct {
			Code      string `json:"authorization_code"`
			Challenge string `json:"code_challenge"`
			Verifier  string `json:"code_verifier"`
		}
		status, err := p.postJSON(ctx, poll, map[string]any{"device_auth_id": da.DeviceCode, "user_code": da.UserCode}, &ans, da.DeviceCode)
		switch {
		case status == http.StatusForbidden || status == http.StatusNotFound:
			continue // not approved yet
		case err != nil:
			pe, _ := err.(*Error)
			if pe != nil && pe.Class == Transient && ctx.Err() == nil {
				interval = max(interval, pe.RetryAfter)
				continue
			}
			return tokenfile.Update{}, err
		case ans.Code == "" || ans.Verifier == "":
			return tokenfile.Update{}, &Error{Provider: p.name, Class: Transient, StatusCode: status, Description: "the device answer has no authorization_code"}
		}
		return p.Exchange(ctx, ans.Code, ans.Verifier, redirect)
	}
}

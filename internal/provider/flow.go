package provider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// refresh is the refresh_token grant shared by every provider; extras adds
// the provider's fields of the answer to the update.
func (c *client) refresh(ctx context.Context, f *tokenfile.File, extras func(*tokenResponse) map[string]any) (tokenfile.Update, error) {
	if f == nil || f.RefreshToken == "" {
		return tokenfile.Update{}, &Error{Provider: c.name, Class: Permanent, Description: "the file has no refresh token"}
	}
	cr, err := c.credentials()
	if err != nil {
		return tokenfile.Update{}, err
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {f.RefreshToken}}
	tr, err := c.postToken(ctx, form, cr, f.RefreshToken, f.AccessToken, f.APIKey)
	if err != nil {
		return tokenfile.Update{}, err
	}
	u := c.update(tr, f.RefreshToken)
	if extras != nil {
		u.Extra = extras(tr)
	}
	return u, nil
}

// oauth2Config is the x/oauth2 view of the settings, used to build
// authorization URLs.
func (c *client) oauth2Config(clientID, redirectURI string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:    clientID,
		Endpoint:    oauth2.Endpoint{AuthURL: c.s.AuthURL, TokenURL: c.s.TokenURL, DeviceAuthURL: c.s.DeviceCodeURL},
		RedirectURL: redirectURI,
		Scopes:      c.s.Scopes,
	}
}

// clientID for a URL, where no error can be returned: a broken clients file
// falls back to the default id, and Exchange reports the problem.
func (c *client) clientID() string {
	cr, _ := c.credentials()
	if cr.ID == "" {
		return c.def.ClientID
	}
	return cr.ID
}

// authCodeURL is the standard authorization-code URL: PKCE S256 when on,
// login_hint, and the extra parameters of the settings.
func (c *client) authCodeURL(redirectURI, state, verifier, loginHint string) string {
	opts := make([]oauth2.AuthCodeOption, 0, len(c.s.ExtraAuthParams)+2)
	for _, k := range sortedKeys(c.s.ExtraAuthParams) {
		opts = append(opts, oauth2.SetAuthURLParam(k, c.s.ExtraAuthParams[k]))
	}
	if c.s.pkce() && verifier != "" {
		opts = append(opts, oauth2.S256ChallengeOption(verifier))
	}
	if loginHint != "" {
		opts = append(opts, oauth2.SetAuthURLParam("login_hint", loginHint))
	}
	return c.oauth2Config(c.clientID(), redirectURI).AuthCodeURL(state, opts...)
}

// exchange is the authorization_code grant.
func (c *client) exchange(ctx context.Context, code, verifier, redirectURI string, extras func(*tokenResponse) map[string]any) (tokenfile.Update, error) {
	cr, err := c.credentials()
	if err != nil {
		return tokenfile.Update{}, err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	if c.s.pkce() && verifier != "" {
		form.Set("code_verifier", verifier)
	}
	tr, err := c.postToken(ctx, form, cr)
	if err != nil {
		return tokenfile.Update{}, err
	}
	u := c.update(tr, "")
	if extras != nil {
		u.Extra = extras(tr)
	}
	return u, nil
}

// deviceCodeResponse is RFC 8628 §3.2 (verification_url: Google's name).
type deviceCodeResponse struct {
	DeviceCode              string  `json:"device_code"`
	UserCode                string  `json:"user_code"`
	VerificationURI         string  `json:"verification_uri"`
	VerificationURL         string  `json:"verification_url"`
	VerificationURIComplete string  `json:"verification_uri_complete"`
	ExpiresIn               flexInt `json:"expires_in"`
	Interval                flexInt `json:"interval"`
}

// Without expires_in, a device code is given up after this long.
const defaultDeviceExpiry = 15 * time.Minute

// startDevice requests a device code (RFC 8628 §3.1), with PKCE S256 when on.
func (c *client) startDevice(ctx context.Context) (*DeviceAuth, error) {
	cr, err := c.credentials()
	if err != nil {
		return nil, err
	}
	form := url.Values{"client_id": {cr.ID}}
	if len(c.s.Scopes) > 0 {
		form.Set("scope", strings.Join(c.s.Scopes, " "))
	}
	var verifier string
	if c.s.pkce() {
		verifier = oauth2.GenerateVerifier()
		form.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
		form.Set("code_challenge_method", "S256")
	}
	if cr.Secret != "" && c.secret == secretOptional && c.s.AuthStyle != AuthStyleHeader {
		form.Set("client_secret", cr.Secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.s.DeviceCodeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Provider: c.name, Class: Misconfigured, Description: "bad device code URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	secrets := []string{cr.Secret}
	status, hdr, body, err := c.do(req)
	if err != nil {
		return nil, c.transportError(ctx, err, secrets)
	}
	var dr deviceCodeResponse
	if status < 200 || status > 299 || json.Unmarshal(body, &dr) != nil || dr.DeviceCode == "" || dr.UserCode == "" {
		return nil, c.classify(status, hdr, body, secrets)
	}
	da := &DeviceAuth{
		DeviceCode:              dr.DeviceCode,
		UserCode:                dr.UserCode,
		VerificationURI:         firstNonEmpty(dr.VerificationURI, dr.VerificationURL),
		VerificationURIComplete: dr.VerificationURIComplete,
		Interval:                time.Duration(min(dr.Interval, 60)) * time.Second, // clamped: no overflow, no hour-long wait
		Verifier:                verifier,
	}
	if da.Interval <= 0 {
		da.Interval = 5 * time.Second // RFC 8628 §3.2 default
	}
	if dr.ExpiresIn > 0 && dr.ExpiresIn <= 86400 {
		da.ExpiresAt = c.now().Add(time.Duration(dr.ExpiresIn) * time.Second)
	} else {
		da.ExpiresAt = c.now().Add(defaultDeviceExpiry)
	}
	return da, nil
}

const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

// pollDevice polls the token endpoint (RFC 8628 §3.4-3.5). The waits go
// through the injected Sleep (x/oauth2's DeviceAccessToken uses a real
// ticker). A transient failure does not end the login: the user may still
// approve, so polling goes on until the code expires.
func (c *client) pollDevice(ctx context.Context, da *DeviceAuth, extras func(*tokenResponse) map[string]any) (tokenfile.Update, error) {
	cr, err := c.credentials()
	if err != nil {
		return tokenfile.Update{}, err
	}
	form := url.Values{"grant_type": {deviceGrant}, "device_code": {da.DeviceCode}}
	if da.Verifier != "" {
		form.Set("code_verifier", da.Verifier)
	}
	interval := da.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	for {
		if err := c.sleep(ctx, interval); err != nil {
			return tokenfile.Update{}, &Error{Provider: c.name, Class: Transient, Description: "device login canceled", Err: err}
		}
		if !da.ExpiresAt.IsZero() && !c.now().Before(da.ExpiresAt) {
			return tokenfile.Update{}, &Error{Provider: c.name, Class: Permanent, Code: "expired_token", Description: ErrDeviceExpired.Error(), Err: ErrDeviceExpired}
		}
		tr, err := c.postToken(ctx, form, cr)
		if err == nil {
			u := c.update(tr, "")
			if extras != nil {
				u.Extra = extras(tr)
			}
			return u, nil
		}
		pe := err.(*Error)
		switch {
		case pe.Code == "authorization_pending":
		case pe.Code == "slow_down":
			interval += 5 * time.Second
		case pe.Code == "expired_token":
			pe.Class, pe.Err = Permanent, ErrDeviceExpired
			return tokenfile.Update{}, pe
		case pe.Code == "access_denied":
			pe.Class, pe.Err = Permanent, ErrAccessDenied
			return tokenfile.Update{}, pe
		case pe.Class == Transient:
			if ctx.Err() != nil {
				return tokenfile.Update{}, pe
			}
			interval = max(interval, pe.RetryAfter)
		default:
			return tokenfile.Update{}, pe
		}
	}
}

// getJSON GETs a JSON resource with the given headers into v, classifying
// failures like token answers.
func (c *client) getJSON(ctx context.Context, rawURL string, hdr http.Header, v any, secrets ...string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return &Error{Provider: c.name, Class: Misconfigured, Description: "bad URL " + stripQuery(rawURL), Err: err}
	}
	return c.sendJSON(ctx, req, hdr, v, secrets)
}

func (c *client) sendJSON(ctx context.Context, req *http.Request, hdr http.Header, v any, secrets []string) error {
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("Accept", "application/json")
	status, rh, body, err := c.do(req)
	if err != nil {
		return c.transportError(ctx, err, secrets)
	}
	if status < 200 || status > 299 {
		return c.classify(status, rh, body, secrets)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Provider: c.name, Class: Transient, StatusCode: status, Description: "answer is not JSON: " + scrub(excerpt(body), secrets)}
	}
	return nil
}

// bearerAccount is the userinfo answer of Google and OpenID providers.
type bearerAccount struct {
	Email string `json:"email"`
	ID    string `json:"id"`
	Sub   string `json:"sub"`
}

// userInfo asks a userinfo endpoint (Bearer) who the token belongs to.
func (c *client) userInfo(ctx context.Context, accessToken string) (Account, error) {
	if c.s.UserInfoURL == "" {
		return Account{}, &Error{Provider: c.name, Class: Misconfigured, Description: fmt.Sprintf("no userInfoUrl: set tokenDaemon.providers.%s.userInfoUrl", c.name)}
	}
	var ba bearerAccount
	err := c.getJSON(ctx, c.s.UserInfoURL, http.Header{"Authorization": {"Bearer " + accessToken}}, &ba, accessToken)
	if err != nil {
		return Account{}, err
	}
	acc := Account{Email: ba.Email, ID: firstNonEmpty(ba.ID, ba.Sub)}
	if acc.Email == "" && acc.ID == "" {
		return Account{}, &Error{Provider: c.name, Class: Transient, Description: "userinfo answer names no account"}
	}
	return acc, nil
}

// idTokenAccount reads email and sub from an ID token's payload without
// verifying its signature: it came straight from the token endpoint over
// TLS, and only names the account for display.
func idTokenAccount(idToken string) (Account, bool) {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return Account{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Account{}, false
	}
	var claims struct {
		Email string `json:"email"`
		Sub   string `json:"sub"`
	}
	if json.Unmarshal(payload, &claims) != nil || (claims.Email == "" && claims.Sub == "") {
		return Account{}, false
	}
	return Account{Email: claims.Email, ID: claims.Sub}, true
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

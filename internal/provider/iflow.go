package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// iflow: web authorization code without PKCE, client credentials in the
// body and as Basic, and an API key fetched after every new token.
type iflow struct{ *client }

var (
	_ Provider          = iflow{}
	_ Enricher          = iflow{}
	_ AuthCodeFlow      = iflow{}
	_ AccountIdentifier = iflow{}
)

// iflowRetryDelays are the waits before the getUserInfo retries.
var iflowRetryDelays = []time.Duration{1 * time.Second, 2 * time.Second, 3 * time.Second}

func (p iflow) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	return p.refresh(ctx, f, nil)
}

// AuthCodeURL is iflow's own shape: the callback goes in `redirect`, no
// PKCE, no scope; loginHint is not supported by iflow and is ignored.
func (p iflow) AuthCodeURL(redirectURI, state, _, _ string) string {
	var q strings.Builder
	add := func(k, v string) {
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
	}
	// loginMethod and type first, as the iFlow CLI writes them.
	for _, k := range []string{"loginMethod", "type"} {
		if v, ok := p.s.ExtraAuthParams[k]; ok {
			add(k, v)
		}
	}
	add("redirect", redirectURI)
	add("state", state)
	add("client_id", p.clientID())
	for _, k := range sortedKeys(p.s.ExtraAuthParams) {
		if k != "loginMethod" && k != "type" {
			add(k, p.s.ExtraAuthParams[k])
		}
	}
	sep := "?"
	if strings.Contains(p.s.AuthURL, "?") {
		sep = "&"
	}
	return p.s.AuthURL + sep + q.String()
}

func (p iflow) Exchange(ctx context.Context, code, _, redirectURI string) (tokenfile.Update, error) {
	return p.exchange(ctx, code, "", redirectURI, nil)
}

// Enrich fetches the API key for a new access token. The update holds only
// extras: api_key and apiKey (and email when iflow gives one).
func (p iflow) Enrich(ctx context.Context, accessToken string) (tokenfile.Update, error) {
	info, err := p.getUserInfo(ctx, accessToken)
	if err != nil {
		return tokenfile.Update{}, err
	}
	if info.APIKey == "" {
		return tokenfile.Update{}, &Error{Provider: p.name, Class: Transient, Description: "getUserInfo returned an empty apiKey"}
	}
	extra := map[string]any{"api_key": info.APIKey, "apiKey": info.APIKey}
	if info.Email != "" {
		extra["email"] = info.Email
	}
	return tokenfile.Update{Extra: extra}, nil
}

// Account names the iflow account: its email, which may be a phone number,
// else its phone.
func (p iflow) Account(ctx context.Context, u tokenfile.Update) (Account, error) {
	info, err := p.getUserInfo(ctx, u.AccessToken)
	if err != nil {
		return Account{}, err
	}
	acc := Account{Email: firstNonEmpty(info.Email, info.Phone), ID: info.Phone}
	if acc.Email == "" {
		return Account{}, &Error{Provider: p.name, Class: Transient, Description: "getUserInfo names no account"}
	}
	return acc, nil
}

type iflowUserInfo struct {
	APIKey string `json:"apiKey"`
	Email  string `json:"email"`
	Phone  string `json:"phone"`
}

// getUserInfo calls getUserInfo, retrying after 1, 2 and 3 s on network
// errors, 5xx, 408 and 429.
func (p iflow) getUserInfo(ctx context.Context, accessToken string) (iflowUserInfo, error) {
	u, err := url.Parse(p.s.UserInfoURL)
	if err != nil || p.s.UserInfoURL == "" {
		return iflowUserInfo{}, &Error{Provider: p.name, Class: Misconfigured, Description: "bad userInfoUrl (providers.iflow.userInfoUrl)"}
	}
	q := u.Query()
	q.Set("accessToken", accessToken)
	u.RawQuery = q.Encode()
	hdr := http.Header{"User-Agent": {"iFlow-Cli"}}
	for attempt := 0; ; attempt++ {
		var ans struct {
			Success *bool          `json:"success"`
			Message string         `json:"message"`
			Data    *iflowUserInfo `json:"data"`
		}
		err := p.getJSON(ctx, u.String(), hdr, &ans, accessToken)
		if err == nil {
			if ans.Success != nil && !*ans.Success {
				return iflowUserInfo{}, &Error{Provider: p.name, Class: Transient, StatusCode: http.StatusOK,
					Description: "getUserInfo: server busy: " + scrub(truncate(firstNonEmpty(ans.Message, "success=false"), 200), []string{accessToken})}
			}
			if ans.Data == nil {
				return iflowUserInfo{}, &Error{Provider: p.name, Class: Transient, StatusCode: http.StatusOK, Description: "getUserInfo answer has no data"}
			}
			return *ans.Data, nil
		}
		var pe *Error
		if !errors.As(err, &pe) || attempt >= len(iflowRetryDelays) || ctx.Err() != nil || !retryableUserInfo(pe) {
			return iflowUserInfo{}, err
		}
		if serr := p.sleep(ctx, iflowRetryDelays[attempt]); serr != nil {
			return iflowUserInfo{}, err
		}
	}
}

func retryableUserInfo(e *Error) bool {
	switch {
	case e.StatusCode == 0:
		return e.Class == Transient // no answer: network error or timeout
	case e.StatusCode >= 500, e.StatusCode == http.StatusRequestTimeout, e.StatusCode == http.StatusTooManyRequests:
		return true
	}
	return false
}

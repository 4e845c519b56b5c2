package provider

import (
	"context"
	"net/http"
	"strings"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// claude is Claude Code's claude.ai login (PROVIDERS.md "claude"): a public
// PKCE client, a token endpoint that takes JSON only and rejects unknown
// fields, single-use rotating refresh tokens, any localhost port as the
// redirect, a copy/paste redirect, and the account in the code exchange's
// answer or the profile.
type claude struct{ *client }

var (
	_ Provider          = claude{}
	_ AuthCodeFlow      = claude{}
	_ StateExchanger    = claude{}
	_ AccountIdentifier = claude{}
	_ LocalhostRedirect = claude{}
	_ ManualRedirect    = claude{}
)

// The defaults of the claude settings that PROVIDERS.md leaves open.
const (
	claudeManualRedirect = "https://platform.claude.com/oauth/code/callback"
	// claudeUserAgent is what CLIProxyAPI sends (providers.claude.userAgent
	// overrides it: Cloudflare's view of user agents may change).
	claudeUserAgent = "axios/1.15.2"
)

func (p claude) headers() http.Header {
	h := http.Header{"Accept": {"application/json, text/plain, */*"}}
	if ua := firstNonEmpty(p.s.UserAgent, claudeUserAgent); ua != "" {
		h.Set("User-Agent", ua)
	}
	return h
}

// Refresh sends exactly {grant_type, refresh_token, client_id, scope}: any
// other field is a 400. An answer without a refresh token keeps the old one.
func (p claude) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	if f == nil || f.RefreshToken == "" {
		return tokenfile.Update{}, &Error{Provider: p.name, Class: Permanent, Description: "the file has no refresh token"}
	}
	cr, err := p.credentials()
	if err != nil {
		return tokenfile.Update{}, err
	}
	body := map[string]any{"grant_type": "refresh_token", "refresh_token": f.RefreshToken, "client_id": cr.ID}
	if len(p.s.Scopes) > 0 {
		body["scope"] = strings.Join(p.s.Scopes, " ")
	}
	tr, err := p.postTokenJSON(ctx, body, p.headers(), f.AccessToken)
	if err != nil {
		return tokenfile.Update{}, err
	}
	return p.update(tr, f.RefreshToken), nil
}

func (p claude) AuthCodeURL(redirectURI, state, verifier, _ string) string {
	return p.authCodeURL(redirectURI, state, verifier, "")
}

// Exchange takes the code as the browser or the copy/paste page gives it;
// a pasted "code#state" carries the state the exchange needs.
func (p claude) Exchange(ctx context.Context, code, verifier, redirectURI string) (tokenfile.Update, error) {
	code, state, _ := strings.Cut(code, "#")
	return p.ExchangeState(ctx, code, state, verifier, redirectURI)
}

// ExchangeState is the JSON code exchange; state is required by the server.
func (p claude) ExchangeState(ctx context.Context, code, state, verifier, redirectURI string) (tokenfile.Update, error) {
	cr, err := p.credentials()
	if err != nil {
		return tokenfile.Update{}, err
	}
	if c, s, ok := strings.Cut(code, "#"); ok {
		code = c
		if state == "" {
			state = s
		}
	}
	tr, err := p.postTokenJSON(ctx, map[string]any{
		"grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI,
		"client_id": cr.ID, "code_verifier": verifier, "state": state,
	}, p.headers(), state)
	if err != nil {
		return tokenfile.Update{}, err
	}
	u := p.update(tr, "")
	u.Extra = claudeIdentity(tr)
	return u, nil
}

// claudeIdentity is the account of a code exchange's answer, as the file
// keeps it (CLIProxyAPI's keys).
func claudeIdentity(tr *tokenResponse) map[string]any {
	extra := map[string]any{}
	if tr.Account != nil {
		if tr.Account.EmailAddress != "" {
			extra["email"] = tr.Account.EmailAddress
		}
		if tr.Account.UUID != "" {
			extra["account_uuid"] = tr.Account.UUID
		}
	}
	if tr.Organization != nil {
		if tr.Organization.UUID != "" {
			extra["organization_uuid"] = tr.Organization.UUID
		}
		if tr.Organization.Name != "" {
			extra["organization_name"] = tr.Organization.Name
		}
	}
	if len(extra) == 0 {
		return nil
	}
	return extra
}

func (p claude) LocalhostRedirectPath() string { return "/callback" }

func (p claude) ManualRedirectURI() string {
	return firstNonEmpty(p.s.ManualRedirectURL, claudeManualRedirect)
}

// Account is the code exchange's account when it named one, else the
// profile's (a refresh answer may name none).
func (p claude) Account(ctx context.Context, u tokenfile.Update) (Account, error) {
	str := func(k string) string { v, _ := u.Extra[k].(string); return v }
	if acc := (Account{Email: str("email"), ID: str("account_uuid"), Workspace: str("organization_uuid")}); acc.Email != "" || acc.ID != "" {
		return acc, nil
	}
	return p.Profile(ctx, u.AccessToken)
}

// Profile asks the OAuth profile (Bearer) who the token belongs to.
func (p claude) Profile(ctx context.Context, accessToken string) (Account, error) {
	if p.s.UserInfoURL == "" {
		return Account{}, &Error{Provider: p.name, Class: Misconfigured, Description: "no userInfoUrl: set tokenDaemon.providers.claude.userInfoUrl"}
	}
	var ans struct {
		Account struct {
			UUID  string `json:"uuid"`
			Email string `json:"email"`
		} `json:"account"`
		Organization struct {
			UUID string `json:"uuid"`
		} `json:"organization"`
	}
	hdr := p.headers()
	hdr.Set("Authorization", "Bearer "+accessToken)
	if err := p.getJSON(ctx, p.s.UserInfoURL, hdr, &ans, accessToken); err != nil {
		return Account{}, err
	}
	acc := Account{Email: ans.Account.Email, ID: ans.Account.UUID, Workspace: ans.Organization.UUID}
	if acc.Email == "" && acc.ID == "" {
		return Account{}, &Error{Provider: p.name, Class: Transient, Description: "the profile names no account"}
	}
	return acc, nil
}

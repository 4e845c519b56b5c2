package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// google is gemini-cli: authorization code + PKCE, client secret, no
// refresh-token rotation (an answer without refresh_token keeps the old).
type google struct{ *client }

var (
	_ Provider          = google{}
	_ AuthCodeFlow      = google{}
	_ AccountIdentifier = google{}
)

func (g google) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	return g.refresh(ctx, f, nil)
}

func (g google) AuthCodeURL(redirectURI, state, verifier, loginHint string) string {
	return g.authCodeURL(redirectURI, state, verifier, loginHint)
}

func (g google) Exchange(ctx context.Context, code, verifier, redirectURI string) (tokenfile.Update, error) {
	return g.exchange(ctx, code, verifier, redirectURI, nil)
}

// Account asks Google's userinfo endpoint (Bearer).
func (g google) Account(ctx context.Context, u tokenfile.Update) (Account, error) {
	return g.userInfo(ctx, u.AccessToken)
}

// antigravity is gemini-cli with its own client, more scopes, and a project
// lookup for new accounts.
type antigravity struct{ google }

var _ ProjectFinder = antigravity{}

// loadCodeAssistBody is what the Antigravity IDE sends.
var loadCodeAssistBody = []byte(`{"metadata":{"ideType":"ANTIGRAVITY","platform":"PLATFORM_UNSPECIFIED","pluginType":"GEMINI"}}`)

// Project asks each loadCodeAssist base in order for the account's
// cloudaicompanionProject (a string or {"id":…}); the first non-empty
// answer wins.
func (a antigravity) Project(ctx context.Context, accessToken string) (string, error) {
	var lastErr error
	for _, base := range a.s.ProjectURLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1internal:loadCodeAssist", bytes.NewReader(loadCodeAssistBody))
		if err != nil {
			lastErr = &Error{Provider: a.name, Class: Misconfigured, Description: "bad project URL " + base, Err: err}
			continue
		}
		var ans struct {
			Project json.RawMessage `json:"cloudaicompanionProject"`
		}
		err = a.sendJSON(ctx, req, http.Header{
			"Authorization": {"Bearer " + accessToken},
			"Content-Type":  {"application/json"},
		}, &ans, []string{accessToken})
		if err != nil {
			lastErr = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if id := projectID(ans.Project); id != "" {
			return id, nil
		}
		lastErr = &Error{Provider: a.name, Class: Transient, Description: "loadCodeAssist at " + base + " named no project"}
	}
	if lastErr == nil {
		lastErr = &Error{Provider: a.name, Class: Misconfigured, Description: "no loadCodeAssist base configured (providers.antigravity.projectUrls)"}
	}
	return "", lastErr
}

func projectID(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.ID
	}
	return ""
}

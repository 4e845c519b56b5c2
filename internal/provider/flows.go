package provider

import (
	"context"
	"errors"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// AuthCodeFlow is the browser login of gemini-cli, antigravity, iflow and
// generic authorization_code providers. The caller owns the callback server,
// the state and the verifier (oauth2.GenerateVerifier); providers without
// PKCE ignore the verifier.
type AuthCodeFlow interface {
	// AuthCodeURL is where to send the browser. loginHint ("" for none)
	// preselects the account when re-authenticating a known one.
	AuthCodeURL(redirectURI, state, verifier, loginHint string) string
	// Exchange trades the callback's code for tokens (a *Error on failure).
	Exchange(ctx context.Context, code, verifier, redirectURI string) (tokenfile.Update, error)
}

// DeviceFlow is the device-code login (RFC 8628) of qwen and generic
// device_code providers.
type DeviceFlow interface {
	StartDevice(ctx context.Context) (*DeviceAuth, error)
	// PollDevice waits the interval (through the injected Sleep) between
	// polls until the user approves, denies (ErrAccessDenied) or the code
	// expires (ErrDeviceExpired), or ctx ends.
	PollDevice(ctx context.Context, da *DeviceAuth) (tokenfile.Update, error)
}

// DeviceAuth is a device flow in progress. DeviceCode and Verifier are
// secrets of the flow: never show or log them.
type DeviceAuth struct {
	DeviceCode              string
	UserCode                string
	VerificationURI         string
	VerificationURIComplete string // "" when the server gave none; qwen's carries &client=qwen-code
	ExpiresAt               time.Time
	Interval                time.Duration
	Verifier                string // PKCE verifier, "" without PKCE
}

// Account is who logged in. Two logins are the same account only if
// every field both name agrees: the same email in two workspaces (codex's
// chatgpt_account_id, claude's organization) is two accounts.
type Account struct {
	Email string
	// ID is the provider's account key where it has one: codex's
	// chatgpt_account_id (the workspace, the file's account_id), claude's
	// account uuid, Google's user id, iflow's phone.
	ID string
	// Workspace is the organization beside ID where the provider has one
	// (claude's organization uuid); "" otherwise.
	Workspace string
	// Plan is the subscription where the provider names it (codex's
	// chatgpt_plan_type); for display only.
	Plan string
}

// FixedRedirects is an AuthCodeFlow whose client accepts only these
// redirect URIs (codex: http://localhost:1455/auth/callback, then :1457).
// The login listens on the first free one for its duration.
type FixedRedirects interface {
	FixedRedirectURIs() []string
}

// LocalhostRedirect is an AuthCodeFlow whose client accepts
// http://localhost:<any port><path> (claude: /callback); the login uses
// the web server's own port.
type LocalhostRedirect interface {
	LocalhostRedirectPath() string
}

// ManualRedirect is an AuthCodeFlow with a copy/paste variant for a
// machine without a local browser (claude): the provider's page at this
// redirect URI shows "code#state" for the user to paste.
type ManualRedirect interface {
	ManualRedirectURI() string
}

// StateExchanger is an AuthCodeFlow whose code exchange also sends the
// login's state (claude requires it).
type StateExchanger interface {
	ExchangeState(ctx context.Context, code, state, verifier, redirectURI string) (tokenfile.Update, error)
}

// AccountIdentifier finds who a fresh token belongs to (Google userinfo,
// iflow getUserInfo, a generic userInfoUrl or id_token).
type AccountIdentifier interface {
	Account(ctx context.Context, u tokenfile.Update) (Account, error)
}

// ProjectFinder is antigravity's project lookup for a new account.
type ProjectFinder interface {
	Project(ctx context.Context, accessToken string) (string, error)
}

// Sentinels carried (as Err) by the *Error of a device flow's end, for
// callers that show a specific message.
var (
	ErrAccessDenied  = errors.New("the user denied access")
	ErrDeviceExpired = errors.New("the device code expired before the user approved it")
)

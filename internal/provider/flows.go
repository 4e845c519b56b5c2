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

// Account is who logged in.
type Account struct {
	Email string
	ID    string
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

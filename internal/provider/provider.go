// Package provider speaks each OAuth provider's wire format: refresh, the
// interactive login flows, and the classification of errors into permanent
// (a human must log in), transient (retry later) and misconfigured (the user
// must add a client secret or fix config). It imports only tokenfile.
package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Provider refreshes the tokens of one provider.
type Provider interface {
	Name() string
	// Refresh exchanges the file's refresh token for new tokens. The
	// returned error is a *Error (use ClassOf).
	Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error)
}

// Enricher is implemented by providers that must make a second call after
// every new token (iflow's API key). The caller writes the tokens first and
// the enrichment in a second write, so a failed call never loses a rotated
// refresh token.
type Enricher interface {
	Enrich(ctx context.Context, accessToken string) (tokenfile.Update, error)
}

// Class says what a failure means for the refresh policy.
type Class int

const (
	// Transient: network errors, timeouts, 5xx, 429, non-token 200s, busy
	// answers. Retry with backoff.
	Transient Class = iota
	// Permanent: invalid_grant, 401, no refresh token... Only a new
	// login helps.
	Permanent
	// Misconfigured: a client id or secret is missing or wrong
	// (invalid_client, unauthorized_client), or an endpoint is bad. The user
	// must fix configuration; a login would fail the same way, and retrying
	// without a change is pointless.
	Misconfigured
)

func (c Class) String() string {
	switch c {
	case Permanent:
		return "permanent"
	case Misconfigured:
		return "misconfigured"
	default:
		return "transient"
	}
}

// Error is a classified provider failure. Its message never contains a
// token value.
type Error struct {
	Provider    string
	Class       Class
	StatusCode  int           // HTTP status, 0 when no answer
	Code        string        // OAuth error code, e.g. "invalid_grant"
	Description string        // error_description or a short body excerpt
	RetryAfter  time.Duration // least wait before the next try (429)
	Err         error         // underlying error, if any
	// Fix says, for a Misconfigured error, which setting to change (env
	// names, config keys, files): an instruction, never a value.
	Fix string
	// Problem is the stable code of a Misconfigured error's Description
	// (when it is ours) and Fix, and ProblemArgs their arguments, for a
	// client to word them in its language (i18n.Problem).
	Problem     string
	ProblemArgs []string
}

// Codes of Error.Problem.
const (
	ProblemNoClientID     = "no_client_id"     // args: env, provider
	ProblemNoClientSecret = "no_client_secret" // args: envs, provider, provider, clients file
	// ProblemClientRejected is the provider rejecting the client id or
	// secret (invalid_client); its Description is the provider's.
	ProblemClientRejected       = "client_rejected"        // args: env, provider (no secret)
	ProblemClientRejectedSecret = "client_rejected_secret" // args: env, envs, provider, clients file
)

// ProblemOf returns the Problem code and arguments of a wrapped *Error.
func ProblemOf(err error) (string, []string) {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Problem, pe.ProblemArgs
	}
	return "", nil
}

func (e *Error) Error() string {
	msg := e.Provider + ": "
	switch {
	case e.Code != "" && e.Description != "":
		msg += fmt.Sprintf("%s: %s", e.Code, e.Description)
	case e.Code != "":
		msg += e.Code
	case e.Description != "":
		msg += e.Description
	case e.Err != nil:
		msg += e.Err.Error()
	default:
		msg += e.Class.String() + " error"
	}
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Fix != "" {
		msg += "; " + e.Fix
	}
	return msg
}

// FixOf returns the Fix of a wrapped *Error ("" when none).
func FixOf(err error) string {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Fix
	}
	return ""
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err: that of a wrapped *Error, else
// Transient.
func ClassOf(err error) Class {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Class
	}
	return Transient
}

// RetryAfterOf returns the least wait a wrapped *Error asks for.
func RetryAfterOf(err error) time.Duration {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.RetryAfter
	}
	return 0
}

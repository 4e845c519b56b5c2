// Package ipc is the daemon's local API: wire types, an HTTP+JSON server
// over a Unix socket (an adapter over the daemon core) and its typed client.
// The CLI, the tray and the web UI talk to the daemon only through it.
package ipc

import (
	"errors"
	"math"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/health"
	"github.com/routecodex/token-daemon/internal/provider"
)

// APIVersion prefixes every path ("/v1/status").
const APIVersion = "v1"

// Token is one token file on the wire (`list --json`, `status --json`).
// The first fields are the stable `list --json` entry; the omitempty-free
// daemon fields follow and are filled by `status --json`.
type Token struct {
	File             string  `json:"file"`
	Path             string  `json:"path"`
	Provider         string  `json:"provider"`
	Alias            string  `json:"alias"`
	DisplayName      string  `json:"displayName"`
	Email            string  `json:"email"`
	Status           string  `json:"status"`
	Reason           string  `json:"reason"`
	ExpiresAt        *string `json:"expiresAt"`
	RemainingSeconds *int64  `json:"remainingSeconds"`
	Refreshable      bool    `json:"refreshable"`
	// ReasonCode is the stable code of Reason ("not_json_object",
	// "file_removed", …; "" when Reason is a provider's own text), so
	// that a client words it in its user's language.
	ReasonCode string `json:"reasonCode"`
	// Source is the tokenDaemon.sources entry of another tool's file
	// ("" for the auth dir); Watch says it is only watched (its tool
	// refreshes it), Login is that tool's own login command.
	Source string `json:"source,omitempty"`
	Watch  bool   `json:"watch,omitempty"`
	Login  string `json:"login,omitempty"`
	// ReasonArgs are the arguments of ReasonCode's words, if it has any.
	ReasonArgs []string `json:"reasonArgs,omitempty"`
	// Health is the score of DESIGN.md section 12 with its grade and
	// factors (factor and detail are codes the client words).
	Health health.Report `json:"health"`
}

// TokenDetail is a Token with what only a running daemon knows.
type TokenDetail struct {
	Token
	LastRefreshAt *string `json:"lastRefreshAt"`
	NextRefreshAt *string `json:"nextRefreshAt"`
	LastError     string  `json:"lastError"`
	Failures      int     `json:"failures"`
	Usage         Usage   `json:"usage"`
}

// List is the body of `list --json` and GET /v1/list.
type List struct {
	Tokens []Token `json:"tokens"`
}

// DaemonInfo describes the running daemon (or its absence).
type DaemonInfo struct {
	Running   bool    `json:"running"`
	PID       int     `json:"pid"`
	AuthDir   string  `json:"authDir"`
	StartedAt *string `json:"startedAt"`
	Version   string  `json:"version"`
	WebURL    string  `json:"webURL,omitempty"`
	// ConfigError says why the last edit of config.json was not applied
	// (the daemon keeps the configuration it runs with); "" when it was.
	ConfigError string `json:"configError,omitempty"`
	// ConfigErrorText is ConfigError in each language ("en", "zh"), for a
	// client to show in its own.
	ConfigErrorText map[string]string `json:"configErrorText,omitempty"`
	// Cluster is this node's view of its cluster (DESIGN.md section 16);
	// absent without tokenDaemon.cluster.
	Cluster *ClusterInfo `json:"cluster,omitempty"`
}

// ClusterInfo is daemon.cluster of `status --json`.
type ClusterInfo struct {
	Node    string   `json:"node"`
	Role    string   `json:"role"`   // leader | follower | unreachable
	Leader  string   `json:"leader"` // "" when unknown
	Members []string `json:"members"`
}

// Status is the body of `status --json` and GET /v1/status.
type Status struct {
	Daemon DaemonInfo    `json:"daemon"`
	Tokens []TokenDetail `json:"tokens"`
}

// timeString formats t as RFC 3339 UTC, nil for the zero time.
func timeString(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// TokenOf converts a core state to its wire form at now.
func TokenOf(s daemon.TokenState, now time.Time) Token {
	t := Token{
		File: s.File, Path: s.Path, Provider: s.Provider, Alias: s.Alias,
		DisplayName: s.DisplayName, Email: s.Email, Status: string(s.Status),
		Reason: s.Reason, Refreshable: s.Refreshable, ReasonCode: s.ReasonCode, ReasonArgs: s.ReasonArgs,
		Health: s.Health,
		Source: s.Source, Watch: s.Watch, Login: s.Login,
	}
	if t.ReasonCode == "" {
		t.ReasonCode = daemon.ReasonCode(s.Reason)
	}
	if !s.ExpiresAt.IsZero() {
		t.ExpiresAt = timeString(s.ExpiresAt)
		rem := int64(math.Floor(s.ExpiresAt.Sub(now).Seconds()))
		t.RemainingSeconds = &rem
	}
	return t
}

// DetailOf converts a core state to its detailed wire form at now.
func DetailOf(s daemon.TokenState, now time.Time) TokenDetail {
	return TokenDetail{
		Token:         TokenOf(s, now),
		LastRefreshAt: timeString(s.LastRefreshAt),
		NextRefreshAt: timeString(s.NextRefreshAt),
		LastError:     s.LastError,
		Failures:      s.Failures,
		Usage:         UsageOf(s.Usage),
	}
}

// Event is one line of GET /v1/events: a token's state ("token") or its
// removal from the list ("removed").
type Event struct {
	Type  string      `json:"type"`
	At    time.Time   `json:"at"`
	Token TokenDetail `json:"token"`
}

// RefreshRequest is the body of POST /v1/refresh: names (file name with or
// without .json, alias or email) or all.
type RefreshRequest struct {
	Names []string `json:"names,omitempty"`
	All   bool     `json:"all,omitempty"`
}

// RefreshOutcome is the outcome of one refreshed file.
type RefreshOutcome struct {
	File   string `json:"file"`
	Status string `json:"status"`
	Error  string `json:"error"` // "" on success
	// ErrorCode and ErrorArgs name Error for the client to word it
	// ("not_refreshable.unknown_provider"); "" for other errors.
	ErrorCode string   `json:"errorCode,omitempty"`
	ErrorArgs []string `json:"errorArgs,omitempty"`
}

// OutcomeOf is the wire form of a core refresh result.
func OutcomeOf(r daemon.RefreshResult) RefreshOutcome {
	o := RefreshOutcome{File: r.File, Status: string(r.Status)}
	if r.Err != nil {
		o.Error = r.Err.Error()
		var nr *daemon.NotRefreshableError
		if errors.As(r.Err, &nr) {
			o.ErrorCode, o.ErrorArgs = "not_refreshable."+nr.Why, nr.Args
		} else if provider.ClassOf(r.Err) == provider.Misconfigured {
			if problem, args := provider.ProblemOf(r.Err); problem != "" {
				o.ErrorCode, o.ErrorArgs = daemon.ReasonConfigCode+problem, args
			}
		}
	}
	return o
}

// RefreshResponse is the body of a POST /v1/refresh answer.
type RefreshResponse struct {
	Results []RefreshOutcome `json:"results"`
}

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error      string   `json:"error"`
	Candidates []string `json:"candidates,omitempty"`
	// Code and Args name the error for a client that words it in its
	// language (e.g. "login.portTaken" with the provider and its ports).
	Code string   `json:"code,omitempty"`
	Args []string `json:"args,omitempty"`
	// Reason codes Error when a token request failed, for the client to
	// word it in its language.
	Reason *TokenReason `json:"reason,omitempty"`
}

// TokenReason is the wire form of daemon.TokenReason: why no token was
// handed out (code, e.g. "refresh_failed") and the cause it carries.
type TokenReason struct {
	Code       string   `json:"code"`
	Detail     string   `json:"detail,omitempty"`
	DetailCode string   `json:"detailCode,omitempty"`
	DetailArgs []string `json:"detailArgs,omitempty"`
}

// LoginRequest is the body of POST /v1/reauth. The CLI sends Name (a file
// name, alias or email of an existing account, or a provider name for a
// new account) and Alias; the server resolves Name into File or Provider.
type LoginRequest struct {
	Name  string `json:"name"`
	Alias string `json:"alias,omitempty"`
	// NoBrowser: the user has no local browser (`login --no-browser`):
	// a copy/paste or device login where the provider has one.
	NoBrowser bool   `json:"noBrowser,omitempty"`
	File      string `json:"-"`
	Provider  string `json:"-"`
}

// LoginStarted is the first line of a POST /v1/reauth answer: the page the
// user must open.
type LoginStarted struct {
	FlowID string `json:"flowId"`
	URL    string `json:"url"`
	File   string `json:"file,omitempty"`
	// AuthURL is set for a copy/paste login: the provider's page to open
	// in any browser; what it shows goes to POST /v1/reauth/code.
	AuthURL string `json:"authUrl,omitempty"`
	// UserCode and VerifyURL are set for a device login.
	UserCode  string `json:"userCode,omitempty"`
	VerifyURL string `json:"verifyUrl,omitempty"`
}

// LoginCode is the body of POST /v1/reauth/code: the code a copy/paste
// login's page showed.
type LoginCode struct {
	FlowID string `json:"flowId"`
	Code   string `json:"code"`
}

// LoginOutcome is the last line of a POST /v1/reauth answer.
type LoginOutcome struct {
	File    string `json:"file"`
	Account string `json:"account"`
	Error   string `json:"error"` // "" on success
	// Reason is the stable code of Error ("denied", "exchange", …; see
	// authflow.FailureText) and Detail its cause, for the client to word
	// in its own language.
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// LoginEvent is one line of a POST /v1/reauth answer.
type LoginEvent struct {
	Started *LoginStarted `json:"started,omitempty"`
	Outcome *LoginOutcome `json:"outcome,omitempty"`
}

// Attempt is one refresh attempt in a token's history.
type Attempt struct {
	At     string `json:"at"` // RFC 3339 UTC
	Manual bool   `json:"manual"`
	Status string `json:"status"` // the token's status right after
	Error  string `json:"error"`  // "" on success
}

// History is the body of GET /v1/history?file=…: the last refresh attempts
// of one token file, oldest first.
type History struct {
	File     string    `json:"file"`
	Attempts []Attempt `json:"attempts"`
}

// AliasRequest is the body of POST /v1/alias: the alias of a token file,
// kept in config.json (tokenDaemon.aliases); "" removes it.
type AliasRequest struct {
	File  string `json:"file"`
	Alias string `json:"alias"`
}

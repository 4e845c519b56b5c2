package ipc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
)

// TokenBroker hands out tokens (*daemon.Daemon implements it); a Core
// without it answers GET /v1/token with 501.
type TokenBroker interface {
	Token(ctx context.Context, req daemon.TokenRequest) (daemon.Credential, error)
}

// DefaultMinValid is the validity a token request asks for when it says
// nothing.
const DefaultMinValid = 10 * time.Minute

// TokenAnswer is the body of a GET /v1/token answer. Token is a secret.
type TokenAnswer struct {
	File        string `json:"file"`
	Provider    string `json:"provider,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Token       string `json:"token"`
	TokenType   string `json:"tokenType,omitempty"`
	ExpiresAt   string `json:"expiresAt,omitempty"` // RFC 3339 UTC; absent without expiry
	ResourceURL string `json:"resourceUrl,omitempty"`
	ProjectID   string `json:"projectId,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
	// Stale: less than minValid is left and no refresh could help now
	// (Reason says why); the token is still unexpired.
	Stale  bool   `json:"stale,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// AnswerOf is a credential in its wire form.
func AnswerOf(c daemon.Credential) TokenAnswer {
	a := TokenAnswer{
		File: c.File, Provider: c.Provider, DisplayName: c.DisplayName, Token: c.Token, TokenType: c.TokenType,
		ResourceURL: c.ResourceURL, ProjectID: c.ProjectID, AccountID: c.AccountID, Stale: c.Stale, Reason: c.Reason,
	}
	if !c.ExpiresAt.IsZero() {
		a.ExpiresAt = c.ExpiresAt.UTC().Format(time.RFC3339)
	}
	return a
}

// Usage is a token's broker accesses in `status --json`.
type Usage struct {
	Last24h      int     `json:"last24h"`
	Last7d       int     `json:"last7d"`
	LastAccessAt *string `json:"lastAccessAt"`
	// Opens of the file by other programs (Linux: inotify), not the
	// daemon's own reads.
	Opens24h   int     `json:"opens24h"`
	Opens7d    int     `json:"opens7d"`
	LastOpenAt *string `json:"lastOpenAt"`
}

// UsageOf converts the core's counts.
func UsageOf(u daemon.Usage) Usage {
	return Usage{Last24h: u.Last24h, Last7d: u.Last7d, LastAccessAt: timeString(u.LastAccess),
		Opens24h: u.Opens24h, Opens7d: u.Opens7d, LastOpenAt: timeString(u.LastOpen)}
}

// ParseMinValid reads a validity: a Go duration ("10m", "90s") or whole
// seconds ("600").
func ParseMinValid(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 && n <= 366*24*3600 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 10m or 90s", s)
	}
	return d, nil
}

// handleToken is GET /v1/token?name=…&minValid=…: the credential of one
// file, refreshed first when less than minValid is left. The caller, for
// the audit, is the socket's peer.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	b, ok := s.core.(TokenBroker)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this server hands out no tokens", nil)
		return
	}
	q := r.URL.Query()
	name := q.Get("name")
	if name == "" {
		writeError(w, http.StatusBadRequest, `give the token's "name"`, nil)
		return
	}
	minValid := DefaultMinValid
	if v := q.Get("minValid"); v != "" {
		d, err := ParseMinValid(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "minValid: "+err.Error(), nil)
			return
		}
		minValid = d
	}
	by := daemon.Caller{UID: -1}
	if p, ok := r.Context().Value(peerKey{}).(peerInfo); ok {
		if p.supported && p.err == nil {
			by.UID = p.uid
		}
		by.PID = p.pid
		by.Exe = procExe(p.pid)
		// The peer is usually `routecodex token` itself: its parent is the
		// program that asked (Claude Code, Codex, kubectl, a shell).
		if by.ParentPID = procParent(p.pid); by.ParentPID > 0 {
			by.ParentExe = procExe(by.ParentPID)
		}
	}
	cred, err := b.Token(r.Context(), daemon.TokenRequest{Name: name, MinValid: minValid, By: by})
	var amb *daemon.AmbiguousError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, AnswerOf(cred))
	case errors.As(err, &amb):
		writeError(w, http.StatusConflict,
			fmt.Sprintf("%q matches several token files: %s", name, strings.Join(amb.Candidates, ", ")), amb.Candidates)
	case errors.Is(err, daemon.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no token file matches %q", name), nil)
	case errors.Is(err, daemon.ErrLoginNeeded):
		writeTokenError(w, http.StatusUnauthorized, err)
	case errors.Is(err, daemon.ErrNoToken):
		writeTokenError(w, http.StatusUnprocessableEntity, err)
	case errors.Is(err, daemon.ErrStopped):
		writeError(w, http.StatusServiceUnavailable, err.Error(), nil)
	default:
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
	}
}

// writeTokenError answers a failed token request with its reason coded.
func writeTokenError(w http.ResponseWriter, code int, err error) {
	body := ErrorBody{Error: err.Error()}
	var te *daemon.TokenError
	if errors.As(err, &te) {
		r := te.Reason
		body.Reason = &TokenReason{Code: r.Code, Detail: r.Detail, DetailCode: r.DetailCode, DetailArgs: r.DetailArgs}
	}
	writeJSON(w, code, body)
}

// Token asks the daemon for the credential of one token (file name with or
// without .json, alias or email), refreshed first when less than minValid
// is left. Errors are *APIError: 404 unknown name, 409 ambiguous, 401 a
// login is needed, 422 no usable token for another reason.
func (c *Client) Token(ctx context.Context, name string, minValid time.Duration) (TokenAnswer, error) {
	var a TokenAnswer
	q := url.Values{"name": {name}, "minValid": {strconv.FormatInt(int64(minValid/time.Second), 10)}}
	err := c.do(ctx, http.MethodGet, "token?"+q.Encode(), nil, &a)
	return a, err
}

// IsLoginNeeded reports an answer that says only a new login can help.
func IsLoginNeeded(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.Status == http.StatusUnauthorized
}

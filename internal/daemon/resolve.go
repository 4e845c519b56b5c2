package daemon

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// ErrNotFound means no token file matches a name.
var ErrNotFound = errors.New("no such token")

// ErrNotRefreshable means a file cannot be refreshed (read-only, no refresh
// token, unknown provider, invalid, missing); the wrapping error says why.
var ErrNotRefreshable = errors.New("not refreshable")

// ErrStopped means the daemon is not running (not started yet or shutting
// down), so nothing was refreshed.
var ErrStopped = errors.New("daemon not running")

// AmbiguousError means a name matches several token files.
type AmbiguousError struct {
	Query      string
	Candidates []string // file names
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%q matches several tokens: %s", e.Query, strings.Join(e.Candidates, ", "))
}

// StateOf is a file's state as seen without a running daemon.
func StateOf(f *tokenfile.File, now time.Time, ahead time.Duration) TokenState {
	status, reason := f.StatusAt(now, ahead)
	s := TokenState{
		File:        f.Name,
		Path:        f.Path,
		Provider:    f.Provider,
		Alias:       f.Alias,
		DisplayName: f.DisplayName,
		Email:       f.Email,
		Status:      status,
		Reason:      reason,
		ExpiresAt:   f.ExpiresAt,
		Refreshable: f.Refreshable(),
		Source:      f.Source,
		Watch:       f.Watch,
		Login:       f.Login,
	}
	s.Health = healthOf(s, now, ahead, nil)
	return s
}

// Resolve finds the one token named by query: file name with or without
// .json, alias or email (email case-insensitively). No match: ErrNotFound;
// several: *AmbiguousError.
func Resolve(states []TokenState, query string) (TokenState, error) {
	if query == "" {
		return TokenState{}, fmt.Errorf("resolve %q: %w", query, ErrNotFound)
	}
	// An exact file name always wins: it is unique by construction.
	for _, s := range states {
		if s.File == query || s.File == query+".json" {
			return s, nil
		}
	}
	var found []TokenState
	for _, s := range states {
		if (s.Alias != "" && s.Alias == query) || (s.Email != "" && strings.EqualFold(s.Email, query)) {
			found = append(found, s)
		}
	}
	switch len(found) {
	case 0:
		return TokenState{}, fmt.Errorf("resolve %q: %w", query, ErrNotFound)
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, s := range found {
		names[i] = s.File
	}
	return TokenState{}, &AmbiguousError{Query: query, Candidates: names}
}

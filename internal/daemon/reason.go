package daemon

import (
	"fmt"
	"strings"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The core's own reasons as codes beside their English texts (as
// tokenfile's reason codes): a client words them in its user's language.
const (
	ReasonFileRemoved = "file_removed"

	// Why a file cannot be refreshed (NotRefreshableError.Why).
	WhyMissing         = "missing"
	WhyInvalid         = "invalid"          // Args: the file's reason code
	WhyReadOnly        = "read_only"        //
	WhyHandedOff       = "handed_off"       // exported with --handoff
	WhyLink            = "link"             // Args: the file it links to
	WhyUnknownProvider = "unknown_provider" //
	WhyNoRefreshToken  = "no_refresh_token" //
	WhyNoProvider      = "no_provider"      // Args: the provider name
	WhyWatch           = "watch"            // a source in watch mode: its tool refreshes it
)

// reasonFileRemoved is the reason of a missing file.
const reasonFileRemoved = "file removed"

// ReasonCode is the code of a reason the core or tokenfile gave, "" for
// any other text (a provider's own message).
func ReasonCode(reason string) string {
	switch reason {
	case reasonFileRemoved:
		return ReasonFileRemoved
	case reasonWatchExpired:
		return ReasonWatchExpired
	}
	if reason == reasonClusterUnreachable {
		return ReasonClusterUnreachable
	}
	return tokenfile.ReasonCode(reason)
}

// NotRefreshableError says why a file cannot be refreshed: Why is one of
// the Why codes and Args its arguments. It matches ErrNotRefreshable.
type NotRefreshableError struct {
	File   string
	Why    string
	Args   []string
	Detail string // English detail (an invalid file's reason)
}

func (e *NotRefreshableError) Error() string {
	return fmt.Sprintf("refresh %s: %v: %s", e.File, ErrNotRefreshable, e.text())
}

func (e *NotRefreshableError) Is(target error) bool { return target == ErrNotRefreshable }

// text is the English reason.
func (e *NotRefreshableError) text() string {
	arg := strings.Join(e.Args, "")
	switch e.Why {
	case WhyMissing:
		return "the file is missing"
	case WhyInvalid:
		return "invalid: " + e.Detail
	case WhyReadOnly:
		return "read-only (static)"
	case WhyHandedOff:
		return "handed off to another machine (export --handoff); import or log in to take it back"
	case WhyLink:
		return "a link to " + arg + ", which is refreshed in its own name"
	case WhyUnknownProvider:
		return "unknown provider"
	case WhyNoRefreshToken:
		return "no refresh token; log in again"
	case WhyNoProvider:
		return fmt.Sprintf("no provider %q is configured", arg)
	case WhyWatch:
		return "watched only (refresh: watch): its own tool refreshes it"
	}
	return e.Why
}

// notRefreshableLocked says why e cannot be refreshed, nil when it can.
func (d *Daemon) notRefreshableLocked(e *entry) *NotRefreshableError {
	f := e.file
	switch {
	case !e.missingSince.IsZero():
		return &NotRefreshableError{File: e.name, Why: WhyMissing}
	case f.Invalid != "":
		return &NotRefreshableError{File: e.name, Why: WhyInvalid, Args: []string{tokenfile.ReasonCode(f.Invalid)}, Detail: f.Invalid}
	case f.HandedOff:
		return &NotRefreshableError{File: e.name, Why: WhyHandedOff}
	case f.ReadOnly:
		return &NotRefreshableError{File: e.name, Why: WhyReadOnly}
	case f.Watch:
		return &NotRefreshableError{File: e.name, Why: WhyWatch}
	case f.LinkTo != "":
		return &NotRefreshableError{File: e.name, Why: WhyLink, Args: []string{f.LinkTo}}
	case f.Provider == "":
		return &NotRefreshableError{File: e.name, Why: WhyUnknownProvider}
	case f.RefreshToken == "":
		return &NotRefreshableError{File: e.name, Why: WhyNoRefreshToken}
	}
	if _, ok := d.prov.Get(f.Provider); !ok {
		return &NotRefreshableError{File: e.name, Why: WhyNoProvider, Args: []string{f.Provider}}
	}
	return nil
}

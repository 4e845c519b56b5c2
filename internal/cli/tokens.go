package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// scanStates reads the auth dir directly (no daemon) and returns the state
// of every token file at now, sorted by file name.
func scanStates(s *Settings, now time.Time) ([]daemon.TokenState, error) {
	opts := s.Config.FileOptions()
	opts.HandedOff = handedOff(s)
	files, err := scanAuthDir(s, opts)
	if err != nil {
		return nil, authDirError(s.Lang, s.Paths, err)
	}
	files = append(files, sourceFiles(s, s.Config.FileOptions())...)
	ahead := s.Config.RefreshAhead()
	states := make([]daemon.TokenState, 0, len(files))
	for _, f := range files {
		states = append(states, daemon.StateOf(f, now, ahead))
	}
	return states, nil
}

// scanAuthDir reads the auth dir's token files; a default auth dir that
// does not exist has none (a first run, or a user of other tools' files
// only). A dir the user named (env, config) that does not exist is an
// error instead.
func scanAuthDir(s *Settings, opts tokenfile.Options) ([]*tokenfile.File, error) {
	files, err := tokenfile.Scan(s.Paths.AuthDir, opts)
	if errors.Is(err, fs.ErrNotExist) && s.Paths.AuthDirFrom == config.AuthDirDefault {
		return nil, nil
	}
	return files, err
}

// authDirError is the one sentence for an auth dir that cannot be listed.
func authDirError(lang i18n.Lang, p config.Paths, err error) error {
	dir := p.AuthDir
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New(i18n.T(lang, i18n.ErrAuthDirMissing, dir, p.AuthDirFrom))
	}
	cause := err
	var pe *fs.PathError
	if errors.As(err, &pe) {
		cause = pe.Err // the path is in the sentence already
	}
	return errors.New(i18n.T(lang, i18n.ErrAuthDirUnreadable, dir, cause))
}

// checkProvider accepts a built-in or configured provider name.
func checkProvider(s *Settings, name string) error {
	known := s.Config.KnownProviders()
	for _, k := range known {
		if k == name {
			return nil
		}
	}
	return fmt.Errorf("%s", i18n.T(s.Lang, i18n.ErrUnknownProvider, name, joinNames(known)))
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// tokenFilter is the compiled filter part of a Selector.
type tokenFilter struct {
	Provider    string                    // "" means all
	Statuses    map[tokenfile.Status]bool // nil means all
	Expiring    bool
	Within      time.Duration // window of Expiring
	HealthBelow int           // 0: no health filter
}

// keep reports whether st passes the filter at now. With Expiring (DESIGN.md
// section 6) it keeps every file that has stopped working or will within the
// window: expired, needs_reauth, refresh_failed and missing, and expiring or
// valid files with an expiry inside the window; never static, invalid, or a valid file
// without an expiry (an API key).
func (flt tokenFilter) keep(st daemon.TokenState, now time.Time) bool {
	if flt.Provider != "" && st.Provider != flt.Provider {
		return false
	}
	if flt.Statuses != nil && !flt.Statuses[st.Status] {
		return false
	}
	if flt.HealthBelow > 0 && st.Health.Score >= flt.HealthBelow {
		return false
	}
	if !flt.Expiring {
		return true
	}
	switch st.Status {
	case tokenfile.StatusExpired, tokenfile.StatusNeedsReauth, tokenfile.StatusRefreshFailed, tokenfile.StatusMissing:
		return true // stopped working (a missing file too)
	case tokenfile.StatusExpiring, tokenfile.StatusValid:
		// "expiring" is relative to refreshAheadMinutes; --within may be
		// shorter: a token with 15 minutes left is not within 1m.
		return !st.ExpiresAt.IsZero() && st.ExpiresAt.Sub(now) <= flt.Within
	default:
		return false
	}
}

// currentStates asks the running daemon (which also knows which tokens are
// refreshing, failed or need a login), else reads the files directly.
func currentStates(ctx context.Context, f *Factory, s *Settings, now time.Time) ([]daemon.TokenState, error) {
	if f.DaemonStatus != nil {
		st, err := f.DaemonStatus(ctx, s.Paths)
		if err == nil {
			return statesFromWire(st.Tokens), nil
		}
		if !errors.Is(err, ErrDaemonNotRunning) {
			return nil, err
		}
	}
	return scanStates(s, now)
}

// statesFromWire turns the daemon's answer back into core states, so that
// one filter and one table serve both sources.
func statesFromWire(tokens []ipc.TokenDetail) []daemon.TokenState {
	out := make([]daemon.TokenState, 0, len(tokens))
	for _, t := range tokens {
		out = append(out, daemon.TokenState{
			File: t.File, Path: t.Path, Provider: t.Provider, Alias: t.Alias,
			DisplayName: t.DisplayName, Email: t.Email,
			Status: tokenfile.Status(t.Status), Reason: t.Reason, ReasonCode: t.ReasonCode, ReasonArgs: t.ReasonArgs,
			ExpiresAt: parseWireTime(t.ExpiresAt), Refreshable: t.Refreshable,
			LastRefreshAt: parseWireTime(t.LastRefreshAt), NextRefreshAt: parseWireTime(t.NextRefreshAt),
			LastError: t.LastError, Failures: t.Failures, Health: t.Health,
			Usage: daemon.Usage{Last24h: t.Usage.Last24h, Last7d: t.Usage.Last7d, LastAccess: parseWireTime(t.Usage.LastAccessAt),
				Opens24h: t.Usage.Opens24h, Opens7d: t.Usage.Opens7d, LastOpen: parseWireTime(t.Usage.LastOpenAt)},
			Source: t.Source, Watch: t.Watch, Login: t.Login,
		})
	}
	return out
}

func parseWireTime(s *string) time.Time {
	if s == nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		return time.Time{}
	}
	return t
}

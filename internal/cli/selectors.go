package cli

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Selectors (DESIGN.md section 12) choose the tokens of list, refresh,
// login and export, the same way everywhere:
//
//	<name>…                names (file name with or without .json, alias, email)
//	--all                  every token
//	--provider P           only P's files
//	--status S[,S…]        only files in one of these statuses
//	--expiring [--within D]  stopped working or expiring within D (section 6)
//	--health-below N       health score below N
//
// Names (or, without names, every token) are narrowed by every filter
// given. A command adopts them with
//
//	sel := &Selector{}
//	AddSelectorFlags(cmd, sel)
//	RunE: sel.Names = args; states, err := sel.Resolve(ctx, f, s)
//
// Resolve asks the running daemon for the token list, else reads the
// files; Select is the pure part over a list already at hand.
type Selector struct {
	Names       []string
	All         bool
	Provider    string
	Statuses    []string // from --status, split at commas
	Expiring    bool
	Within      string // a Go duration; "" means refreshAheadMinutes
	HealthBelow int    // 0: not given (a score is never below 0)

	flags *pflag.FlagSet // of the command, for Changed
}

// AddSelectorFlags registers --all, --provider, --status, --expiring,
// --within and --health-below on cmd, bound to sel. Names are the
// command's arguments: set sel.Names in RunE.
func AddSelectorFlags(cmd *cobra.Command, sel *Selector) {
	fl := cmd.Flags()
	fl.BoolVar(&sel.All, "all", false, "")
	fl.StringVar(&sel.Provider, "provider", "", "")
	fl.StringSliceVar(&sel.Statuses, "status", nil, "")
	fl.BoolVar(&sel.Expiring, "expiring", false, "")
	fl.StringVar(&sel.Within, "within", "", "")
	fl.IntVar(&sel.HealthBelow, "health-below", 0, "")
	sel.flags = fl
	for name, key := range map[string]i18n.Key{
		"all": i18n.SelFlagAll, "provider": i18n.SelFlagProvider, "status": i18n.SelFlagStatus,
		"expiring": i18n.SelFlagExpiring, "within": i18n.SelFlagWithin, "health-below": i18n.SelFlagHealthBelow,
	} {
		localizeFlag(cmd, name, key)
	}
}

// IsEmpty reports whether nothing was selected: no name, no --all, no
// filter. list takes that as every token; refresh refuses it.
func (sel *Selector) IsEmpty() bool {
	return len(sel.Names) == 0 && !sel.All && !sel.hasFilter()
}

// HasFilter reports whether a filter flag (anything but names and --all)
// was given.
func (sel *Selector) HasFilter() bool { return sel.hasFilter() }

func (sel *Selector) hasFilter() bool {
	return sel.Provider != "" || len(sel.Statuses) > 0 || sel.Expiring || sel.HealthBelow != 0 ||
		sel.changed("health-below")
}

func (sel *Selector) changed(name string) bool {
	return sel.flags != nil && sel.flags.Changed(name)
}

// Window is the --expiring window in effect (valid after a successful
// Select or Resolve).
func (sel *Selector) Window(s *Settings) time.Duration {
	if d, err := time.ParseDuration(sel.Within); err == nil && d > 0 {
		return d
	}
	return s.Config.RefreshAhead()
}

// Resolve returns the selected tokens, sorted by file name: from the
// running daemon's list (which knows refreshing, failed and missing
// files, usage and the refresh record), else from the files on disk.
func (sel *Selector) Resolve(ctx context.Context, f *Factory, s *Settings) ([]daemon.TokenState, error) {
	if _, err := sel.matcher(s); err != nil {
		return nil, err // bad flags are said before anything is read
	}
	now := f.Now()
	states, err := currentStates(ctx, f, s, now)
	if err != nil {
		return nil, err
	}
	return sel.Select(s, states, now)
}

// Select is the pure part of Resolve: the tokens of states that sel
// selects at now. A name that matches nothing or several files is an
// error; a token named twice is listed once.
func (sel *Selector) Select(s *Settings, states []daemon.TokenState, now time.Time) ([]daemon.TokenState, error) {
	m, err := sel.matcher(s)
	if err != nil {
		return nil, err
	}
	base := states
	if len(sel.Names) > 0 {
		base = nil
		seen := map[string]bool{}
		for _, q := range sel.Names {
			st, err := resolveName(s.Lang, states, q)
			if err != nil {
				return nil, err
			}
			if !seen[st.File] {
				seen[st.File] = true
				base = append(base, st)
			}
		}
	}
	out := make([]daemon.TokenState, 0, len(base))
	for _, st := range base {
		if m.keep(st, now) {
			out = append(out, st)
		}
	}
	return out, nil
}

// matcher checks the flags and compiles them.
func (sel *Selector) matcher(s *Settings) (tokenFilter, error) {
	flt := tokenFilter{Provider: sel.Provider, Expiring: sel.Expiring, Within: s.Config.RefreshAhead()}
	if sel.All && len(sel.Names) > 0 {
		return flt, errors.New(i18n.T(s.Lang, i18n.ErrSelAllAndNames))
	}
	if sel.changed("within") || sel.Within != "" {
		if !sel.Expiring {
			return flt, errors.New(i18n.T(s.Lang, i18n.ErrWithinNeedsExp))
		}
		d, err := time.ParseDuration(sel.Within)
		if err != nil || d <= 0 {
			return flt, errors.New(i18n.T(s.Lang, i18n.ErrWithinInvalid, sel.Within))
		}
		flt.Within = d
	}
	if sel.Provider != "" {
		if err := checkProvider(s, sel.Provider); err != nil {
			return flt, err
		}
	}
	for _, w := range sel.Statuses {
		w = strings.TrimSpace(w)
		if !knownStatus(w) {
			return flt, errors.New(i18n.T(s.Lang, i18n.ErrSelStatus, w, strings.Join(statusWords(), ", ")))
		}
		if flt.Statuses == nil {
			flt.Statuses = map[tokenfile.Status]bool{}
		}
		flt.Statuses[tokenfile.Status(w)] = true
	}
	if sel.changed("health-below") || sel.HealthBelow != 0 {
		if sel.HealthBelow < 1 || sel.HealthBelow > 101 {
			return flt, errors.New(i18n.T(s.Lang, i18n.ErrSelHealthBelow, strconv.Itoa(sel.HealthBelow)))
		}
		flt.HealthBelow = sel.HealthBelow
	}
	return flt, nil
}

// statusWords are the statuses of DESIGN.md section 3, in its order.
func statusWords() []string {
	return []string{
		string(tokenfile.StatusValid), string(tokenfile.StatusExpiring), string(tokenfile.StatusExpired),
		string(tokenfile.StatusRefreshing), string(tokenfile.StatusRefreshFailed), string(tokenfile.StatusNeedsReauth),
		string(tokenfile.StatusInvalid), string(tokenfile.StatusStatic), string(tokenfile.StatusMissing),
	}
}

func knownStatus(w string) bool {
	for _, k := range statusWords() {
		if k == w {
			return true
		}
	}
	return false
}

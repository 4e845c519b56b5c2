package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// RefreshOptions are the flags and arguments of `token-daemon refresh`.
type RefreshOptions struct {
	Selector
}

// NewCmdRefresh is `routecodex token-daemon refresh <name>… | --all | selectors`.
func NewCmdRefresh(f *Factory) *cobra.Command {
	opts := &RefreshOptions{}
	cmd := &cobra.Command{
		Use: "refresh <name>… | --all | [--provider P] [--status S,…] [--expiring [--within D]] [--health-below N]",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			return runRefresh(cmd.Context(), f, opts)
		},
	}
	AddSelectorFlags(cmd, &opts.Selector)
	return cmd
}

func runRefresh(ctx context.Context, f *Factory, opts *RefreshOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if opts.IsEmpty() {
		return errors.New(i18n.T(s.Lang, i18n.ErrRefreshArgs))
	}
	if _, err := opts.matcher(s); err != nil {
		return err
	}
	if opts.HasFilter() {
		// Filters are resolved here, into the exact files to refresh;
		// names alone and --all alone go to the daemon as they are.
		states, err := opts.Resolve(ctx, f, s)
		if err != nil {
			return err
		}
		named := len(opts.Names) > 0
		opts = &RefreshOptions{}
		for _, st := range states {
			// A filter picks what can be refreshed, as --all does; a
			// name given is refreshed (or said why not) whatever it is.
			if st.Refreshable || named {
				opts.Names = append(opts.Names, st.File)
			}
		}
		if len(opts.Names) == 0 {
			_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.RefreshNothing))
			return err
		}
	}
	outcomes, err := ipc.NewClient(s.Paths.Socket).Refresh(ctx, opts.Names, opts.All)
	if errors.Is(err, ipc.ErrNotRunning) {
		if _, err := fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.RefreshInProcess)); err != nil {
			return err
		}
		outcomes, err = refreshInProcess(ctx, f, s, opts)
	}
	if err != nil {
		return apiErrorSentence(s.Lang, err)
	}
	if len(outcomes) == 0 {
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.RefreshNothing))
		return err
	}
	failed := 0
	for _, o := range outcomes {
		// Names and reasons come from disk and from providers: escaped,
		// so that they cannot drive the terminal or forge a line.
		file := termtext.Escape(o.File)
		line := i18n.T(s.Lang, i18n.RefreshOK, file)
		if o.Error != "" {
			failed++
			// The file already leads the line; the core's wrapping would
			// name it twice.
			why := strings.TrimPrefix(o.Error, "refresh "+o.File+": ")
			why = wordReason(s.Lang, why, o.ErrorCode, o.ErrorArgs)
			line = i18n.T(s.Lang, i18n.RefreshFailedLine, file, termtext.Escape(why+loginHint(s.Lang, o.Status, o.File)))
		}
		if _, err := fmt.Fprintln(f.IO.Out, line); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &ExitError{Code: ExitFailure, Err: errors.New(i18n.T(s.Lang, i18n.ErrSomeRefreshFailed, failed))}
	}
	return nil
}

// apiErrorSentence turns the daemon's name-resolution answers into the
// same sentences as in-process resolution, and an untrusted socket into
// its refusal.
func apiErrorSentence(lang i18n.Lang, err error) error {
	var apiErr *ipc.APIError
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict && len(apiErr.Candidates) > 0 {
		return errors.New(i18n.T(lang, i18n.ErrAmbiguous, queryOf(apiErr.Message), strings.Join(apiErr.Candidates, ", ")))
	}
	if errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound {
		return errors.New(i18n.T(lang, i18n.ErrNoSuchToken, queryOf(apiErr.Message)))
	}
	return localAccessError(lang, err)
}

// queryOf pulls the quoted name out of the daemon's sentence, if any.
func queryOf(msg string) string {
	if i := strings.IndexByte(msg, '"'); i >= 0 {
		if j := strings.IndexByte(msg[i+1:], '"'); j >= 0 {
			return msg[i+1 : i+1+j]
		}
	}
	return msg
}

// refreshInProcess runs a core without automatic refresh, only for this
// request, when no daemon is running.
func refreshInProcess(ctx context.Context, f *Factory, s *Settings, opts *RefreshOptions) ([]ipc.RefreshOutcome, error) {
	var out []ipc.RefreshOutcome
	err := withInProcessCore(ctx, f, s, func(p *inProcess) error {
		var files []string
		if !opts.All {
			snap := p.core.Snapshot()
			for _, q := range opts.Names {
				st, err := resolveName(s.Lang, snap, q)
				if err != nil {
					return err
				}
				files = append(files, st.File)
			}
		}
		for _, r := range p.core.Refresh(ctx, files, opts.All) {
			out = append(out, ipc.OutcomeOf(r))
		}
		return nil
	})
	return out, err
}

// resolveName finds one token by file name, alias or email, with the
// command line's sentences for none and several.
func resolveName(lang i18n.Lang, states []daemon.TokenState, q string) (daemon.TokenState, error) {
	st, err := daemon.Resolve(states, q)
	var amb *daemon.AmbiguousError
	switch {
	case errors.As(err, &amb):
		return st, errors.New(i18n.T(lang, i18n.ErrAmbiguous, q, strings.Join(amb.Candidates, ", ")))
	case errors.Is(err, daemon.ErrNotFound):
		return st, errors.New(i18n.T(lang, i18n.ErrNoSuchToken, q))
	}
	return st, err
}

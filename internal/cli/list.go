package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// ListOptions are the flags of `token-daemon list`.
type ListOptions struct {
	Expiring bool
	Within   string // a Go duration; "" means refreshAheadMinutes
	Provider string
	JSON     bool

	withinSet bool // --within given, even as ""
}

// NewCmdList is `routecodex token-daemon list`.
func NewCmdList(f *Factory) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use:  "list [--expiring [--within 2h]] [--provider P] [--json]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.withinSet = cmd.Flags().Changed("within")
			return runList(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Expiring, "expiring", false, "")
	cmd.Flags().StringVar(&opts.Within, "within", "", "")
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "")
	return cmd
}

func runList(ctx context.Context, f *Factory, opts *ListOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	flt := tokenFilter{Provider: opts.Provider, Expiring: opts.Expiring, Within: s.Config.RefreshAhead()}
	if opts.withinSet || opts.Within != "" {
		if !opts.Expiring {
			return errors.New(i18n.T(s.Lang, i18n.ErrWithinNeedsExp))
		}
		d, err := time.ParseDuration(opts.Within)
		if err != nil || d <= 0 {
			return errors.New(i18n.T(s.Lang, i18n.ErrWithinInvalid, opts.Within))
		}
		flt.Within = d
	}
	if opts.Provider != "" {
		if err := checkProvider(s, opts.Provider); err != nil {
			return err
		}
	}
	if opts.JSON && !opts.Expiring && opts.Provider == "" && f.DaemonJSON != nil {
		// Unfiltered: the daemon's own `list --json`, printed as it came.
		b, err := f.DaemonJSON(ctx, s.Paths, "list")
		if err == nil {
			_, err = f.IO.Out.Write(b)
			return err
		}
		if !errors.Is(err, ErrDaemonNotRunning) {
			return err
		}
	}
	now := f.Now()
	states, err := currentStates(ctx, f, s, now)
	if err != nil {
		return err
	}
	states = filterStates(states, flt, now)
	tokens := make([]ipc.Token, 0, len(states))
	for _, st := range states {
		tokens = append(tokens, ipc.TokenOf(st, now))
	}
	if opts.JSON {
		l := ipc.List{Tokens: tokens}
		_, err := f.IO.Out.Write(append(ipc.AppendList(nil, &l, true), '\n'))
		return err
	}
	if len(tokens) == 0 {
		msg := i18n.T(s.Lang, i18n.NoTokens, termtext.Escape(abbreviateHome(s.Paths.AuthDir, f.Env.UserHome)))
		if opts.Expiring {
			msg = i18n.T(s.Lang, i18n.NoExpiringTokens, flt.Within)
		}
		_, err := fmt.Fprintln(f.IO.Out, msg)
		return err
	}
	return tokenTable(f.IO.Out, s.Lang, tokens, now, f.location())
}

// writeJSON prints v with a two-space indent, the documented `--json` form.
func writeJSON(f *Factory, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	_, err = f.IO.Out.Write(append(data, '\n'))
	return err
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// ListOptions are the flags of `token-daemon list`.
type ListOptions struct {
	Selector
	JSON bool
	Sort string // file (default) or health (lowest score first)
}

// NewCmdList is `routecodex token-daemon list`.
func NewCmdList(f *Factory) *cobra.Command {
	opts := &ListOptions{}
	cmd := &cobra.Command{
		Use: "list [<name>…] [--provider P] [--status S,…] [--expiring [--within 2h]] [--health-below N] [--sort file|health] [--json]",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			return runList(cmd.Context(), f, opts)
		},
	}
	AddSelectorFlags(cmd, &opts.Selector)
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "")
	cmd.Flags().StringVar(&opts.Sort, "sort", "file", "")
	return cmd
}

func runList(ctx context.Context, f *Factory, opts *ListOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if opts.Sort != "file" && opts.Sort != "health" {
		return errors.New(i18n.T(s.Lang, i18n.ErrListSort, opts.Sort))
	}
	if opts.JSON && opts.IsEmpty() && opts.Sort == "file" && f.DaemonJSON != nil {
		if _, err := opts.matcher(s); err != nil {
			return err // bad flags are said before anything is read
		}
		// Unselected: the daemon's own `list --json`, printed as it came.
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
	states, err := opts.Resolve(ctx, f, s)
	if err != nil {
		return err
	}
	if opts.Sort == "health" {
		// Worst first; names keep their order within a score.
		sort.SliceStable(states, func(i, j int) bool { return states[i].Health.Score < states[j].Health.Score })
	}
	tokens := make([]ipc.Token, 0, len(states))
	for _, st := range states {
		tokens = append(tokens, ipc.TokenOf(st, now))
	}
	if opts.JSON {
		return ipc.WriteList(f.IO.Out, &ipc.List{Tokens: tokens}, true)
	}
	if len(tokens) == 0 {
		msg := i18n.T(s.Lang, i18n.NoTokens, termtext.Escape(abbreviateHome(s.Paths.AuthDir, f.Env.UserHome)))
		switch {
		case opts.Expiring:
			msg = i18n.T(s.Lang, i18n.NoExpiringTokens, opts.Window(s))
		case !opts.IsEmpty():
			msg = i18n.T(s.Lang, i18n.SelNoMatch)
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

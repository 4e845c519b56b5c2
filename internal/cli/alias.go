package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// NewCmdAlias is `token-daemon alias set <name> <alias>` and `alias rm
// <name>`: tokenDaemon.aliases in config.json, by the same order-preserving
// atomic merge as the web UI, never the token file.
func NewCmdAlias(f *Factory) *cobra.Command {
	cmd := localize(&cobra.Command{
		Use:  "alias",
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}, i18n.AliasShort)
	set := localize(&cobra.Command{
		Use:  "set <name> <alias>",
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			return runAlias(c.Context(), f, args[0], args[1])
		},
	}, i18n.AliasSetShort)
	rm := localize(&cobra.Command{
		Use:  "rm <name>",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runAlias(c.Context(), f, args[0], "")
		},
	}, i18n.AliasRmShort)
	cmd.AddCommand(set, rm)
	return cmd
}

// runAlias sets (alias != "") or removes the alias of the token that name
// picks: through the running daemon, which writes config.json and tells
// every client at once; without one, into config.json directly.
func runAlias(ctx context.Context, f *Factory, name, alias string) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	states, err := currentStates(ctx, f, s, time.Now())
	if err != nil {
		return err
	}
	st, err := resolveName(s.Lang, states, name)
	if err != nil {
		return &ExitError{Code: ExitUnknownName, Err: errors.New(termtext.Escape(err.Error()))}
	}
	file, checked, err := config.CheckAlias(st.File, alias)
	if err != nil {
		why := err.Error()
		var bad *config.BadAliasError
		if errors.As(err, &bad) {
			why = bad.Text(s.Lang)
		}
		return errors.New(i18n.T(s.Lang, i18n.AliasBad, alias, termtext.Escape(why))) // %q escapes the alias
	}
	alias = checked
	err = ipc.NewClient(s.Paths.Socket).SetAlias(ctx, file, alias)
	if errors.Is(err, ipc.ErrNotRunning) {
		err = config.SetAlias(s.Paths.Config, file, alias)
	}
	if err != nil {
		var untrusted *ipc.UntrustedError
		if errors.As(err, &untrusted) {
			return localAccessError(s.Lang, err)
		}
		return fmt.Errorf("%s: %w", s.Paths.Config, err)
	}
	msg := i18n.T(s.Lang, i18n.AliasRemoved, termtext.Escape(file))
	if alias != "" {
		msg = i18n.T(s.Lang, i18n.AliasSet, termtext.Escape(file), termtext.Escape(alias))
	}
	_, err = fmt.Fprintln(f.IO.Out, msg)
	return err
}

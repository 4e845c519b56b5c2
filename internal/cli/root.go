package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// NewRootCmd is the `routecodex` command with its global flags --config and
// --lang. Errors are returned, never printed: main prints one sentence.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "routecodex",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// cobra's own --version (worded in helptext.go) and `completion
	// bash|zsh|fish|powershell`.
	root.Version, _, _ = buildInfo()
	root.PersistentFlags().StringVar(&f.ConfigFlag, "config", "", "")
	root.PersistentFlags().StringVar(&f.LangFlag, "lang", "", "")
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError(f, c, err)
	})
	root.AddCommand(NewCmdTokenDaemon(f), NewCmdServer(f))
	installLocalizedHelp(f, root)
	// cobra adds `completion` only at Execute; add it now so that an unknown
	// shell is an error, not its help and exit 0.
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			c.RunE = func(c *cobra.Command, args []string) error {
				if len(args) > 0 {
					lang, _ := f.Lang()
					return errors.New(i18n.T(lang, i18n.ErrUnknownCommand, args[0], c.CommandPath()))
				}
				return c.Help()
			}
		}
	}
	wordArgErrors(root, f)
	return root
}

// NewCmdTokenDaemon is the `token-daemon` command group. New subcommands
// are added to tokenDaemonCommands.
func NewCmdTokenDaemon(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use: "token-daemon",
		// Cobra only rejects unknown subcommands of the root; say it here
		// too rather than printing help and exiting 0.
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				lang, _ := f.Lang()
				return errors.New(i18n.T(lang, i18n.ErrUnknownCommand, args[0], c.CommandPath()))
			}
			return c.Help()
		},
	}
	cmd.AddCommand(tokenDaemonCommands(f)...)
	return cmd
}

// tokenDaemonCommands are the subcommands of `token-daemon`.
func tokenDaemonCommands(f *Factory) []*cobra.Command {
	return []*cobra.Command{
		NewCmdStart(f),
		NewCmdStop(f),
		NewCmdStatus(f),
		NewCmdList(f),
		NewCmdRefresh(f),
		NewCmdLogin(f),
		NewCmdTray(f),
		NewCmdUI(f),
		NewCmdToken(f),
		NewCmdAlias(f),
		NewCmdInstall(f), NewCmdUninstall(f), NewCmdNotify(f),
		NewCmdCluster(f),
		NewCmdSources(f),
		NewCmdExport(f), NewCmdImport(f),
	}
}

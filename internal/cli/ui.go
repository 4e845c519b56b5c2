package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/authflow"
	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/opener"
	"github.com/routecodex/token-daemon/internal/web"
)

// UIOptions are the flags of `token-daemon ui`.
type UIOptions struct {
	NoBrowser bool
	// OpenURL opens a page in the browser; nil means cli/browser.
	OpenURL func(url string) error
}

// NewCmdUI is `routecodex token-daemon ui [--no-browser]`.
func NewCmdUI(f *Factory) *cobra.Command {
	opts := &UIOptions{}
	cmd := &cobra.Command{
		Use:  "ui [--no-browser]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUI(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "")
	return cmd
}

func runUI(ctx context.Context, f *Factory, opts *UIOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	st, err := ipc.NewClient(s.Paths.Socket).Status(ctx)
	if errors.Is(err, ipc.ErrNotRunning) {
		return errors.New(i18n.T(s.Lang, i18n.UINotRunning))
	}
	if err != nil {
		return localAccessError(s.Lang, err)
	}
	if st.Daemon.WebURL == "" {
		return errors.New(i18n.T(s.Lang, i18n.UINoWebURL))
	}
	secret, err := readWebSecret(s)
	if err != nil {
		return errors.New(i18n.T(s.Lang, i18n.UISecret, localAccessError(s.Lang, err)))
	}
	url := pageURL(st.Daemon.WebURL, secret, web.Root)
	// The URL carries the secret: it goes to stdout (which the user asked
	// for), never to a log or a command line.
	if !opts.NoBrowser && hasDisplay(f.getenv) {
		open := opts.OpenURL
		if open == nil {
			open = func(u string) error { return openPage(s, st.Daemon.WebURL, u) }
		}
		if open(url) == nil {
			_, err := fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.UIBrowserOpened))
			return err
		}
	}
	if opener.CheckDaemonURL(st.Daemon.WebURL, url) != nil {
		return errors.New(i18n.T(s.Lang, i18n.ErrNotDaemonURL))
	}
	_, err = fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.UIOpenPage, url))
	return err
}

// mountWebUI puts the dashboard on the auth server, behind its guard. The
// dashboard is a client of the daemon's own socket, like the tray.
func mountWebUI(pages *authflow.Server, s *Settings, lang *i18n.Setting, logger *slog.Logger, transfer web.Transfer) {
	h := web.New(web.Options{
		API:      ipc.NewClient(s.Paths.Socket),
		Transfer: transfer,
		Lang:     s.Lang,
		CSRF:     pages.CSRFToken(),
		Logger:   logger,
		Language: lang,
	})
	pages.Mount(web.Root, h)
	pages.Mount(web.Prefix, h)
}

// aliasSetter stores an alias set in the web UI: into config.json
// (tokenDaemon.aliases, an order-preserving atomic merge), then into the
// core, which re-reads the file and tells every client.
func aliasSetter(s *Settings, core *daemon.Daemon, logger *slog.Logger) ipc.AliasSetter {
	var mu sync.Mutex // one config.json rewrite at a time
	return func(_ context.Context, file, alias string) error {
		mu.Lock()
		defer mu.Unlock()
		name, alias, err := config.CheckAlias(file, alias)
		if err != nil {
			return fmt.Errorf("%w%s", ipc.ErrBadAlias, strings.TrimPrefix(err.Error(), config.ErrBadAlias.Error()))
		}
		if err := config.SetAlias(s.Paths.Config, name, alias); err != nil {
			return fmt.Errorf("set alias of %s: %w", name, err)
		}
		logger.Info("alias set in config", "file", name, "alias", alias, "config", s.Paths.Config)
		core.SetAlias(name, alias)
		return nil
	}
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/authflow"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/opener"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// resultPageGrace bounds how long an in-process `login` keeps serving for
// the browser to fetch the result page.
const resultPageGrace = 5 * time.Second

// LoginOptions are the flags and argument of `token-daemon login`.
type LoginOptions struct {
	Name      string
	Alias     string
	NoBrowser bool
}

// NewCmdLogin is `routecodex token-daemon login <name|provider>`.
func NewCmdLogin(f *Factory) *cobra.Command {
	opts := &LoginOptions{}
	cmd := &cobra.Command{
		Use:  "login <name|provider> [--alias A] [--no-browser]",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return runLogin(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Alias, "alias", "", "")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "")
	return cmd
}

func runLogin(ctx context.Context, f *Factory, opts *LoginOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	// The page to open must be on the daemon's own web server: its
	// address comes from the status, the page from the login answer.
	client := ipc.NewClient(s.Paths.Socket)
	var base string
	if st, err := client.Status(ctx); err == nil {
		base = st.Daemon.WebURL
	}
	started := func(st ipc.LoginStarted) { announceLogin(f, s, base, st.URL, opts.NoBrowser) }
	req := ipc.LoginRequest{Name: opts.Name, Alias: opts.Alias}
	out, err := client.Login(ctx, req, started)
	if errors.Is(err, ipc.ErrNotRunning) {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginInProcess))
		out, err = loginInProcess(ctx, f, s, req, func(st ipc.LoginStarted, pagesBase string) {
			announceLogin(f, s, pagesBase, st.URL, opts.NoBrowser)
		})
	}
	if err != nil {
		return apiErrorSentence(s.Lang, err)
	}
	if out.Error != "" {
		why := out.Error
		if out.Reason != "" { // worded here, not in the daemon's language
			why = authflow.FailureText(s.Lang, out.Reason, out.Detail)
		}
		return errors.New(i18n.T(s.Lang, i18n.LoginFailed, termtext.Escape(why)))
	}
	done := i18n.T(s.Lang, i18n.LoginDone, termtext.Escape(out.File), termtext.Escape(out.Account))
	if out.Account == "" { // qwen's device login names no account
		done = i18n.T(s.Lang, i18n.LoginDoneFile, termtext.Escape(out.File))
	}
	_, err = fmt.Fprintln(f.IO.Out, done)
	return err
}

// announceLogin prints the page, and opens it unless told not to or there
// is no display to open it on (an SSH session). A page that is not on the
// web server at base (what a fake daemon might send) is neither printed
// nor opened.
func announceLogin(f *Factory, s *Settings, base, url string, noBrowser bool) {
	if opener.CheckDaemonURL(base, url) != nil {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.ErrNotDaemonURL))
		return
	}
	fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginOpenPage, url))
	if !noBrowser && hasDisplay(f.getenv) && openPage(s, base, url) == nil {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginBrowserOpened))
		return
	}
	fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginWaiting))
}

// hasDisplay: on Linux and the BSDs a browser needs X11 or Wayland; an SSH
// session without forwarding has neither.
func hasDisplay(getenv func(string) string) bool {
	switch runtime.GOOS {
	case "darwin", "windows":
		return getenv("SSH_CONNECTION") == ""
	}
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}

// loginInProcess serves the login pages from this process when no daemon
// runs, for as long as the login takes.
func loginInProcess(ctx context.Context, f *Factory, s *Settings, req ipc.LoginRequest, started func(st ipc.LoginStarted, base string)) (ipc.LoginOutcome, error) {
	var out ipc.LoginOutcome
	err := withInProcessCore(ctx, f, s, func(p *inProcess) error {
		logger, logFile, err := openLogger(f, s, true)
		if err != nil {
			return err
		}
		defer logFile.Close()
		pages, _, err := webPages(s, p.core, p.registry, i18n.NewSetting(configuredLang(f, s.Config), i18n.FromLocale(f.getenv)), logger, false)
		if err != nil {
			return err
		}
		ln, err := pages.Listen()
		if err != nil {
			return err
		}
		if msg := pages.FallbackMessage(); msg != "" {
			fmt.Fprintln(f.IO.ErrOut, msg)
		}
		serveCtx, stop := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- pages.Serve(serveCtx, ln) }()
		defer func() { stop(); <-served }()

		// As the daemon does: a known file, alias or email is a re-login;
		// anything else names the provider of a new account.
		switch st, err := daemon.Resolve(p.core.Snapshot(), req.Name); {
		case err == nil:
			req.File = st.File
		case errors.Is(err, daemon.ErrNotFound):
			req.Provider = req.Name
		default:
			_, err = resolveName(s.Lang, p.core.Snapshot(), req.Name)
			return err
		}
		st, done, err := loginsAdapter{pages}.Login(ctx, req)
		if err != nil {
			return err
		}
		started(st, pages.BaseURL())
		select {
		case out = <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Keep serving until the browser has shown the result page (or a
		// few seconds): the login ends in the callback, one request before
		// that page.
		grace := time.NewTimer(resultPageGrace)
		defer grace.Stop()
		select {
		case <-pages.ResultShown(st.FlowID):
		case <-grace.C:
		case <-ctx.Done():
		}
		return nil
	})
	return out, err
}

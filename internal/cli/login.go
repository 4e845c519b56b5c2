package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
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
	Selector  // several accounts: a batch re-login (batchlogin.go)
	Name      string
	Alias     string
	NoBrowser bool
}

// NewCmdLogin is `routecodex token-daemon login <name|provider>`.
func NewCmdLogin(f *Factory) *cobra.Command {
	opts := &LoginOptions{}
	cmd := &cobra.Command{
		Use: "login <name|provider> [--alias A] [--no-browser] | <name>… | [--all] [--provider P] [--status S,…] [--expiring [--within D]] [--health-below N]",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if len(args) == 1 && !opts.All && !opts.HasFilter() {
				opts.Name = args[0] // one account, or a new one of a provider
				return runLogin(cmd.Context(), f, opts)
			}
			if opts.IsEmpty() {
				lang, _ := f.Lang()
				return errors.New(i18n.T(lang, i18n.ErrWrongArgs, cmd.UseLine(), cmd.CommandPath()))
			}
			s, err := f.Settings()
			if err != nil {
				return err
			}
			return runBatchLogin(cmd.Context(), f, s, opts)
		},
	}
	AddSelectorFlags(cmd, &opts.Selector)
	cmd.Flags().StringVar(&opts.Alias, "alias", "", "")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "")
	return cmd
}

func runLogin(ctx context.Context, f *Factory, opts *LoginOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	// Another tool's file is logged in with that tool.
	if strings.Contains(opts.Name, "/") {
		for _, file := range sourceFiles(s, s.Config.FileOptions()) {
			if st := daemon.StateOf(file, f.Now(), 0); st.File == opts.Name && st.Source != "" {
				login := st.Login
				if login == "" {
					login = st.Source
				}
				return errors.New(i18n.T(s.Lang, i18n.LoginSourceFile, termtext.Escape(st.File), termtext.Escape(login)))
			}
		}
	}
	// The page to open must be on the daemon's own web server: its
	// address comes from the status, the page from the login answer.
	client := ipc.NewClient(s.Paths.Socket)
	var base string
	if st, err := client.Status(ctx); err == nil {
		base = st.Daemon.WebURL
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	started := func(st ipc.LoginStarted) {
		announceStarted(ctx, f, s, base, st, opts.NoBrowser, client.SubmitCode, cancel)
	}
	req := ipc.LoginRequest{Name: opts.Name, Alias: opts.Alias, NoBrowser: opts.NoBrowser}
	out, err := client.Login(ctx, req, started)
	if errors.Is(err, ipc.ErrNotRunning) {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginInProcess))
		out, err = loginInProcess(ctx, f, s, req, func(st ipc.LoginStarted, pagesBase string, submit submitFunc) {
			announceStarted(ctx, f, s, pagesBase, st, opts.NoBrowser, submit, cancel)
		})
	}
	if err != nil {
		if msg := codedLoginError(s.Lang, err); msg != "" {
			return errors.New(msg)
		}
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

// codedLoginError words a login error that has a code (the daemon's, or
// the in-process server's), "" when it has none.
func codedLoginError(lang i18n.Lang, err error) string {
	var code string
	var args []string
	var apiErr *ipc.APIError
	var coded interface{ ErrorCode() (string, []string) }
	switch {
	case errors.As(err, &apiErr):
		code, args = apiErr.Code, apiErr.Args
	case errors.As(err, &coded):
		code, args = coded.ErrorCode()
	}
	switch {
	case code == string(i18n.LoginPortTaken) && len(args) == 2:
		return i18n.T(lang, i18n.LoginPortTaken, termtext.Escape(args[0]), termtext.Escape(args[1]))
	case code == string(i18n.LoginUnknownFile) && len(args) == 1:
		return i18n.T(lang, i18n.LoginUnknownFile, termtext.Escape(args[0]))
	}
	return ""
}

// submitFunc sends a copy/paste login's code to the flow.
type submitFunc func(ctx context.Context, flowID, code string) error

// announceStarted tells the user what to do: a device login's code, a
// copy/paste login's page and prompt, or the page to open.
func announceStarted(ctx context.Context, f *Factory, s *Settings, base string, st ipc.LoginStarted, noBrowser bool, submit submitFunc, cancel func()) {
	switch {
	case st.UserCode != "" && noBrowser:
		// The code to enter elsewhere first; the local page shows it too.
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginDeviceCode, termtext.Escape(st.VerifyURL), termtext.Escape(st.UserCode)))
		announceLogin(f, s, base, st.URL, noBrowser)
	case st.AuthURL != "":
		pasteCode(ctx, f, s, st, submit, cancel)
	default:
		announceLogin(f, s, base, st.URL, noBrowser)
	}
}

// pasteCode shows the provider's page, reads the code the user pastes and
// sends it, asking again while it is not accepted; end of input cancels
// the login.
func pasteCode(ctx context.Context, f *Factory, s *Settings, st ipc.LoginStarted, submit submitFunc, cancel func()) {
	fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginPasteOpen, termtext.Escape(st.AuthURL)))
	fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginPastePrompt))
	in := bufio.NewScanner(f.IO.In)
	for in.Scan() {
		code := strings.TrimSpace(in.Text())
		if code == "" {
			continue
		}
		err := submit(ctx, st.FlowID, code)
		if err == nil {
			return
		}
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginPasteBad, termtext.Escape(err.Error())))
	}
	cancel()
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
// withLoginPages runs fn beside the in-process core with the login pages
// served from this process (no daemon), until fn returns.
func withLoginPages(ctx context.Context, f *Factory, s *Settings, fn func(p *inProcess, pages *authflow.Server) error) error {
	return withInProcessCore(ctx, f, s, func(p *inProcess) error {
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
		return fn(p, pages)
	})
}

func loginInProcess(ctx context.Context, f *Factory, s *Settings, req ipc.LoginRequest, started func(st ipc.LoginStarted, base string, submit submitFunc)) (ipc.LoginOutcome, error) {
	var out ipc.LoginOutcome
	err := withLoginPages(ctx, f, s, func(p *inProcess, pages *authflow.Server) error {

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
		started(st, pages.BaseURL(), pages.SubmitCode)
		select {
		case out = <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		// Keep serving until the browser has shown the result page (or a
		// few seconds): the login ends in the callback, one request before
		// that page.
		if st.AuthURL != "" {
			return nil // a pasted code: no page of ours shows the result
		}
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

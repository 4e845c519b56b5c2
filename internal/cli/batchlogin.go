package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/routecodex/token-daemon/internal/authflow"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/termtext"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Batch re-login (DESIGN.md section 12): `login` with selectors logs in
// every selected account one after another in one browser tab, printing a
// line per account; any account not logged in (failed or skipped) makes
// the exit code 1.

// batchFiles are the files a selection logs in: what a login can help
// (a known provider; not static, not missing). Names given are kept
// whatever they are, and said why not on their line.
func batchFiles(states []daemon.TokenState, named bool) []string {
	var files []string
	for _, st := range states {
		if named || (st.Provider != "" && st.Status != tokenfile.StatusStatic && st.Status != tokenfile.StatusMissing) {
			files = append(files, st.File)
		}
	}
	return files
}

func runBatchLogin(ctx context.Context, f *Factory, s *Settings, opts *LoginOptions) error {
	if opts.Alias != "" {
		return errors.New(i18n.T(s.Lang, i18n.ErrBatchAlias))
	}
	states, err := opts.Resolve(ctx, f, s)
	if err != nil {
		return err
	}
	files := batchFiles(states, len(opts.Names) > 0)
	if len(files) == 0 {
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.SelNoMatch))
		return err
	}
	total, bad := len(files), 0
	item := func(it ipc.BatchItem) {
		file := termtext.Escape(it.File)
		var line string
		switch {
		case it.Error == "" && it.Account != "":
			line = i18n.T(s.Lang, i18n.BatchLoginOK, file, termtext.Escape(it.Account))
		case it.Error == "":
			line = i18n.T(s.Lang, i18n.BatchLoginOKFile, file)
		case it.Skipped:
			bad++
			line = i18n.T(s.Lang, i18n.BatchLoginSkip, file)
		default:
			bad++
			line = i18n.T(s.Lang, i18n.BatchLoginFailed, file, termtext.Escape(it.Error))
		}
		fmt.Fprintln(f.IO.Out, line)
	}
	client := ipc.NewClient(s.Paths.Socket)
	var base string
	if st, err := client.Status(ctx); err == nil {
		base = st.Daemon.WebURL
	}
	started := func(st ipc.BatchStarted, base string) {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.BatchLoginOpen, st.Total))
		announceLogin(f, s, base, st.URL, opts.NoBrowser)
	}
	err = client.BatchLogin(ctx, files, func(st ipc.BatchStarted) { started(st, base) }, item)
	if errors.Is(err, ipc.ErrNotRunning) {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.LoginInProcess))
		err = batchLoginInProcess(ctx, f, s, files, started, item)
	}
	if err != nil {
		return apiErrorSentence(s.Lang, err)
	}
	if bad > 0 {
		return &ExitError{Code: ExitFailure, Err: errors.New(i18n.T(s.Lang, i18n.ErrBatchSome, bad, total))}
	}
	return nil
}

// batchLoginInProcess serves the pages from this process when no daemon
// runs, until every account is done and the browser saw the summary.
func batchLoginInProcess(ctx context.Context, f *Factory, s *Settings, files []string,
	started func(ipc.BatchStarted, string), item func(ipc.BatchItem)) error {
	return withLoginPages(ctx, f, s, func(p *inProcess, pages *authflow.Server) error {

		st, items, err := loginsAdapter{pages}.BatchLogin(ctx, files)
		if err != nil {
			return err
		}
		started(st, pages.BaseURL())
		seen := 0
		for it := range items {
			seen++
			item(it)
		}
		if seen < st.Total {
			return ctx.Err()
		}
		// Keep serving until the browser has shown the summary.
		grace := time.NewTimer(resultPageGrace)
		defer grace.Stop()
		select {
		case <-pages.BatchShown(st.ID):
		case <-grace.C:
		case <-ctx.Done():
		}
		return nil
	})
}

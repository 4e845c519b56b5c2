package cli

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/authflow"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/logging"
	"github.com/routecodex/token-daemon/internal/opener"
	"github.com/routecodex/token-daemon/internal/safefile"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// webPages builds the loopback auth server over a core. The daemon's web
// secret is new at every start and kept in <home>/run/web-secret for the
// CLI and the tray (persist); a login served by the CLI itself keeps its
// secret in memory.
func webPages(s *Settings, core authflow.Core, registry providerSet, lang *i18n.Setting, logger *slog.Logger, persist bool) (*authflow.Server, string, error) {
	secret := authflow.RandomSecret()
	if persist {
		var err error
		if secret, err = authflow.NewSecret(s.Paths.WebSecret); err != nil {
			return nil, "", err
		}
	}
	srv := authflow.New(authflow.Options{
		Core:         core,
		Providers:    registry,
		AuthDir:      s.Paths.AuthDir,
		FileOptions:  fileOptions(s, registry),
		Lang:         s.Lang,
		Ports:        s.Config.CallbackPorts,
		Secret:       secret,
		Now:          time.Now,
		Logger:       logger,
		RefreshAhead: s.Config.RefreshAhead(),
		Language:     lang,
	})
	return srv, secret, nil
}

// readWebSecret reads the running daemon's web secret (never through a
// link: the run dir is private, and a planted link is refused).
func readWebSecret(s *Settings) (string, error) {
	data, err := safefile.ReadFile(s.Paths.WebSecret, 4096)
	if err != nil {
		return "", err
	}
	secret := strings.TrimSpace(string(data))
	if secret == "" {
		return "", errors.New("empty file " + s.Paths.WebSecret)
	}
	return secret, nil
}

// openPage opens a page of the daemon's web server at base (the URL with
// the secret goes into a private redirect page, never onto a command line).
func openPage(s *Settings, base, target string) error {
	return opener.Open(s.Paths.RunDir, base, target)
}

// pageURL is a page of the auth server that carries the secret once.
func pageURL(base, secret, path string) string {
	return base + path + "?k=" + url.QueryEscape(secret)
}

// authPath is the path of the auth page of one token file.
func authPath(file string) string { return "/auth/" + url.PathEscape(file) }

// authPageURL is the auth page of one token file.
func authPageURL(base, secret, file string) string {
	return pageURL(base, secret, authPath(file))
}

// loginsAdapter lets the local API start logins on the auth server without
// ipc depending on authflow.
type loginsAdapter struct{ srv *authflow.Server }

func (a loginsAdapter) Login(ctx context.Context, req ipc.LoginRequest) (ipc.LoginStarted, <-chan ipc.LoginOutcome, error) {
	p, err := a.srv.Login(ctx, authflow.LoginRequest{File: req.File, Provider: req.Provider, Alias: req.Alias, NoBrowser: req.NoBrowser})
	if err != nil {
		return ipc.LoginStarted{}, nil, err
	}
	out := make(chan ipc.LoginOutcome, 1)
	go func() {
		select {
		case o := <-p.Done:
			res := ipc.LoginOutcome{File: o.File, Account: o.Account}
			if o.Err != nil {
				res.Error, res.Reason, res.Detail = o.Err.Error(), o.Reason, o.Detail
			}
			out <- res
		case <-ctx.Done():
		}
	}()
	return ipc.LoginStarted{FlowID: p.FlowID, URL: p.URL, File: req.File, AuthURL: p.AuthURL, UserCode: p.UserCode, VerifyURL: p.VerifyURL}, out, nil
}

// SubmitCode completes a copy/paste login (ipc.CodeSubmitter).
func (a loginsAdapter) SubmitCode(ctx context.Context, flowID, code string) error {
	return a.srv.SubmitCode(ctx, flowID, code)
}

// followEvents keeps what lives beside the core in step with it: every
// change of a token's state goes to the audit log, and a token that works
// again clears the notifier's per-token guards, so that its next failure is
// told at once.
func followEvents(ctx context.Context, core *daemon.Daemon, audit *logging.AuditLog, reset func(file string), logger *slog.Logger) {
	events, cancel := core.Subscribe()
	defer cancel()
	last := map[string]logging.AuditRecord{}
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			rec := auditRecord(ev)
			if prev, ok := last[rec.File]; !ok || !sameAudit(prev, rec) {
				last[rec.File] = rec
				if err := audit.Append(rec); err != nil {
					logger.Warn("cannot write the audit log", "err", err)
				}
			}
			switch ev.Token.Status {
			case tokenfile.StatusValid, tokenfile.StatusExpiring, tokenfile.StatusStatic:
				reset(ev.Token.File)
			}
		}
	}
}

func auditRecord(ev daemon.Event) logging.AuditRecord {
	t := ev.Token
	rec := logging.AuditRecord{At: ev.At, File: t.File, Provider: t.Provider, Status: string(t.Status),
		Reason: t.Reason, Failures: t.Failures}
	if ev.Type == daemon.EventRemoved {
		rec.Status = "removed"
	}
	if !t.ExpiresAt.IsZero() {
		at := t.ExpiresAt.UTC()
		rec.ExpiresAt = &at
	}
	if !t.LastRefreshAt.IsZero() {
		at := t.LastRefreshAt.UTC()
		rec.LastRefreshAt = &at
	}
	return rec
}

// sameAudit: nothing worth a new line changed (events also fire for
// changes the audit does not record).
func sameAudit(a, b logging.AuditRecord) bool {
	eq := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	return a.Status == b.Status && a.Reason == b.Reason && a.Failures == b.Failures &&
		eq(a.ExpiresAt, b.ExpiresAt) && eq(a.LastRefreshAt, b.LastRefreshAt)
}

// BatchLogin starts a batch re-login on the auth server for the local API.
func (a loginsAdapter) BatchLogin(ctx context.Context, files []string) (ipc.BatchStarted, <-chan ipc.BatchItem, error) {
	p, err := a.srv.BatchLogin(ctx, files)
	if err != nil {
		return ipc.BatchStarted{}, nil, err
	}
	out := make(chan ipc.BatchItem, p.Total)
	go func() {
		defer close(out)
		for it := range p.Items {
			out <- batchItemOf(it)
		}
	}()
	return ipc.BatchStarted{ID: p.ID, URL: p.URL, Total: p.Total}, out, nil
}

func batchItemOf(it authflow.BatchItem) ipc.BatchItem {
	res := ipc.BatchItem{File: it.File, Account: it.Account}
	if it.Err != nil {
		res.Skipped = errors.Is(it.Err, authflow.ErrSkipped)
		res.Error = it.Err.Error()
	}
	return res
}

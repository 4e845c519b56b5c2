package cli

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/routecodex/token-daemon/internal/authflow"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/provider"
)

// webPages builds the loopback auth server over a core, with the daemon's
// web secret (made once per home, kept in <home>/run/web-secret).
func webPages(s *Settings, core authflow.Core, registry *provider.Registry, logger *slog.Logger) (*authflow.Server, string, error) {
	secret, err := authflow.LoadOrCreateSecret(s.Paths.WebSecret)
	if err != nil {
		return nil, "", err
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
	})
	return srv, secret, nil
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
	p, err := a.srv.Login(ctx, authflow.LoginRequest{File: req.File, Provider: req.Provider, Alias: req.Alias})
	if err != nil {
		return ipc.LoginStarted{}, nil, err
	}
	out := make(chan ipc.LoginOutcome, 1)
	go func() {
		select {
		case o := <-p.Done:
			res := ipc.LoginOutcome{File: o.File, Account: o.Account}
			if o.Err != nil {
				res.Error = o.Err.Error()
			}
			out <- res
		case <-ctx.Done():
		}
	}()
	return ipc.LoginStarted{FlowID: p.FlowID, URL: p.URL, File: req.File}, out, nil
}

// resetOnRecovery clears the notifier's per-token guards when a token works
// again, so that its next failure is told at once.
func resetOnRecovery(ctx context.Context, core *daemon.Daemon, reset func(file string)) {
	events, cancel := core.Subscribe()
	defer cancel()
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			switch ev.Token.Status {
			case "valid", "expiring", "static":
				reset(ev.Token.File)
			}
		}
	}
}

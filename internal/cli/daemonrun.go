package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/authflow"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/install"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/lifecycle"
	"github.com/routecodex/token-daemon/internal/logging"
	"github.com/routecodex/token-daemon/internal/notify"
	"github.com/routecodex/token-daemon/internal/opener"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
	"github.com/routecodex/token-daemon/internal/watch"
)

// Log rotation of <home>/logs/token-daemon.log.
const (
	logMaxBytes = 5 << 20
	logKeep     = 3
)

// tokenRequestTimeout bounds one HTTP exchange with a provider, so a hung
// server is a transient failure rather than a stuck refresh slot.
const tokenRequestTimeout = 30 * time.Second

// newRegistry builds the providers from config, reading secrets from the
// environment and <auth dir>/oauth-clients.local.json.
func newRegistry(f *Factory, s *Settings) (*provider.Registry, error) {
	return provider.NewRegistry(provider.RegistryOptions{
		Settings:   s.Config.Providers,
		AuthDir:    s.Paths.AuthDir,
		Getenv:     f.getenv,
		HTTPClient: &http.Client{Timeout: tokenRequestTimeout},
		Now:        time.Now,
		Sleep:      sleepContext,
		// A test hook only: see testhold.go.
		CodexCallbackPorts: testCodexPorts(f.getenv),
	})
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// openLogger opens the daemon log; in the foreground of a terminal the log
// also goes to stderr, in the background it goes to the file only.
func openLogger(f *Factory, s *Settings, background bool) (*slog.Logger, io.Closer, error) {
	file, err := logging.OpenRotating(s.Paths.DaemonLog, logMaxBytes, logKeep)
	if err != nil {
		return nil, nil, err
	}
	var w io.Writer = file
	// Under our LaunchAgent, stderr is a file launchd never rotates: the
	// log goes to the rotated file only (a panic still reaches stderr).
	if !background && f.getenv("XPC_SERVICE_NAME") != install.Label {
		w = io.MultiWriter(file, f.IO.ErrOut)
	}
	return logging.New(w, slog.LevelInfo), file, nil
}

// runDaemon is the daemon process: single instance per home, core, watcher
// and local API, until ctx ends or a client asks it to stop.
func runDaemon(ctx context.Context, f *Factory, s *Settings, background bool) error {
	pidFile, err := lifecycle.AcquirePIDFile(s.Paths.PIDFile)
	var already *lifecycle.AlreadyRunningError
	if errors.As(err, &already) {
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.DaemonAlreadyRunning, already.PID))
		return err
	}
	if err != nil {
		return err
	}
	defer pidFile.Release()

	logger, logFile, err := openLogger(f, s, background)
	if err != nil {
		return err
	}
	defer logFile.Close()
	audit, err := logging.OpenAudit(s.Paths.AuditLog, logMaxBytes, logKeep)
	if err != nil {
		return err
	}
	defer audit.Close()

	cfg := s.Config
	// The language of notices and pages; a reload of config.json changes it.
	lang := i18n.NewSetting(configuredLang(f, cfg), i18n.FromLocale(f.getenv))
	// The notifier links to pages of the auth server, which needs the core:
	// the URLs are read when a notice is sent, after all three exist.
	var pages *authflow.Server
	var secret string
	desktop := notify.New(notify.Options{
		Lang:          lang.Default(),
		Sound:         cfg.Notification.Sound,
		ShowPopup:     cfg.Notification.ShowPopup,
		NotifySuccess: cfg.Notification.NotifySuccess,
		AuthURL:       func(file string) string { return authPageURL(pages.BaseURL(), secret, file) },
		HomeURL:       func() string { return pageURL(pages.BaseURL(), secret, "/") },
		// The page with the secret goes into a private redirect page; the
		// browser's command line shows only its path.
		OpenURL:    func(u string) error { return openPage(s, pages.BaseURL(), u) },
		Now:        time.Now,
		Logger:     logger,
		SnoozeFile: filepath.Join(s.Paths.StateDir, "token-notify.json"),
	})
	notifier := channels{desktop: desktop, hooks: newWebhooks(s, logger)}
	defer notifier.Close()
	notifier.logChannels(logger, cfg.Notification.ShowPopup)
	node, err := newClusterNode(f, s, logger)
	if err != nil {
		return err
	}
	core, registry, err := newLiveCore(f, s, logger, notifier, node.port())
	if err != nil {
		return err
	}
	node.onRole(core.ClusterChanged)
	// Redirect pages of an earlier run carry its (now replaced) secret.
	opener.Sweep(s.Paths.RunDir)
	core.SetAccessLog(auditAccesses{audit})
	reload := &reloader{f: f, s: s, log: logger, core: core, provs: registry, lang: lang, notifier: desktop, current: cfg}
	pages, secret, err = webPages(s, core, registry, lang, logger, true)
	if err != nil {
		return err
	}
	webLn, err := pages.Listen()
	if err != nil {
		return err
	}
	// A port other than the first is logged by the pages themselves.

	ctx, stop := context.WithCancel(ctx)
	defer stop()

	ln, err := ipc.Listen(s.Paths.Socket)
	if err != nil {
		return err
	}
	startedAt := time.Now()
	info := func() ipc.DaemonInfo {
		at := startedAt.UTC().Format(time.RFC3339)
		return ipc.DaemonInfo{
			Running: true, PID: os.Getpid(), AuthDir: s.Paths.AuthDir,
			StartedAt: &at, Version: f.Version, WebURL: pages.BaseURL(),
			ConfigError: reload.Err(), ConfigErrorText: reload.ErrText(), Cluster: node.info(),
		}
	}
	mountWebUI(pages, s, lang, logger, webTransfer{f: f, s: s, core: core})
	srv := ipc.NewServer(core, info, ipc.ServerOptions{
		Logger: logger, Shutdown: stop, Logins: loginsAdapter{pages},
		SetAlias: aliasSetter(s, core, logger),
	})

	leader, err := lifecycle.ClaimLeader(s.Paths.Home, os.Getpid(), startedAt)
	if err != nil {
		logger.Warn("cannot claim RouteCodex's token-manager leader file", "err", err)
	}
	defer leader.Release()

	logger.Info("token daemon starting", "pid", os.Getpid(), "authDir", s.Paths.AuthDir, "version", f.Version)

	var wg sync.WaitGroup
	errs := make(chan error, 9)
	run := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				stop()
			}
		}()
	}
	opens := newOpenCounter(s.Paths.AuthDir, logger, core)
	run("opens", func() error { opens.run(ctx); return nil })
	if node != nil {
		run("cluster", func() error { return node.run(ctx) })
	}
	run("core", func() error { return core.Run(ctx) })
	run("web", func() error { return pages.Serve(ctx, webLn) })
	run("events", func() error { followEvents(ctx, core, audit, notifier.Reset, logger); return nil })
	run("config", func() error { return reload.watch(ctx) })
	run("watch", func() error {
		return watch.Run(ctx, s.Paths.AuthDir, watch.Options{Logger: logger, Skip: watchSkip}, func(name string) {
			core.FileChanged(name)
			opens.changed()
		})
	})
	run("sources", func() error { return watchSources(ctx, s, logger, core) })
	// Answer on the socket only once the first scan is done, so that the
	// first `status` after `start` is complete.
	select {
	case <-core.Ready():
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		_ = ln.Close() // removes the socket file
	} else {
		run("api", func() error { return srv.Serve(ctx, ln) })
	}

	<-ctx.Done()
	wg.Wait()
	close(errs)
	logger.Info("token daemon stopped", "pid", os.Getpid())
	return <-errs
}

// watchSkip passes the clients file through to the core: a user who adds a
// missing client secret there should not have to restart the daemon.
func watchSkip(name string) bool {
	if name == provider.ClientsFileName {
		return false
	}
	return tokenfile.Skip(name)
}

package cli

import (
	"context"
	"log/slog"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// inProcess is a core run inside a command, for `refresh` and `login` when
// no daemon is running.
type inProcess struct {
	core     *daemon.Daemon
	registry *provider.Registry
	settings *Settings
}

// withInProcessCore runs a core without automatic refresh (so that nothing
// happens but what the user asked for) for the duration of fn. Its log goes
// to the daemon log, as a daemon's would.
func withInProcessCore(ctx context.Context, f *Factory, s *Settings, fn func(*inProcess) error) error {
	logger, logFile, err := openLogger(f, s, true)
	if err != nil {
		return err
	}
	defer logFile.Close()
	core, registry, err := newCore(f, s, logger, nil, false)
	if err != nil {
		return err
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- core.Run(runCtx) }()
	defer func() { stop(); <-done }()
	select {
	case <-core.Ready():
	case err := <-done:
		done <- err
		return err
	}
	return fn(&inProcess{core: core, registry: registry, settings: s})
}

// newCore builds the providers and a core over them. autoRefresh=false
// overrides the config: the core then refreshes only when asked.
func newCore(f *Factory, s *Settings, logger *slog.Logger, notifier daemon.Notifier, autoRefresh bool) (*daemon.Daemon, *provider.Registry, error) {
	registry, err := newRegistry(f, s)
	if err != nil {
		return nil, nil, err
	}
	cfg := s.CoreConfig()
	cfg.FileOptions = fileOptions(s, registry)
	cfg.AutoRefresh = cfg.AutoRefresh && autoRefresh
	cfg.RequestTimeout = tokenRequestTimeout
	core, err := daemon.New(cfg, daemon.Deps{
		Clock:       daemon.SystemClock(),
		Providers:   registry,
		Sources:     coreSources(s, cfg.FileOptions),
		Notifier:    notifier,
		Logger:      logger,
		AfterAnswer: testHoldAfterAnswer(f.getenv),
	})
	if err != nil {
		return nil, nil, err
	}
	return core, registry, nil
}

// fileOptions are the file model's options: aliases from config, and the
// configured generic providers as the registry knows them.
func fileOptions(s *Settings, registry providerSet) tokenfile.Options {
	opts := s.Config.FileOptions()
	opts.Generic = registry.Generic()
	opts.HandedOff = handedOff(s) // export --handoff: read-only here
	return opts
}

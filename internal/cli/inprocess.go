package cli

import (
	"context"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
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
	registry, err := newRegistry(f, s)
	if err != nil {
		return err
	}
	cfg := s.CoreConfig()
	cfg.FileOptions.Generic = registry.Generic()
	cfg.AutoRefresh = false
	core, err := daemon.New(cfg, daemon.Deps{Clock: daemon.SystemClock(), Providers: registry, Logger: logger})
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

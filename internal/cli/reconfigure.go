package cli

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/notify"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/watch"
)

// providerSet is what the daemon's parts need of the provider registry.
type providerSet interface {
	Get(name string) (provider.Provider, bool)
	Names() []string
	Generic() map[string]string
}

// liveProviders is the registry of a running daemon, replaced whole when
// config.json changes (a client id or secret fixed there).
type liveProviders struct {
	p atomic.Pointer[provider.Registry]
}

func newLiveProviders(r *provider.Registry) *liveProviders {
	l := &liveProviders{}
	l.p.Store(r)
	return l
}

func (l *liveProviders) Get(name string) (provider.Provider, bool) { return l.p.Load().Get(name) }
func (l *liveProviders) Names() []string                           { return l.p.Load().Names() }
func (l *liveProviders) Generic() map[string]string                { return l.p.Load().Generic() }

// newLiveCore is newCore for the daemon process: its providers can be
// replaced by a reload of config.json.
func newLiveCore(f *Factory, s *Settings, logger *slog.Logger, notifier daemon.Notifier, cluster daemon.Cluster) (*daemon.Daemon, *liveProviders, error) {
	registry, err := newRegistry(f, s)
	if err != nil {
		return nil, nil, err
	}
	live := newLiveProviders(registry)
	cfg := s.CoreConfig()
	cfg.FileOptions = fileOptions(s, registry)
	// As newCore: a request already sent is waited for this long at
	// shutdown, and the kill test's hold after an answer.
	cfg.RequestTimeout = tokenRequestTimeout
	core, err := daemon.New(cfg, daemon.Deps{
		Clock: daemon.SystemClock(), Providers: live, Notifier: notifier, Logger: logger,
		Sources:     coreSources(s, cfg.FileOptions),
		AfterAnswer: testHoldAfterAnswer(f.getenv), Cluster: cluster,
	})
	if err != nil {
		return nil, nil, err
	}
	return core, live, nil
}

// configuredLang is the language the user chose (--lang, else
// tokenDaemon.language), "" when none: then pages follow the browser.
func configuredLang(f *Factory, cfg *config.TokenDaemon) i18n.Lang {
	if f.LangFlag != "" {
		if l, err := i18n.Parse(f.LangFlag); err == nil {
			return l
		}
	}
	return cfg.Language
}

// reloader applies edits of config.json to the running daemon: aliases,
// language, notification and refresh settings, provider credentials. An
// edit that does not load keeps the running configuration; the log and
// `status` say why.
type reloader struct {
	f        *Factory
	s        *Settings
	log      *slog.Logger
	core     *daemon.Daemon
	provs    *liveProviders
	lang     *i18n.Setting
	notifier *notify.Desktop

	mu      sync.Mutex
	current *config.TokenDaemon
	lastErr error
}

// Err is why the last edit was not applied ("" when it was), in English.
func (r *reloader) Err() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastErr == nil {
		return ""
	}
	return r.lastErr.Error()
}

// ErrText is Err in each language, so that a client shows it in its own
// language and not in the daemon's.
func (r *reloader) ErrText() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastErr == nil {
		return nil
	}
	out := make(map[string]string, len(i18n.Langs))
	for _, lang := range i18n.Langs {
		out[string(lang)] = errorText(lang, r.lastErr)
	}
	return out
}

// errorText words err in lang where it knows how (a config error).
func errorText(lang i18n.Lang, err error) string {
	var ce *config.Error
	if errors.As(err, &ce) {
		return ce.Text(lang)
	}
	return err.Error()
}

// watch follows config.json until ctx ends.
func (r *reloader) watch(ctx context.Context) error {
	path := r.s.Paths.Config
	base := filepath.Base(path)
	return watch.Run(ctx, filepath.Dir(path), watch.Options{
		Logger: r.log,
		Skip:   func(name string) bool { return name != base },
	}, func(name string) {
		if name == base || name == "" {
			r.reload()
		}
	})
}

// reload reads config.json again and applies what changed.
func (r *reloader) reload() {
	cfg, err := config.Load(r.s.Paths.Config)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.lastErr = err
		r.log.Warn("config.json edited but not applied; keeping the running configuration", "config", r.s.Paths.Config, "err", err)
		return
	}
	if r.lastErr != nil {
		r.log.Info("config.json loads again", "config", r.s.Paths.Config)
	}
	r.lastErr = nil
	if reflect.DeepEqual(cfg, r.current) {
		return // touched, or our own alias write already applied
	}
	next := *r.s
	next.Config = cfg
	registry, err := newRegistry(r.f, &next)
	if err != nil {
		r.lastErr = err
		r.log.Warn("config.json edited but not applied; keeping the running configuration", "config", r.s.Paths.Config, "err", err)
		return
	}
	var restart []string
	old := r.current
	if cfg.AuthDir != old.AuthDir {
		restart = append(restart, "authDir")
	}
	if !reflect.DeepEqual(cfg.CallbackPorts, old.CallbackPorts) {
		restart = append(restart, "callbackPorts")
	}
	if cfg.Tray != old.Tray {
		restart = append(restart, "tray")
	}
	if !reflect.DeepEqual(cfg.Cluster, old.Cluster) {
		restart = append(restart, "cluster") // the node keeps its session until a restart
	}
	if !reflect.DeepEqual(cfg.Sources, old.Sources) {
		restart = append(restart, "sources") // the watchers and the core's port are set up at start
	}
	r.provs.p.Store(registry)
	core := next.CoreConfig()
	core.FileOptions = fileOptions(&next, registry)
	core.AuthDir = r.s.Paths.AuthDir // the watched dir stays until a restart
	restart = append(restart, r.core.Reconfigure(core)...)
	lang := configuredLang(r.f, cfg)
	r.lang.Set(lang, i18n.FromLocale(r.f.getenv))
	r.notifier.Reconfigure(notify.Settings{
		Lang: r.lang.Default(), Sound: cfg.Notification.Sound,
		ShowPopup: cfg.Notification.ShowPopup, NotifySuccess: cfg.Notification.NotifySuccess,
	})
	r.current = cfg
	r.log.Info("config.json reloaded", "config", r.s.Paths.Config, "language", lang,
		"refreshAhead", cfg.RefreshAhead(), "autoRefresh", cfg.AutoRefresh.Enabled, "aliases", len(cfg.Aliases))
	if len(restart) > 0 {
		r.log.Warn("some changed settings take effect only after a restart (routecodex token-daemon stop, then start)", "settings", restart)
	}
}

// configErrorLine is the line `status` shows when an edit of config.json
// was not applied.
func configErrorLine(lang i18n.Lang, why string) string {
	return i18n.T(lang, i18n.ConfigReloadFailed, why)
}

// statusDespiteConfig is `status` when config.json does not load: a
// running daemon answers with the configuration it runs with and the
// reason the edit was not applied; without one, the config error stands.
func statusDespiteConfig(ctx context.Context, f *Factory, opts *StatusOptions, cfgErr error) error {
	if f.DaemonStatus == nil {
		return cfgErr
	}
	lang, _ := f.Lang()
	st, err := f.DaemonStatus(ctx, config.PathsFor(config.Home(f.Env)))
	if err != nil {
		return cfgErr
	}
	// Our own reading of config.json is as fresh as the daemon's, or
	// fresher (edited a moment ago), and is worded in our language.
	st.Daemon.ConfigError = cfgErr.Error()
	st.Daemon.ConfigErrorText = map[string]string{string(lang): errorText(lang, cfgErr)}
	if opts.JSON {
		return writeJSON(f, st)
	}
	return writeStatus(f, lang, st)
}

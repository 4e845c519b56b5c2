// Package cli holds the cobra commands of the routecodex binary and is the
// only place that wires the packages together. Each command is an options
// struct plus a run function, writing to injected IOStreams so that tests
// run it in memory.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/sources"
	"github.com/routecodex/token-daemon/internal/watch"
)

// IOStreams are a command's standard streams.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
}

// Version is the binary's version, set at build time with
// -ldflags "-X github.com/routecodex/token-daemon/internal/cli.Version=…".
var Version = "dev"

// StatusSource asks a running daemon for its status. It returns
// ErrDaemonNotRunning when no daemon answers on the socket, so that
// `status` falls back to reading the files itself.
type StatusSource func(ctx context.Context, p config.Paths) (*ipc.Status, error)

// ErrDaemonNotRunning means no daemon answers for this home.
var ErrDaemonNotRunning = errors.New("token daemon is not running")

// Factory carries what commands share: streams, environment, clock and the
// global flags, and loads the configuration once, on first use.
type Factory struct {
	IO       IOStreams
	Env      config.Env
	Now      func() time.Time
	Location *time.Location // for times on screen; nil means time.Local
	Version  string
	// DaemonStatus is asked first by `status`; nil means no daemon client
	// (the files are read directly).
	DaemonStatus StatusSource
	// DaemonJSON asks a running daemon for `status --json` ("status") or
	// an unfiltered `list --json` ("list") ready to print, encoded by the
	// daemon in that layout; nil means no daemon client. Errors as
	// DaemonStatus.
	DaemonJSON func(ctx context.Context, p config.Paths, what string) ([]byte, error)

	// Global flags, bound by NewRootCmd.
	ConfigFlag string
	LangFlag   string

	settings *Settings
}

// Settings are the resolved paths, configuration and language.
type Settings struct {
	Paths  config.Paths
	Config *config.TokenDaemon
	Lang   i18n.Lang
	// Sources are tokenDaemon.sources, resolved (sources.go).
	Sources []sources.Source
}

// NewFactory is the Factory of the real process.
func NewFactory() *Factory {
	return &Factory{
		IO:       IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr},
		Env:      config.OSEnv(),
		Now:      time.Now,
		Location: time.Local,
		Version:  Version,
		DaemonStatus: func(ctx context.Context, p config.Paths) (*ipc.Status, error) {
			st, err := ipc.NewClient(p.Socket).Status(ctx)
			if errors.Is(err, ipc.ErrNotRunning) {
				return nil, ErrDaemonNotRunning
			}
			if err != nil {
				return nil, err
			}
			return &st, nil
		},
		DaemonJSON: func(ctx context.Context, p config.Paths, what string) ([]byte, error) {
			c := ipc.NewClient(p.Socket)
			get := c.StatusJSON
			if what == "list" {
				get = c.ListJSON
			}
			b, err := get(ctx)
			if errors.Is(err, ipc.ErrNotRunning) {
				return nil, ErrDaemonNotRunning
			}
			return b, err
		},
	}
}

// Settings resolves paths, loads config.json and picks the language, once.
func (f *Factory) Settings() (*Settings, error) {
	if f.settings != nil {
		return f.settings, nil
	}
	lang, err := f.Lang()
	if err != nil {
		return nil, err
	}
	paths, cfg, err := config.Resolve(f.Env, f.ConfigFlag)
	var cfgErr *config.Error
	if errors.As(err, &cfgErr) {
		return nil, &wordedError{msg: cfgErr.Text(lang), err: err} // in the user's language
	}
	if err != nil {
		return nil, err
	}
	if f.LangFlag == "" && cfg.Language != "" {
		lang = cfg.Language
	}
	if err := config.CheckPrivate(paths); err != nil {
		return nil, localAccessError(lang, err)
	}
	f.settings = &Settings{Paths: paths, Config: cfg, Lang: lang, Sources: config.ResolveSources(f.Env, paths.Config, cfg)}
	return f.settings, nil
}

// Lang is the language before config.json is read (the --lang flag, else
// the locale), for messages about config.json itself.
func (f *Factory) Lang() (i18n.Lang, error) {
	if f.settings != nil {
		return f.settings.Lang, nil
	}
	if f.LangFlag != "" {
		l, err := i18n.Parse(f.LangFlag)
		if err != nil {
			return i18n.FromLocale(f.getenv), errors.New(i18n.T(i18n.FromLocale(f.getenv), i18n.ErrBadLang, f.LangFlag))
		}
		return l, nil
	}
	return i18n.FromLocale(f.getenv), nil
}

func (f *Factory) getenv(k string) string {
	if f.Env.Getenv == nil {
		return ""
	}
	return f.Env.Getenv(k)
}

func (f *Factory) location() *time.Location {
	if f.Location == nil {
		return time.Local
	}
	return f.Location
}

// ExitError ends the process with Code. With a nil Err the command has
// already said everything (e.g. `status` when the daemon is not running,
// exit 3); otherwise main prints Err as one sentence.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Exit codes.
const (
	ExitFailure    = 1 // any error
	ExitNotRunning = 3 // `status`: the daemon is not running
)

// CoreConfig is the daemon core's configuration from these settings.
func (s *Settings) CoreConfig() daemon.Config {
	c := s.Config
	return daemon.Config{
		AuthDir:        s.Paths.AuthDir,
		StatePath:      s.Paths.StateFile,
		RefreshAhead:   c.RefreshAhead(),
		CheckInterval:  time.Duration(c.CheckIntervalSeconds) * time.Second,
		AutoRefresh:    c.AutoRefresh.Enabled,
		RetryOnFailure: c.AutoRefresh.RetryOnFailure,
		MaxRetries:     c.AutoRefresh.MaxRetries,
		MaxConcurrent:  c.MaxConcurrentRefreshes,
		PerProvider:    4, // DESIGN.md section 4
		FileOptions:    c.FileOptions(),
		NotifySuccess:  c.Notification.NotifySuccess,
		Quiet:          watch.DefaultDebounce, // a half-written file waits as long as a burst
	}
}

// wordedError is err as the user reads it (in their language), still
// matching errors.As and errors.Is on err.
type wordedError struct {
	msg string
	err error
}

func (e *wordedError) Error() string { return e.msg }
func (e *wordedError) Unwrap() error { return e.err }

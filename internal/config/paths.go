// Package config finds the token daemon's files (DESIGN.md section 1) and
// reads the tokenDaemon block of RouteCodex's config.json (section 2). It
// never writes config.json.
package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/routecodex/token-daemon/internal/safefile"
)

// Env is what path resolution reads from the process: the environment and
// the user's home directory. Tests build one by hand so that nothing ever
// reads the real home.
type Env struct {
	Getenv   func(string) string
	UserHome string // the user's home directory ("" when unknown)
}

// OSEnv is the environment of this process.
func OSEnv() Env {
	home, _ := os.UserHomeDir() // "" when unknown: ROUTECODEX_HOME must then be set
	return Env{Getenv: os.Getenv, UserHome: home}
}

func (e Env) get(name string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(name)
}

// Environment variables that move the daemon's files.
const (
	EnvHome       = "ROUTECODEX_HOME"
	EnvAuthDir    = "ROUTECODEX_AUTH_DIR"
	EnvRCCAuthDir = "RCC_AUTH_DIR"
	EnvConfig     = "ROUTECODEX_CONFIG"
)

// Paths are the daemon's files for one home.
type Paths struct {
	Home    string // ROUTECODEX_HOME, else ~/.routecodex
	Config  string // --config, else ROUTECODEX_CONFIG, else <home>/config.json
	AuthDir string // see AuthDir
	// AuthDirFrom says where AuthDir came from, for messages: "env
	// ROUTECODEX_AUTH_DIR", "env RCC_AUTH_DIR", "config tokenDaemon.authDir",
	// "default location" or
	// "~/.rcc/auth".
	AuthDirFrom string

	RunDir    string // <home>/run (0700)
	Socket    string // <home>/run/token-daemon.sock
	PIDFile   string // <home>/run/token-daemon.pid
	WebSecret string // <home>/run/web-secret
	LogDir    string // <home>/logs
	DaemonLog string // <home>/logs/token-daemon.log
	AuditLog  string // <home>/logs/token-audit.jsonl
	StateDir  string // <home>/state
	StateFile string // <home>/state/token-daemon.json
}

// Home is ROUTECODEX_HOME, else ~/.routecodex.
func Home(env Env) string {
	if h := env.get(EnvHome); h != "" {
		return expandHome(env, h)
	}
	return filepath.Join(env.UserHome, ".routecodex")
}

// ConfigPath is the --config flag value, else ROUTECODEX_CONFIG, else
// <home>/config.json.
func ConfigPath(env Env, flag string) string {
	if flag != "" {
		return expandHome(env, flag)
	}
	if p := env.get(EnvConfig); p != "" {
		return expandHome(env, p)
	}
	return filepath.Join(Home(env), "config.json")
}

// AuthDir resolves the auth dir, first match wins: ROUTECODEX_AUTH_DIR,
// RCC_AUTH_DIR, the config's authDir (relative to the config file's
// directory), <home>/auth; and when that does not exist but ~/.rcc/auth
// (newer RouteCodex) does, ~/.rcc/auth. It returns the dir and where it
// came from.
func AuthDir(env Env, configPath string, cfg *TokenDaemon) (dir, from string) {
	if d := env.get(EnvAuthDir); d != "" {
		return expandHome(env, d), "env " + EnvAuthDir
	}
	if d := env.get(EnvRCCAuthDir); d != "" {
		return expandHome(env, d), "env " + EnvRCCAuthDir
	}
	if cfg != nil && cfg.AuthDir != "" {
		d := expandHome(env, cfg.AuthDir)
		if !filepath.IsAbs(d) {
			d = filepath.Join(filepath.Dir(configPath), d)
		}
		return d, "config tokenDaemon.authDir"
	}
	def := filepath.Join(Home(env), "auth")
	if _, err := os.Stat(def); err != nil && os.IsNotExist(err) && env.UserHome != "" {
		rcc := filepath.Join(env.UserHome, ".rcc", "auth")
		if fi, err := os.Stat(rcc); err == nil && fi.IsDir() {
			return rcc, "~/.rcc/auth"
		}
	}
	return def, AuthDirDefault
}

// AuthDirDefault is the AuthDirFrom of <home>/auth, the default location.
const AuthDirDefault = "default location"

// Resolve finds the config file, loads it and resolves every path. The
// configFlag is the --config value ("" when not given). On a config error
// the returned Paths still hold Home and Config.
func Resolve(env Env, configFlag string) (Paths, *TokenDaemon, error) {
	home := Home(env)
	p := PathsFor(home)
	p.Config = ConfigPath(env, configFlag)
	// A file the user named (--config, ROUTECODEX_CONFIG) must be there:
	// silently running on the defaults would hide a typo in the path.
	if configFlag != "" || env.get(EnvConfig) != "" {
		if _, err := os.Stat(p.Config); errors.Is(err, fs.ErrNotExist) {
			return p, nil, newError(p.Config, "", "the config file given by --config or ROUTECODEX_CONFIG does not exist")
		}
	}
	cfg, err := Load(p.Config)
	if err != nil {
		return p, nil, err
	}
	p.AuthDir, p.AuthDirFrom = AuthDir(env, p.Config, cfg)
	if err := CheckSources(env, p.Config, p.AuthDir, cfg); err != nil {
		return p, nil, err
	}
	return p, cfg, nil
}

// PathsFor fills the files that live under home (not Config or AuthDir).
func PathsFor(home string) Paths {
	run := filepath.Join(home, "run")
	logs := filepath.Join(home, "logs")
	state := filepath.Join(home, "state")
	return Paths{
		Home:      home,
		RunDir:    run,
		Socket:    filepath.Join(run, "token-daemon.sock"),
		PIDFile:   filepath.Join(run, "token-daemon.pid"),
		WebSecret: filepath.Join(run, "web-secret"),
		LogDir:    logs,
		DaemonLog: filepath.Join(logs, "token-daemon.log"),
		AuditLog:  filepath.Join(logs, "token-audit.jsonl"),
		StateDir:  state,
		StateFile: filepath.Join(state, "token-daemon.json"),
	}
}

// expandHome replaces a leading "~/" (or a lone "~") by the user's home, as
// a shell would; values in env vars and config.json are often written so.
func expandHome(env Env, p string) string {
	if env.UserHome == "" {
		return p
	}
	if p == "~" {
		return env.UserHome
	}
	if strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		return filepath.Join(env.UserHome, p[2:])
	}
	return p
}

// CheckPrivate refuses a home, run dir or pid file that another user owns
// or could write to (DESIGN.md section 10): whoever controls them could
// plant a pid file naming a process of ours, a link that makes us truncate
// a file, or a web secret. The home may be a symbolic link (judged by its
// target); the run dir and the pid file may not. Missing ones are fine:
// they are made private when created. The error is a *safefile.UnsafeError.
func CheckPrivate(p Paths) error {
	if err := safefile.Check(p.Home, true); err != nil {
		return err
	}
	if err := safefile.Check(p.RunDir, false); err != nil {
		return err
	}
	return safefile.Check(p.PIDFile, false)
}

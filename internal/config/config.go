package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Accepted ranges, chosen so that a typo cannot make the daemon hammer a
// provider or sleep through an expiry:
//
//	refreshAheadMinutes     1..1440  (a minute to a day ahead of expiry)
//	checkIntervalSeconds    5..3600  (the safety-net tick)
//	autoRefresh.maxRetries  0..10    (backoff doubles from 30 s; 10 is ~8.5 h)
//	maxConcurrentRefreshes  1..64
//	callbackPorts           1..100 distinct ports, each 1024..65535
//	                        (unprivileged, so the daemon can bind them)
const (
	minRefreshAhead, maxRefreshAhead   = 1, 1440
	minCheckInterval, maxCheckInterval = 5, 3600
	minRetries, maxRetries             = 0, 10
	minConcurrent, maxConcurrent       = 1, 64
	minPort, maxPort                   = 1024, 65535
	maxCallbackPorts                   = 100
)

// TokenDaemon is the tokenDaemon block of config.json, defaults filled.
type TokenDaemon struct {
	Enabled              bool
	RefreshAheadMinutes  int // default 30
	CheckIntervalSeconds int // default 60
	Notification         Notification
	AutoRefresh          AutoRefresh
	// AuthDir as written ("" when not set); a relative dir is relative to
	// the config file's directory, "~/" is the user's home.
	AuthDir string
	// Language is "" when not set: the locale decides (see Language).
	Language i18n.Lang
	// CallbackPorts for the local web server, default 38421..38430.
	CallbackPorts []int
	// Aliases maps a file name (with .json; added when written without)
	// to an alias.
	Aliases map[string]string
	// Providers are the per-provider overrides and generic providers,
	// validated by provider.Settings.Validate.
	Providers map[string]provider.Settings
	// Tray is "auto", "on" or "off" (default "auto").
	Tray                   string
	MaxConcurrentRefreshes int      // default 8
	ServerCommand          []string // default ["rcc", "start"]
	// Cluster is tokenDaemon.cluster (DESIGN.md section 16); nil without
	// it: a single host, nothing changes.
	Cluster *Cluster
	// Sources are other tools' token files kept beside the auth dir
	// (sources.go); none by default.
	Sources []Source
}

// Notification is tokenDaemon.notification.
type Notification struct {
	ShowPopup bool // default true
	Sound     bool // default true
	// NotifySuccess (an extension, default false) also tells the user
	// after each automatic refresh that succeeded; off by default because
	// a routine success is noise.
	NotifySuccess bool
	// Webhooks also receive the notices (headless alerts; webhooks.go).
	Webhooks []Webhook
}

// AutoRefresh is tokenDaemon.autoRefresh.
type AutoRefresh struct {
	Enabled        bool // default true
	RetryOnFailure bool // default true
	MaxRetries     int  // default 3
}

// Default returns the configuration used when config.json or its
// tokenDaemon block is absent.
func Default() *TokenDaemon {
	ports := make([]int, 0, 10)
	for p := 38421; p <= 38430; p++ {
		ports = append(ports, p)
	}
	return &TokenDaemon{
		Enabled:                true,
		RefreshAheadMinutes:    30,
		CheckIntervalSeconds:   60,
		Notification:           Notification{ShowPopup: true, Sound: true},
		AutoRefresh:            AutoRefresh{Enabled: true, RetryOnFailure: true, MaxRetries: 3},
		CallbackPorts:          ports,
		Aliases:                map[string]string{},
		Providers:              map[string]provider.Settings{},
		Tray:                   "auto",
		MaxConcurrentRefreshes: 8,
		ServerCommand:          []string{"rcc", "start"},
	}
}

// RefreshAhead is refreshAheadMinutes as a duration.
func (c *TokenDaemon) RefreshAhead() time.Duration {
	return time.Duration(c.RefreshAheadMinutes) * time.Minute
}

// BuiltinProviders are the providers the daemon knows without config.
var BuiltinProviders = []string{
	tokenfile.ProviderAntigravity, tokenfile.ProviderClaude, tokenfile.ProviderCodex,
	tokenfile.ProviderGeminiCLI, tokenfile.ProviderIFlow, tokenfile.ProviderQwen,
}

func isBuiltin(name string) bool {
	for _, b := range BuiltinProviders {
		if b == name {
			return true
		}
	}
	return false
}

// KnownProviders lists the built-in and configured provider names, sorted.
func (c *TokenDaemon) KnownProviders() []string {
	names := append([]string(nil), BuiltinProviders...)
	for n := range c.Providers {
		if !isBuiltin(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// FileOptions is what the token file model needs from the configuration.
func (c *TokenDaemon) FileOptions() tokenfile.Options {
	opts := tokenfile.Options{Generic: map[string]string{}, Aliases: map[string]string{}}
	for name, s := range c.Providers {
		if !isBuiltin(name) {
			opts.Generic[name] = s.FilePrefix
		}
	}
	for k, v := range c.Aliases {
		opts.Aliases[k] = v
	}
	return opts
}

// Language picks the language: the --lang flag, else the config's
// language, else the locale (LC_ALL, LC_MESSAGES, LANG: zh* gives zh).
// cfg may be nil (config not loaded).
func Language(env Env, cfg *TokenDaemon, flag string) (i18n.Lang, error) {
	if flag != "" {
		l, err := i18n.Parse(flag)
		if err != nil {
			return "", fmt.Errorf("--lang: %w", err)
		}
		return l, nil
	}
	if cfg != nil && cfg.Language != "" {
		return cfg.Language, nil
	}
	return i18n.FromLocale(env.get), nil
}

// Load reads the tokenDaemon block of the config file at path. A missing
// file gives the defaults; anything wrong in it is one *Error.
func Load(path string) (*TokenDaemon, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse reads the tokenDaemon block of config data; path names the file in
// errors. Keys outside tokenDaemon belong to RouteCodex and are ignored.
func Parse(path string, data []byte) (*TokenDaemon, error) {
	var top any
	if err := json.Unmarshal(data, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			return nil, notJSON(path, line, col, se.Error())
		}
		return nil, notJSON(path, 0, 0, err.Error())
	}
	root, ok := top.(map[string]any)
	if !ok {
		return nil, newError(path, "", "must hold a JSON object")
	}
	cfg := Default()
	if _, ok := root["tokenDaemon"]; !ok {
		return cfg, nil
	}
	var rawRoot map[string]json.RawMessage
	if err := json.Unmarshal(data, &rawRoot); err != nil {
		return nil, notJSON(path, 0, 0, err.Error())
	}
	d := &decoder{file: path}
	if err := d.tokenDaemon(rawRoot["tokenDaemon"], cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	if offset > 0 && col > 1 {
		col-- // the decoder's offset is just past the bad byte
	}
	return line, col
}

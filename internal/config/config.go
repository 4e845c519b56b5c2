package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
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
	tokenfile.ProviderAntigravity, tokenfile.ProviderGeminiCLI,
	tokenfile.ProviderIFlow, tokenfile.ProviderQwen,
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

// Error is a problem with config.json. Its message names the file and
// either the key path ("tokenDaemon.refreshAheadMinutes") or, for a file
// that is not JSON, the line and column.
type Error struct {
	File   string
	Key    string // key path; "" for a syntax error
	Line   int    // 1-based line of a syntax error, else 0
	Column int
	Msg    string // the problem in English
	// What is the catalog key of the problem and Args its arguments, so
	// that Text words it in another language; "" when the catalogs do not
	// have it (Msg is then shown as it is).
	What i18n.Key
	Args []any
}

func (e *Error) Error() string { return e.Text(i18n.EN) }

// Text is the message in lang. English is Msg as it is (with any
// decoder's detail); another language words What from the catalogs and
// leaves such English details out.
func (e *Error) Text(lang i18n.Lang) string {
	problem := e.Msg
	if lang != i18n.EN && e.What != "" {
		if _, ok := i18n.Lookup(lang, e.What); ok {
			args := make([]any, len(e.Args))
			for i, a := range e.Args {
				args[i] = a
				if s, ok := a.(string); ok {
					if w, ok := i18n.Lookup(lang, msgKey(s)); ok {
						args[i] = w // "port numbers" in "must be an array of %s"
					}
				}
			}
			problem = i18n.T(lang, e.What, args...)
		}
	}
	switch {
	case e.Key != "":
		return i18n.T(lang, i18n.CfgAt, e.File, e.Key, problem)
	case e.Line > 0:
		return i18n.T(lang, i18n.CfgAtLine, e.File, e.Line, e.Column, problem)
	default:
		return i18n.T(lang, i18n.CfgInFile, e.File, problem)
	}
}

// msgKey is the catalog key of an English message format, gettext style
// ("config: must be true or false"), so that every d.fail format, in any
// file of this package, is worded by adding it to internal/i18n/config.go.
func msgKey(format string) i18n.Key { return i18n.Key("config: " + format) }

// newError is the *Error of an English message format and its arguments.
func newError(file, key, format string, args ...any) *Error {
	return &Error{File: file, Key: key, Msg: fmt.Sprintf(format, args...), What: msgKey(format), Args: args}
}

// notJSON is the *Error of data that does not decode, with the decoder's
// English detail.
func notJSON(file string, line, col int, detail string) *Error {
	return &Error{File: file, Line: line, Column: col, Msg: "not valid JSON: " + detail, What: msgKey("not valid JSON")}
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

type decoder struct{ file string }

func (d *decoder) fail(key, format string, args ...any) error {
	return newError(d.file, key, format, args...)
}

// member is one key of a JSON object, in document order.
type member struct {
	key string
	raw json.RawMessage
}

// object reads raw as a JSON object, in document order; a repeated key is
// an error because which one wins would be a guess.
func (d *decoder) object(path string, raw json.RawMessage) ([]member, error) {
	if !isKind(raw, '{') {
		return nil, d.fail(path, "must be an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, d.fail(path, "must be an object")
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, d.fail(path, "must be an object")
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, d.fail(path, "must be an object")
		}
		if seen[key] {
			return nil, d.fail(join(path, key), "is given twice")
		}
		seen[key] = true
		out = append(out, member{key, v})
	}
	return out, nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// join extends a key path: a.b, or a["file.json"] for keys that are not
// plain identifiers.
func join(path, key string) string {
	if identRE.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func isKind(raw json.RawMessage, first byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == first
}

func (d *decoder) tokenDaemon(raw json.RawMessage, cfg *TokenDaemon) error {
	const p = "tokenDaemon"
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil // written as null: the defaults
	}
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		var err error
		switch m.key {
		case "enabled":
			cfg.Enabled, err = d.boolean(key, m.raw)
		case "refreshAheadMinutes":
			cfg.RefreshAheadMinutes, err = d.whole(key, m.raw, minRefreshAhead, maxRefreshAhead)
		case "checkIntervalSeconds":
			cfg.CheckIntervalSeconds, err = d.whole(key, m.raw, minCheckInterval, maxCheckInterval)
		case "notification":
			err = d.notification(key, m.raw, &cfg.Notification)
		case "autoRefresh":
			err = d.autoRefresh(key, m.raw, &cfg.AutoRefresh)
		case "authDir":
			cfg.AuthDir, err = d.nonEmptyString(key, m.raw)
		case "language":
			var s string
			s, err = d.oneOf(key, m.raw, "zh", "en")
			cfg.Language = i18n.Lang(s)
		case "callbackPorts":
			cfg.CallbackPorts, err = d.ports(key, m.raw)
		case "aliases":
			cfg.Aliases, err = d.aliases(key, m.raw)
		case "providers":
			cfg.Providers, err = d.providers(key, m.raw)
		case "tray":
			cfg.Tray, err = d.oneOf(key, m.raw, "auto", "on", "off")
		case "maxConcurrentRefreshes":
			cfg.MaxConcurrentRefreshes, err = d.whole(key, m.raw, minConcurrent, maxConcurrent)
		case "serverCommand":
			cfg.ServerCommand, err = d.command(key, m.raw)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) unknown(key string) error {
	return d.fail(key, "unknown key (check its spelling)")
}

func (d *decoder) notification(p string, raw json.RawMessage, n *Notification) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "showPopup":
			n.ShowPopup, err = d.boolean(key, m.raw)
		case "sound":
			n.Sound, err = d.boolean(key, m.raw)
		case "notifySuccess":
			n.NotifySuccess, err = d.boolean(key, m.raw)
		case "webhooks":
			n.Webhooks, err = d.webhooks(key, m.raw)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) autoRefresh(p string, raw json.RawMessage, a *AutoRefresh) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "enabled":
			a.Enabled, err = d.boolean(key, m.raw)
		case "retryOnFailure":
			a.RetryOnFailure, err = d.boolean(key, m.raw)
		case "maxRetries":
			a.MaxRetries, err = d.whole(key, m.raw, minRetries, maxRetries)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) boolean(key string, raw json.RawMessage) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, d.fail(key, "must be true or false")
}

// whole reads a whole number in [lo, hi]; 30.0 is accepted, 30.5 and "30"
// are not.
func (d *decoder) whole(key string, raw json.RawMessage, lo, hi int) (int, error) {
	bad := d.fail(key, "must be a whole number from %d to %d", lo, hi)
	var f float64
	if !isNumber(raw) || json.Unmarshal(raw, &f) != nil {
		return 0, bad
	}
	if f != float64(int64(f)) || f < float64(lo) || f > float64(hi) {
		return 0, bad
	}
	return int(f), nil
}

func isNumber(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9'))
}

func (d *decoder) str(key string, raw json.RawMessage) (string, error) {
	var s string
	if !isKind(raw, '"') || json.Unmarshal(raw, &s) != nil {
		return "", d.fail(key, "must be a string")
	}
	return s, nil
}

func (d *decoder) nonEmptyString(key string, raw json.RawMessage) (string, error) {
	s, err := d.str(key, raw)
	if err == nil && strings.TrimSpace(s) == "" {
		err = d.fail(key, "must be a non-empty string")
	}
	return s, err
}

func (d *decoder) oneOf(key string, raw json.RawMessage, values ...string) (string, error) {
	s, err := d.str(key, raw)
	for _, v := range values {
		if err == nil && s == v {
			return s, nil
		}
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return "", d.fail(key, "must be one of %s", strings.Join(quoted, ", "))
}

func (d *decoder) array(key string, raw json.RawMessage, what string) ([]json.RawMessage, error) {
	var items []json.RawMessage
	if !isKind(raw, '[') || json.Unmarshal(raw, &items) != nil {
		return nil, d.fail(key, "must be an array of %s", what)
	}
	return items, nil
}

func (d *decoder) ports(key string, raw json.RawMessage) ([]int, error) {
	items, err := d.array(key, raw, "port numbers")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 || len(items) > maxCallbackPorts {
		return nil, d.fail(key, "must list 1 to %d port numbers", maxCallbackPorts)
	}
	seen := map[int]bool{}
	ports := make([]int, 0, len(items))
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		port, err := d.whole(k, it, minPort, maxPort)
		if err != nil {
			return nil, err
		}
		if seen[port] {
			return nil, d.fail(k, "port %d is listed twice", port)
		}
		seen[port] = true
		ports = append(ports, port)
	}
	return ports, nil
}

func (d *decoder) strings(key string, raw json.RawMessage, nonEmpty bool) ([]string, error) {
	items, err := d.array(key, raw, "strings")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		var s string
		if nonEmpty {
			s, err = d.nonEmptyString(k, it)
		} else {
			s, err = d.str(k, it)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (d *decoder) command(key string, raw json.RawMessage) ([]string, error) {
	cmd, err := d.strings(key, raw, true)
	if err == nil && len(cmd) == 0 {
		err = d.fail(key, "must name a command, e.g. [\"rcc\", \"start\"]")
	}
	return cmd, err
}

func (d *decoder) aliases(p string, raw json.RawMessage) (map[string]string, error) {
	members, err := d.object(p, raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(members))
	for _, m := range members {
		key := join(p, m.key)
		name := strings.TrimSpace(m.key)
		if name == "" || strings.ContainsAny(name, `/\`) {
			return nil, d.fail(key, "must be a token file name such as \"iflow-oauth-1-work.json\"")
		}
		alias, err := d.str(key, m.raw)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(name, ".json") {
			name += ".json"
		}
		out[name] = alias
	}
	return out, nil
}

// providers checks each providers.<name> object: key names and JSON types
// here, so that the error names the exact key; then the meaning of the
// values with provider.Settings.Validate (required keys of a generic
// provider, URLs, reserved parameters).
func (d *decoder) providers(p string, raw json.RawMessage) (map[string]provider.Settings, error) {
	members, err := d.object(p, raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]provider.Settings, len(members))
	for _, m := range members {
		key := join(p, m.key)
		if err := d.providerKeys(key, m.raw); err != nil {
			return nil, err
		}
		var s provider.Settings
		if err := json.Unmarshal(m.raw, &s); err != nil {
			return nil, d.fail(key, "%v", err)
		}
		if err := s.Validate(m.key); err != nil {
			// Validate names the key from "providers." on.
			return nil, &Error{File: d.file, Msg: "tokenDaemon." + err.Error()}
		}
		out[m.key] = s
	}
	return out, nil
}

func (d *decoder) providerKeys(p string, raw json.RawMessage) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "flow", "authStyle", "authUrl", "tokenUrl", "deviceCodeUrl", "userInfoUrl",
			"clientId", "clientSecret", "filePrefix":
			_, err = d.str(key, m.raw)
		case "scopes", "projectUrls":
			_, err = d.strings(key, m.raw, false)
		case "pkce":
			_, err = d.boolean(key, m.raw)
		case "extraAuthParams":
			var params []member
			params, err = d.object(key, m.raw)
			for _, pm := range params {
				if err == nil {
					_, err = d.str(join(key, pm.key), pm.raw)
				}
			}
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

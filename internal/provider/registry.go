package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"time"
)

// RegistryOptions is what the providers need from the outside world.
type RegistryOptions struct {
	// Settings are tokenDaemon.providers from config: overrides of built-in
	// providers by name, and generic providers.
	Settings map[string]Settings
	// AuthDir holds oauth-clients.local.json ("" to not read one).
	AuthDir string
	// Getenv reads the environment (nil: os.Getenv).
	Getenv func(string) string
	// HTTPClient makes every request (nil: a client with a 60 s timeout).
	HTTPClient *http.Client
	// Now is the clock for expiry times (nil: time.Now).
	Now func() time.Time
	// Sleep waits d or until ctx ends (nil: a timer); injected so that
	// tests of iflow's retries and device polling never sleep.
	Sleep func(ctx context.Context, d time.Duration) error
	// CodexCallbackPorts replaces CodexCallbackPorts (1455, 1457). A test
	// hook only: the Codex client accepts no other redirect, so nothing
	// but a test may set it (the CLI reads it from an env name that says so).
	CodexCallbackPorts []int
}

// Registry holds every provider, built in and configured.
type Registry struct {
	providers map[string]Provider
	settings  map[string]Settings // effective
	generic   map[string]string   // generic name → file prefix
}

// NewRegistry validates the settings and builds every provider.
func NewRegistry(o RegistryOptions) (*Registry, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepContext
	}
	for _, name := range slices.Sorted(maps.Keys(o.Settings)) {
		if err := o.Settings[name].Validate(name); err != nil {
			return nil, err
		}
	}
	r := &Registry{providers: map[string]Provider{}, settings: map[string]Settings{}, generic: map[string]string{}}
	newClient := func(name string, def Settings, secret secretUse) *client {
		user := o.Settings[name]
		c := &client{
			name: name, def: def, user: user, s: def.merge(user), secret: secret,
			authDir: o.AuthDir, getenv: o.Getenv, http: o.HTTPClient, now: o.Now, sleep: o.Sleep,
		}
		r.settings[name] = c.s
		return c
	}
	r.providers["qwen"] = qwen{newClient("qwen", builtinDefaults["qwen"], secretNone)}
	ic := newClient("iflow", builtinDefaults["iflow"], secretRequired)
	ic.rawBasic = true
	r.providers["iflow"] = iflow{ic}
	r.providers["gemini-cli"] = google{newClient("gemini-cli", builtinDefaults["gemini-cli"], secretRequired)}
	r.providers["antigravity"] = antigravity{google{newClient("antigravity", builtinDefaults["antigravity"], secretRequired)}}
	cc := newClient("codex", builtinDefaults["codex"], secretNone)
	cc.reclassify, cc.ownOrder = reclassifyRotating, true
	ports := CodexCallbackPorts
	if len(o.CodexCallbackPorts) > 0 {
		ports = o.CodexCallbackPorts
	}
	r.providers["codex"] = codex{client: cc, ports: slices.Clone(ports)}
	ac := newClient("claude", builtinDefaults["claude"], secretNone)
	ac.reclassify, ac.ownOrder = reclassifyRotating, true
	r.providers["claude"] = claude{ac}

	prefixOwner := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(o.Settings)) {
		if _, builtin := builtinAliases[name]; builtin {
			continue
		}
		c := newClient(name, Settings{AuthStyle: AuthStyleParams, FilePrefix: name}, secretOptional)
		if other, dup := prefixOwner[c.s.FilePrefix]; dup {
			return nil, fmt.Errorf("providers.%s.filePrefix: %q is already the prefix of providers.%s", name, c.s.FilePrefix, other)
		}
		prefixOwner[c.s.FilePrefix] = name
		r.generic[name] = c.s.FilePrefix
		if c.s.Flow == FlowDeviceCode {
			r.providers[name] = genericDevice{generic{c}}
		} else {
			r.providers[name] = genericAuthCode{generic{c}}
		}
	}
	return r, nil
}

// Get returns the provider of a canonical name (or a built-in alias such
// as "gemini" or "qwen-oauth"). The provider may also implement
// AuthCodeFlow, DeviceFlow, AccountIdentifier, Enricher or ProjectFinder.
func (r *Registry) Get(name string) (Provider, bool) {
	if c, ok := builtinAliases[name]; ok {
		name = c
	}
	p, ok := r.providers[name]
	return p, ok
}

// Names lists every provider name, sorted.
func (r *Registry) Names() []string {
	return slices.Sorted(maps.Keys(r.providers))
}

// Generic maps each configured generic provider to its file-name prefix
// (for tokenfile.Options.Generic).
func (r *Registry) Generic() map[string]string {
	return maps.Clone(r.generic)
}

// Settings returns the effective settings of a provider (defaults merged
// with config). ClientSecret holds only a configured secret, never one from
// env or the clients file.
func (r *Registry) Settings(name string) (Settings, bool) {
	if c, ok := builtinAliases[name]; ok {
		name = c
	}
	s, ok := r.settings[name]
	return s, ok
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

package daemon

import (
	"maps"
	"path/filepath"
	"strings"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// fileOptions is the file model's configuration in force: Config.FileOptions
// until SetAlias replaces it. Readers run on several goroutines, so it is
// swapped whole, never changed in place.
func (d *Daemon) fileOptions() tokenfile.Options {
	opts := d.cfg.FileOptions
	if p := d.opts.Load(); p != nil {
		opts = *p
	}
	if h := d.handoff.Load(); h != nil {
		opts.HandedOff = *h
	}
	return opts
}

// SetAlias sets the configured alias of file (a base name; ".json" is
// added when missing), or removes it when alias is "". The file is re-read
// with it, and a "token" event tells subscribers its new name. Writing the
// alias into config.json is the caller's job; a file not seen yet gets the
// alias when it shows up.
func (d *Daemon) SetAlias(file, alias string) {
	name := filepath.Base(file)
	if d.src != nil && strings.Contains(file, "/") {
		name = file // another tool's file, "<source>/<file>"
	}
	if !strings.HasSuffix(name, ".json") {
		name += ".json"
	}
	alias = strings.TrimSpace(alias)
	d.optsMu.Lock()
	opts := d.fileOptions()
	aliases := maps.Clone(opts.Aliases)
	if aliases == nil {
		aliases = map[string]string{}
	}
	if alias == "" {
		delete(aliases, name)
	} else {
		aliases[name] = alias
	}
	opts.Aliases = aliases
	d.opts.Store(&opts)
	d.sourceOptions(opts)
	d.optsMu.Unlock()
	d.requeue(name)
}

// sameIdentity reports whether a and b (the same bytes read under different
// options) name and treat the account alike.
func sameIdentity(a, b *tokenfile.File) bool {
	return a.Alias == b.Alias && a.DisplayName == b.DisplayName && a.ReadOnly == b.ReadOnly && a.Provider == b.Provider
}

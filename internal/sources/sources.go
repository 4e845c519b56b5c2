package sources

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Mode is how the daemon treats a source's files.
type Mode string

const (
	// ModeAuto: refreshed like RouteCodex's files.
	ModeAuto Mode = "auto"
	// ModeWatch: shown, alerted, logged in again; never refreshed (the
	// tool refreshes it itself).
	ModeWatch Mode = "watch"
)

// Source is one entry of tokenDaemon.sources.
type Source struct {
	Name   string // unique; the first part of its files' names
	Format string
	// Path is a directory for routecodex and cliproxyapi, the file for
	// the others.
	Path string
	Mode Mode
	// ModeSet: the mode was configured (not the format's default).
	ModeSet bool
}

// Defaults of one format: where its file is and its mode.
type Default struct {
	Format string
	Path   string // "" when the format has no default place (routecodex)
	Mode   Mode
	// Why is the English reason of a watch default, "" for auto.
	Why string
	// WhyCode is its catalog code.
	WhyCode string
}

// Why codes of the watch defaults.
const WhyRotatesFromMemory = "rotates_from_memory"

// Env is what the defaults read of the environment.
type Env struct {
	Home            string // the user's home
	CodexHome       string // $CODEX_HOME
	ClaudeConfigDir string // $CLAUDE_CONFIG_DIR
}

// DefaultOf is the default place and mode of format.
func DefaultOf(format string, env Env) Default {
	d := Default{Format: format, Mode: ModeAuto}
	home := env.Home
	switch format {
	case FormatCodexCLI:
		dir := filepath.Join(home, ".codex")
		if env.CodexHome != "" {
			dir = env.CodexHome
		}
		d.Path = filepath.Join(dir, "auth.json")
	case FormatClaudeCode:
		dir := filepath.Join(home, ".claude")
		if env.ClaudeConfigDir != "" {
			dir = env.ClaudeConfigDir
		}
		d.Path = filepath.Join(dir, ".credentials.json")
		d.Mode = ModeWatch
		d.WhyCode = WhyRotatesFromMemory
		d.Why = "Claude Code refreshes its rotating token from memory without re-reading the file: a refresh here would log it out"
	case FormatGeminiCLI:
		d.Path = filepath.Join(home, ".gemini", "oauth_creds.json")
	case FormatQwenCode:
		d.Path = filepath.Join(home, ".qwen", "oauth_creds.json")
	case FormatCLIProxyAPI:
		d.Path = filepath.Join(home, ".cli-proxy-api")
	}
	return d
}

// IsDir reports whether a format's path is a directory of token files.
func IsDir(format string) bool {
	return format == FormatRouteCodex || format == FormatCLIProxyAPI
}

// Set is the configured sources, read and written in their formats.
type Set struct {
	sources []Source
	mu      sync.Mutex // guards opts
	opts    tokenfile.Options
	now     func() time.Time
	lock    lockOptions
}

// Options tune a Set. The zero value is usable.
type Options struct {
	// Now is the clock of writes (last_refresh) and of the stale rule of
	// another tool's lock; nil is time.Now.
	Now func() time.Time
	// Sleep waits between tries of another tool's lock; nil is time.Sleep.
	Sleep func(time.Duration)
}

// New is the set of srcs; opts are the file model's options (aliases,
// generic providers), aliases keyed by the files' unique names.
func New(srcs []Source, fileOpts tokenfile.Options, o Options) *Set {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = time.Sleep
	}
	return &Set{sources: slices.Clone(srcs), opts: fileOpts, now: o.Now,
		lock: lockOptions{now: o.Now, sleep: o.Sleep}}
}

// Sources are the configured sources.
func (s *Set) Sources() []Source { return slices.Clone(s.sources) }

// SetOptions replaces the file model's options (an alias was set).
func (s *Set) SetOptions(opts tokenfile.Options) {
	s.mu.Lock()
	s.opts = opts
	s.mu.Unlock()
}

func (s *Set) options() tokenfile.Options {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opts
}

// Dir is the directory of a source's files.
func (src Source) Dir() string {
	if IsDir(src.Format) {
		return src.Path
	}
	return filepath.Dir(src.Path)
}

// Keeps reports whether base (a name in the source's Dir) is one of its
// token files.
func (src Source) Keeps(base string) bool {
	if IsDir(src.Format) {
		return !tokenfile.Skip(base)
	}
	return base == filepath.Base(src.Path)
}

// NameOf is the unique name of the file base of the source.
func (src Source) NameOf(base string) string { return src.Name + "/" + base }

// split finds the source and base name of a unique name.
func (s *Set) split(name string) (Source, string, bool) {
	srcName, base, ok := strings.Cut(name, "/")
	if !ok || base == "" || strings.Contains(base, "/") {
		return Source{}, "", false
	}
	for _, src := range s.sources {
		if src.Name == srcName && src.Keeps(base) {
			return src, base, true
		}
	}
	return Source{}, "", false
}

// byPath finds the source of a file path.
func (s *Set) byPath(path string) (Source, bool) {
	dir, base := filepath.Split(path)
	dir = filepath.Clean(dir)
	for _, src := range s.sources {
		if filepath.Clean(src.Dir()) == dir && src.Keeps(base) {
			return src, true
		}
	}
	return Source{}, false
}

// Owns reports whether name is the unique name of a source file.
func (s *Set) Owns(name string) bool {
	_, _, ok := s.split(name)
	return ok
}

// formatOf is the tokenfile.Format of a source's file.
func (s *Set) formatOf(src Source) format {
	ff := formats[src.Format]
	if ff == nil {
		ff = formats[FormatRouteCodex]
	}
	return format{ff: ff, opts: s.options(), now: s.now}
}

// Scan reads every file of every source, each with its unique name.
// A source whose dir or file does not exist has no files.
func (s *Set) Scan() []*tokenfile.File {
	var out []*tokenfile.File
	for _, src := range s.sources {
		if IsDir(src.Format) {
			entries, err := os.ReadDir(src.Path)
			if err != nil {
				continue
			}
			for _, e := range entries {
				if f := s.load(src, e.Name()); f != nil {
					out = append(out, f)
				}
			}
			continue
		}
		if f := s.load(src, filepath.Base(src.Path)); f != nil {
			out = append(out, f)
		}
	}
	return out
}

// Load reads the file of a unique name as Scan would; nil when it is not
// there (or not a token file). ok is false when name is no source file's.
func (s *Set) Load(name string) (f *tokenfile.File, ok bool) {
	src, base, ok := s.split(name)
	if !ok {
		return nil, false
	}
	return s.load(src, base), true
}

func (s *Set) load(src Source, base string) *tokenfile.File {
	if !src.Keeps(base) {
		return nil
	}
	dir := src.Dir()
	var f *tokenfile.File
	if IsDir(src.Format) && src.Format == FormatRouteCodex {
		f = tokenfile.Load(dir, base, s.aliasOpts(src, base))
	} else {
		f = s.loadFormat(src, base)
	}
	if f == nil {
		return nil
	}
	s.finish(src, f)
	return f
}

// loadFormat reads a file of another tool: a regular file or a symlink
// that stays in its dir.
func (s *Set) loadFormat(src Source, base string) *tokenfile.File {
	path := filepath.Join(src.Dir(), base)
	fi, err := os.Lstat(path)
	if err != nil || fi.IsDir() {
		return nil
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		root, err1 := filepath.EvalSymlinks(src.Dir())
		target, err2 := filepath.EvalSymlinks(path)
		if err1 != nil || err2 != nil || filepath.Dir(target) != root {
			return nil
		}
	} else if !fi.Mode().IsRegular() {
		return nil
	}
	fm := s.formatOf(src)
	fm.opts = s.aliasOpts(src, base)
	data, err := os.ReadFile(path)
	if err != nil {
		f := tokenfile.Read(path, fm.opts) // the same reasons as the auth dir's files
		return f
	}
	if len(data) > tokenfile.MaxFileSize {
		return tokenfile.Read(path, fm.opts)
	}
	f := fm.Parse(path, data)
	f.Mode, f.ModTime = fi.Mode(), fi.ModTime()
	return f
}

// aliasOpts are the file options with the alias of the unique name, which
// is how config.aliases names a source file.
func (s *Set) aliasOpts(src Source, base string) tokenfile.Options {
	opts := s.options()
	o := tokenfile.Options{Generic: opts.Generic, Aliases: map[string]string{}}
	if a, ok := opts.Aliases[src.NameOf(base)]; ok {
		o.Aliases[base] = a
	}
	return o
}

// finish gives a file read from src its unique name, source and mode.
func (s *Set) finish(src Source, f *tokenfile.File) {
	base := f.Name
	f.Name = src.NameOf(base)
	f.Source = src.Name
	f.Watch = src.Mode == ModeWatch
	if f.LinkTo != "" {
		f.LinkTo = src.NameOf(f.LinkTo)
	}
	if src.Format == FormatCLIProxyAPI && f.Login == "" {
		f.Login = cliproxyLogin(f.Provider)
	}
	if f.DisplayName == strings.TrimSuffix(base, ".json") {
		f.DisplayName = strings.TrimSuffix(f.Name, ".json")
	}
}

// Read reads the file at path (a source file) in its format, as the
// daemon does after a conflict; ok is false when path is no source's.
func (s *Set) Read(path string) (*tokenfile.File, bool) {
	src, ok := s.byPath(path)
	if !ok {
		return nil, false
	}
	f := s.load(src, filepath.Base(path))
	if f == nil {
		f = &tokenfile.File{Name: src.NameOf(filepath.Base(path)), Path: path, Source: src.Name}
	}
	return f, true
}

// Parse reads data as the content of the source file at path (what a
// write put there), as Load would; ok is false when path is no source's.
func (s *Set) Parse(path string, data []byte) (*tokenfile.File, bool) {
	src, ok := s.byPath(path)
	if !ok {
		return nil, false
	}
	base := filepath.Base(path)
	var f *tokenfile.File
	if src.Format == FormatRouteCodex {
		f = tokenfile.Parse(path, data, s.aliasOpts(src, base))
	} else {
		fm := s.formatOf(src)
		fm.opts = s.aliasOpts(src, base)
		f = fm.Parse(path, data)
	}
	s.finish(src, f)
	return f, true
}

// Write merges u into the source file at path by tokenfile.WriteWith in
// the file's format, with the tool's own lock where it has one; ok is
// false when path is no source's (the caller writes it as its own).
func (s *Set) Write(path string, u tokenfile.Update, ifRefreshToken *string) (res tokenfile.WriteResult, ok bool, err error) {
	src, ok := s.byPath(path)
	if !ok {
		return tokenfile.WriteResult{}, false, nil
	}
	o := tokenfile.WriteOptions{}
	if src.Format != FormatRouteCodex {
		o.Format = s.formatOf(src)
	}
	if src.Format == FormatQwenCode {
		lockPath := filepath.Join(src.Dir(), "oauth_creds.lock")
		o.Lock = func() (func(), error) { return s.lock.take(lockPath) }
	}
	res, err = tokenfile.WriteWith(path, u, ifRefreshToken, o)
	return res, true, err
}

// ErrNotFound: a configured source's path does not exist.
var ErrNotFound = errors.New("not found")

// Pending lists the source files that have a .pending answer beside them
// (tokenfile.PendingPath), by unique name, with the token file's path.
func (s *Set) Pending() map[string]string {
	out := map[string]string{}
	for _, src := range s.sources {
		entries, err := os.ReadDir(src.Dir())
		if err != nil {
			continue
		}
		for _, e := range entries {
			n := e.Name()
			if !e.Type().IsRegular() || !strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".pending") {
				continue
			}
			base := strings.TrimSuffix(n[1:], ".pending")
			if src.Keeps(base) {
				out[src.NameOf(base)] = filepath.Join(src.Dir(), base)
			}
		}
	}
	return out
}

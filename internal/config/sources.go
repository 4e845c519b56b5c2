package config

// sources.go: tokenDaemon.sources (DESIGN.md section 15), the other tools'
// token files kept fresh beside the auth dir.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/routecodex/token-daemon/internal/sources"
)

// Source is one entry of tokenDaemon.sources as written.
type Source struct {
	Name   string // "" when not given: the format (then format-2, …)
	Format string
	Path   string       // as written; "" means the format's default place
	Mode   sources.Mode // "" when not given: the format's default
}

var sourceNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (d *decoder) sources(p string, raw json.RawMessage) ([]Source, error) {
	items, err := d.array(p, raw, "objects")
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(items))
	names := map[string]bool{}
	for i, it := range items {
		key := fmt.Sprintf("%s[%d]", p, i)
		members, err := d.object(key, it)
		if err != nil {
			return nil, err
		}
		var s Source
		for _, m := range members {
			k := join(key, m.key)
			switch m.key {
			case "name":
				s.Name, err = d.nonEmptyString(k, m.raw)
				if err == nil && (!sourceNameRE.MatchString(s.Name) || s.Name == "." || s.Name == "..") {
					err = d.fail(k, "must be letters, digits, '.', '_' or '-' (it starts the names of the source's files)")
				}
			case "format":
				s.Format, err = d.oneOf(k, m.raw, sources.Formats...)
			case "path":
				s.Path, err = d.nonEmptyString(k, m.raw)
			case "refresh":
				var mode string
				mode, err = d.oneOf(k, m.raw, string(sources.ModeAuto), string(sources.ModeWatch))
				s.Mode = sources.Mode(mode)
			default:
				err = d.unknown(k)
			}
			if err != nil {
				return nil, err
			}
		}
		if s.Format == "" {
			return nil, d.fail(join(key, "format"), "is required (one of %s)", quoteAll(sources.Formats))
		}
		if s.Format == sources.FormatRouteCodex && s.Path == "" {
			return nil, d.fail(join(key, "path"), "is required for format %q", s.Format)
		}
		if s.Name == "" {
			s.Name = s.Format
			for n := 2; names[s.Name]; n++ {
				s.Name = s.Format + "-" + strconv.Itoa(n)
			}
		}
		if names[s.Name] {
			return nil, d.fail(join(key, "name"), "%q is used by another source", s.Name)
		}
		names[s.Name] = true
		out = append(out, s)
	}
	return out, nil
}

func quoteAll(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ", ")
}

// SourceEnv is what the sources' default places read of the environment.
func SourceEnv(env Env) sources.Env {
	return sources.Env{Home: env.UserHome, CodexHome: expandHome(env, env.get("CODEX_HOME")),
		ClaudeConfigDir: expandHome(env, env.get("CLAUDE_CONFIG_DIR"))}
}

// ResolveSources turns the configured sources into the sources package's:
// "~/" expanded, a relative path taken from the config file's directory,
// the format's default place and mode where none is given, and for a
// file format given a directory, the tool's file in it.
func ResolveSources(env Env, configPath string, cfg *TokenDaemon) []sources.Source {
	all := ResolveSourcesAll(env, configPath, cfg)
	// Never one file twice (CheckSources refuses such a config; this is
	// the defense in depth of an edit that skipped it).
	authDir, _ := AuthDir(env, configPath, cfg)
	out := all[:0:0]
	for i, o := range sourceOverlaps(all, authDir) {
		if o < 0 {
			out = append(out, all[i])
		}
	}
	return out
}

// ResolveSourcesAll is every configured source resolved, overlaps kept.
func ResolveSourcesAll(env Env, configPath string, cfg *TokenDaemon) []sources.Source {
	if cfg == nil {
		return nil
	}
	senv := SourceEnv(env)
	out := make([]sources.Source, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		def := sources.DefaultOf(s.Format, senv)
		src := sources.Source{Name: s.Name, Format: s.Format, Path: def.Path, Mode: def.Mode}
		if s.Path != "" {
			p := expandHome(env, s.Path)
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(configPath), p)
			}
			if !sources.IsDir(s.Format) && isDir(p) {
				p = filepath.Join(p, filepath.Base(def.Path))
			}
			src.Path = filepath.Clean(p)
		}
		if s.Mode != "" {
			src.Mode, src.ModeSet = s.Mode, true
		}
		out = append(out, src)
	}
	return out
}

// CheckSources refuses sources that would read one file twice: two
// sources at one resolved path, a source file inside a directory source,
// or a source at (or inside) the auth dir. Each would be refreshed twice
// at once with one refresh token, and a rotating one would be logged out.
func CheckSources(env Env, configPath, authDir string, cfg *TokenDaemon) error {
	if cfg == nil {
		return nil
	}
	for i, s := range sourceOverlaps(ResolveSourcesAll(env, configPath, cfg), authDir) {
		if s < 0 {
			continue
		}
		key := fmt.Sprintf("tokenDaemon.sources[%d]", i)
		if cfg.Sources[i].Path != "" {
			key += ".path"
		}
		if s == len(cfg.Sources) {
			return newError(configPath, key, "is the auth dir or a file in it (it is read there already)")
		}
		return newError(configPath, key, "is the same file as tokenDaemon.sources[%d] (it would be refreshed twice at once)", s)
	}
	return nil
}

// sourceOverlaps gives, for each source, -1 when it reads its own files,
// the index of an earlier source it overlaps, or len(srcs) when it
// overlaps the auth dir.
func sourceOverlaps(srcs []sources.Source, authDir string) []int {
	out := make([]int, len(srcs))
	auth := realPath(authDir)
	// dirOf: the directory whose files a source reads, or the file itself.
	type place struct{ path, dir string }
	places := make([]place, len(srcs))
	for i, s := range srcs {
		p := realPath(s.Path)
		places[i] = place{path: p, dir: filepath.Dir(p)}
		if sources.IsDir(s.Format) {
			places[i].dir = p
		}
	}
	for i := range srcs {
		out[i] = -1
		pi := places[i]
		if auth != "" && (pi.path == auth || pi.dir == auth) {
			out[i] = len(srcs)
			continue
		}
		for j := 0; j < i; j++ {
			pj := places[j]
			if pi.path == pj.path || (pi.dir == pj.path && sources.IsDir(srcs[j].Format)) ||
				(pj.dir == pi.path && sources.IsDir(srcs[i].Format)) {
				out[i] = j
				break
			}
		}
	}
	return out
}

// realPath is p with its links resolved where it exists.
func realPath(p string) string {
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	if r, err := filepath.EvalSymlinks(filepath.Dir(p)); err == nil {
		return filepath.Join(r, filepath.Base(p))
	}
	return filepath.Clean(p)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// sourceFileName reports a name of another tool's file, "<source>/<file>"
// (the name an alias of such a file is kept under).
func sourceFileName(name string) bool {
	src, base, ok := strings.Cut(name, "/")
	return ok && sourceNameRE.MatchString(src) && base != "" && base != "." && base != ".." &&
		!strings.ContainsAny(base, `/\`)
}

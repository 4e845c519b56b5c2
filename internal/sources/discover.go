package sources

import (
	"os"
	"path/filepath"
)

// Found is one line of `token-daemon sources`: a place of token files, on
// this machine or configured.
type Found struct {
	Format string
	Path   string
	Exists bool
	Files  int // token files there (1 for a file source that exists)
	// Name is the configured source's name, "" when not configured.
	Name       string
	Configured bool
	Mode       Mode
	// WhyCode/Why: why the mode is watch by default; "" otherwise or when
	// the mode was configured.
	WhyCode, Why string
}

// Discover lists the default place of every format (whether it exists or
// not), then the configured sources elsewhere, each marked configured or
// not, with its mode.
func Discover(configured []Source, env Env) []Found {
	var out []Found
	used := make([]bool, len(configured))
	for _, format := range Formats {
		d := DefaultOf(format, env)
		if d.Path == "" {
			continue
		}
		f := Found{Format: format, Path: d.Path, Mode: d.Mode, WhyCode: d.WhyCode, Why: d.Why}
		for i, src := range configured {
			if !used[i] && src.Format == format && samePath(src.Path, d.Path) {
				used[i] = true
				f.fromSource(src, d)
				break
			}
		}
		f.count()
		out = append(out, f)
	}
	for i, src := range configured {
		if used[i] {
			continue
		}
		d := DefaultOf(src.Format, env)
		f := Found{Format: src.Format, Path: src.Path, Mode: d.Mode, WhyCode: d.WhyCode, Why: d.Why}
		f.fromSource(src, d)
		f.count()
		out = append(out, f)
	}
	return out
}

func (f *Found) fromSource(src Source, d Default) {
	f.Name, f.Configured, f.Mode = src.Name, true, src.Mode
	if src.ModeSet && src.Mode != d.Mode || src.Mode == ModeAuto {
		f.WhyCode, f.Why = "", ""
	}
}

func (f *Found) count() {
	fi, err := os.Stat(f.Path)
	if err != nil {
		return
	}
	f.Exists = true
	if !fi.IsDir() {
		if !IsDir(f.Format) {
			f.Files = 1
		}
		return
	}
	if !IsDir(f.Format) {
		return
	}
	src := Source{Format: f.Format, Path: f.Path}
	entries, _ := os.ReadDir(f.Path)
	for _, e := range entries {
		if e.Type().IsRegular() && src.Keeps(e.Name()) {
			f.Files++
		}
	}
}

func samePath(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

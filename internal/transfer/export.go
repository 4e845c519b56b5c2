// Package transfer moves token files between machines (DESIGN.md section
// 13): export collects token files byte for byte with their modes and the
// tokenDaemon aliases and providers into an encrypted bundle; import plans
// and writes them back through tokenfile.Put, merging the settings into
// config.json. It also keeps the handed-off set (handoff.go). The CLI and
// the web UI word its results; this package holds no user-facing text.
package transfer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/routecodex/token-daemon/internal/bundle"
	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Home is where the files of one machine are.
type Home struct {
	AuthDir     string
	ConfigPath  string
	HandoffPath string            // <home>/state/token-handoff.json
	Options     tokenfile.Options // how token files are read here
}

// Exported is one file put into a bundle.
type Exported struct {
	Name     string
	Provider string
	Hash     [32]byte
	Mode     fs.FileMode
	// Rotating: the provider may give a new refresh token at every
	// refresh, so the two copies fork at the next refresh of either.
	Rotating bool
}

// Errors of Collect a caller words.
var (
	// ErrNotExportable: a selected name is not a regular token file of the
	// auth dir (a link, a directory, a skipped name, gone).
	ErrNotExportable = errors.New("not a token file that can be exported")
	// ErrTooLarge: a selected file is larger than a token file can be
	// (tokenfile.MaxFileSize); it is ErrNotExportable too.
	ErrTooLarge = fmt.Errorf("%w: larger than 1 MiB", ErrNotExportable)
	// ErrNothing: no file selected.
	ErrNothing = errors.New("no token file selected")
)

// FileError is a selected file that cannot be exported.
type FileError struct {
	Name string
	Err  error
}

func (e *FileError) Error() string { return e.Name + ": " + e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// Collect reads the named files of the auth dir (base names) and the
// settings of config.json into a bundle. The bundle holds secrets: keep it
// in memory and seal it (WriteBundle, Seal).
func Collect(h Home, names []string, includeSecrets bool, now time.Time) (*bundle.Bundle, []Exported, error) {
	if len(names) == 0 {
		return nil, nil, ErrNothing
	}
	b := &bundle.Bundle{CreatedAt: now.UTC().Round(0), SecretsIncluded: includeSecrets}
	var out []Exported
	seen := map[string]bool{}
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		f, data, err := readExportable(h, name)
		if err != nil {
			return nil, nil, &FileError{Name: name, Err: err}
		}
		b.Files = append(b.Files, bundle.NewFile(name, f.Mode.Perm(), data))
		out = append(out, Exported{Name: name, Provider: f.Provider, Hash: f.Hash, Mode: f.Mode.Perm(), Rotating: rotating(f)})
	}
	aliases, providers, err := config.BundleSettings(h.ConfigPath)
	if err != nil {
		return nil, nil, err
	}
	b.Aliases = map[string]string{}
	for _, f := range b.Files {
		if a, ok := aliases[f.Name]; ok {
			b.Aliases[f.Name] = a
		}
	}
	for _, p := range providers {
		s := p.Settings
		if !includeSecrets {
			s = config.WithoutSecret(s)
		}
		b.Providers = append(b.Providers, bundle.Provider{Name: p.Name, Settings: s})
	}
	return b, out, nil
}

// readExportable reads one regular token file of the auth dir.
func readExportable(h Home, name string) (*tokenfile.File, []byte, error) {
	if name != filepath.Base(name) || tokenfile.Skip(name) {
		return nil, nil, ErrNotExportable
	}
	path := filepath.Join(h.AuthDir, name)
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		// A link is exported as the file it points to, under its own name.
		return nil, nil, ErrNotExportable
	}
	fd, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer fd.Close()
	data, err := io.ReadAll(io.LimitReader(fd, tokenfile.MaxFileSize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > tokenfile.MaxFileSize {
		return nil, nil, ErrTooLarge
	}
	info, err := fd.Stat()
	if err != nil {
		return nil, nil, err
	}
	f := tokenfile.Parse(path, data, h.Options)
	f.Mode = info.Mode()
	return f, data, nil
}

// rotating: every refreshable file except Google's (gemini-cli and
// antigravity keep their refresh token); qwen, iflow, codex, claude and
// configured providers may rotate.
func rotating(f *tokenfile.File) bool {
	if !f.Refreshable() {
		return false // not refreshed here or there (static, no refresh token)
	}
	switch f.Provider {
	case tokenfile.ProviderGeminiCLI, tokenfile.ProviderAntigravity:
		return false
	}
	return true
}

// Reread reports the exported files whose bytes differ from the bundle's
// now (a refresh landed meanwhile) and puts their new bytes into b.
func Reread(h Home, b *bundle.Bundle, exp []Exported) ([]string, error) {
	var changed []string
	for i, bf := range b.Files {
		f, data, err := readExportable(h, bf.Name)
		if err != nil {
			return nil, &FileError{Name: bf.Name, Err: err}
		}
		if bytes.Equal(data, bf.Data) {
			continue
		}
		b.Files[i] = bundle.NewFile(bf.Name, f.Mode.Perm(), data)
		for j := range exp {
			if exp[j].Name == bf.Name {
				exp[j].Hash, exp[j].Mode = f.Hash, f.Mode.Perm()
			}
		}
		changed = append(changed, bf.Name)
	}
	return changed, nil
}

// WriteBundle seals b to key and writes it to path by a temporary file in
// the same directory (0600) renamed over path: only ciphertext ever
// touches the disk, and a reader sees no bundle or the whole one.
func WriteBundle(path string, b *bundle.Bundle, key bundle.Key, armored bool) error {
	doc, err := bundle.Encode(b)
	if err != nil {
		return err
	}
	defer clear(doc)
	var buf bytes.Buffer
	if err := bundle.Seal(&buf, doc, key, armored); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write bundle: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write bundle: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Seal is the sealed bundle in memory (the web UI's download).
func Seal(b *bundle.Bundle, key bundle.Key, armored bool) ([]byte, error) {
	doc, err := bundle.Encode(b)
	if err != nil {
		return nil, err
	}
	defer clear(doc)
	var buf bytes.Buffer
	if err := bundle.Seal(&buf, doc, key, armored); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Open decrypts and checks a bundle (errors wrap bundle's classes).
func Open(r io.Reader, key bundle.Key) (*bundle.Bundle, error) {
	doc, err := bundle.Open(r, key)
	if err != nil {
		return nil, err
	}
	defer clear(doc)
	return bundle.Decode(doc)
}

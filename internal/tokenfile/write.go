package tokenfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/gofrs/flock"
)

// WriteResult says what was written.
type WriteResult struct {
	Hash [32]byte // sha256 of Data, to recognise our own write when it is seen again
	Data []byte
}

// Write merges u into the file at path under its lock and replaces it
// atomically. When ifRefreshToken is non-nil and the refresh token on disk
// differs from it, nothing is written and ErrConflict is returned. A
// symlink at path is followed: its target is replaced, the link kept.
func Write(path string, u Update, ifRefreshToken *string) (WriteResult, error) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
	}
	unlock, err := lock(target)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
	}
	defer unlock()
	data, info, err := readLimited(target)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write token file %s: read: %w", path, err)
	}
	if ifRefreshToken != nil {
		if Parse(target, data, Options{}).RefreshToken != *ifRefreshToken {
			return WriteResult{}, fmt.Errorf("write token file %s: %w", path, ErrConflict)
		}
	}
	out, err := Merge(data, u)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
	}
	res := WriteResult{Hash: sha256.Sum256(out), Data: out}
	if bytes.Equal(out, data) {
		return res, nil // nothing changes: do not wake up every watcher
	}
	if err := replaceFile(target, out, info.Mode().Perm()); err != nil {
		return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
	}
	return res, nil
}

// Create writes a new token file: mode 0600, two-space indentation, the
// keys of fields first in sorted (byte-wise) order, then the fields of u
// that fields does not already have, in Merge's order (access_token,
// refresh_token, token_type, expires_in, expires_at, expired, then u.Extra
// sorted). Values of u win over fields. It fails with an error wrapping
// fs.ErrExist if the file exists.
func Create(path string, fields map[string]any, u Update) (WriteResult, error) {
	base, err := encodeFields(fields)
	if err != nil {
		return WriteResult{}, fmt.Errorf("create token file %s: %w", path, err)
	}
	out, err := Merge(base, u)
	if err != nil {
		return WriteResult{}, fmt.Errorf("create token file %s: %w", path, err)
	}
	out = append(out, '\n')

	unlock, err := lock(path)
	if err != nil {
		return WriteResult{}, fmt.Errorf("create token file %s: %w", path, err)
	}
	defer unlock()
	if err := createFile(path, out); err != nil {
		return WriteResult{}, fmt.Errorf("create token file %s: %w", path, err)
	}
	return WriteResult{Hash: sha256.Sum256(out), Data: out}, nil
}

// encodeFields renders fields as a two-space indented object with sorted
// keys (encoding/json sorts map keys); an empty map gives "{\n}" so that
// Merge still indents what it adds.
func encodeFields(fields map[string]any) ([]byte, error) {
	if len(fields) == 0 {
		return []byte("{\n}"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(fields); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// lock takes the exclusive lock <dir>/.<name>.lock of the token file at
// path. The lock file is left in place: removing it would race with a
// process waiting on it.
func lock(path string) (unlock func(), err error) {
	dir, name := filepath.Split(path)
	l := flock.New(filepath.Join(dir, "."+name+".lock"))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() { _ = l.Unlock() }, nil
}

// writeTemp writes data to a new temporary file beside path, whose name
// starts with a dot and does not end in .json (Skip ignores it), syncs it
// and gives it mode. The caller renames or removes it.
func writeTemp(path string, data []byte, mode fs.FileMode) (string, error) {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// One fixed name per token file: every writer holds the file's lock, so
	// no two use it at once, and a temp left by a killed writer is simply
	// overwritten by the next one (no directory scan on the hot path).
	tmp, err := os.OpenFile(filepath.Join(dir, "."+name+".tmp"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return "", fmt.Errorf("write temporary file: %w", err)
	}
	return tmp.Name(), nil
}

// replaceFile atomically replaces path with data: a reader sees the whole
// old or the whole new content, even if this process dies half-way.
func replaceFile(path string, data []byte, mode fs.FileMode) error {
	tmp, err := writeTemp(path, data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("replace: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// createFile puts data at path only if nothing is there: the temporary file
// is hard-linked to path, which fails if path exists, so that even a writer
// that ignores our lock is never overwritten.
func createFile(path string, data []byte) error {
	if _, err := os.Lstat(path); err == nil {
		return fs.ErrExist
	}
	tmp, err := writeTemp(path, data, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fs.ErrExist
		}
		// No hard links on this file system: fall back to a rename under
		// our lock, after the check above.
		if _, statErr := os.Lstat(path); statErr == nil {
			return fs.ErrExist
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("create: %w", err)
		}
	}
	return syncDir(filepath.Dir(path))
}

// Redact returns a short, safe prefix of a secret for logs: the first four
// characters and "…", fewer for short secrets (a quarter of them), "" for
// "".
func Redact(secret string) string {
	if secret == "" {
		return ""
	}
	n := min(4, utf8.RuneCountInString(secret)/4)
	return string([]rune(secret)[:n]) + "…"
}

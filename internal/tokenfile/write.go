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

// ErrUnsettled means the token file is absent, empty, not a JSON object,
// without credentials or no longer a regular file of its directory at write
// time: a program may be in the middle of rewriting it. Nothing was written;
// the caller keeps its update and tries again when the file is back. It is
// not a conflict: only a file that comes back with a different refresh token
// proves the update superseded.
var ErrUnsettled = errors.New("token file not readable as a token file")

// UnsettledError is the ErrUnsettled of one write, with what was found.
type UnsettledError struct {
	Why string // e.g. "is absent", "is empty", "is not JSON"
	Err error  // fs.ErrNotExist, ErrNotObject or nil
}

func (e *UnsettledError) Error() string { return "the file " + e.Why }

func (e *UnsettledError) Is(target error) bool { return target == ErrUnsettled }

func (e *UnsettledError) Unwrap() error { return e.Err }

// errKeepsChanging: the file changed between the read and the replace on
// every attempt; the caller retries later.
var errKeepsChanging = errors.New("the file kept changing while it was written")

// writeAttempts bounds the re-reads when the file changes under a write.
const writeAttempts = 8

// Write merges u into the file at path under its lock and replaces it
// atomically. When ifRefreshToken is non-nil and the refresh token on disk
// differs from it, nothing is written and ErrConflict is returned; a file
// that cannot be read as a token file right now gives ErrUnsettled (see
// there). A symlink at path is followed (its target is replaced, the link
// kept) as long as it stays inside path's directory.
//
// The lock only keeps out writers that take it. Against the others the
// compare is repeated right before the replace (same inode, size, mtime
// and bytes as read), and where the OS can swap two names atomically the
// new content is swapped in and what came out checked: if it is not what
// was read, it is swapped back and the merge starts again from the new
// content (a different refresh token there is then a conflict).
func Write(path string, u Update, ifRefreshToken *string) (WriteResult, error) {
	return WriteWith(path, u, ifRefreshToken, WriteOptions{})
}

// writeOnce is one read-compare-merge-replace; done=false means the file
// changed before the replace and nothing of ours is in place.
func writeOnce(target string, u Update, ifRefreshToken *string, o WriteOptions) (WriteResult, bool, error) {
	snap, err := readSnapshot(target)
	if err != nil {
		return WriteResult{}, false, err
	}
	if snap == nil {
		return WriteResult{}, false, nil // changed while read
	}
	f := o.parse(target, snap.data)
	if why, err := unsettled(snap.data, f); why != "" {
		return WriteResult{}, false, &UnsettledError{Why: why, Err: err}
	}
	if ifRefreshToken != nil && f.RefreshToken != *ifRefreshToken {
		return WriteResult{}, false, ErrConflict
	}
	out, err := o.merge(snap.data, u)
	if err != nil {
		return WriteResult{}, false, err
	}
	res := WriteResult{Hash: sha256.Sum256(out), Data: out}
	if bytes.Equal(out, snap.data) {
		return res, true, nil // nothing changes: do not wake up every watcher
	}
	tmp, err := writeTemp(target, out, snap.info.Mode().Perm())
	if err != nil {
		return WriteResult{}, false, err
	}
	ok, err := replaceChecked(target, tmp, snap)
	if err != nil || !ok {
		_ = os.Remove(tmp)
		return WriteResult{}, false, err
	}
	return res, true, syncDir(filepath.Dir(target))
}

// unsettled says why data is not a token file to write into right now ("" when
// it is one). A file with another credential but no refresh token is
// settled: someone put a different login there, and a conditional write then
// conflicts.
func unsettled(data []byte, f *File) (string, error) {
	switch {
	case len(bytes.TrimSpace(data)) == 0:
		return "is empty", ErrNotObject
	case f.Invalid == reasonNotJSON:
		return "is not JSON", ErrNotObject
	case f.Invalid == reasonNotObject:
		return "is not a JSON object", ErrNotObject
	case f.Invalid == reasonNoSecret:
		return "has no credentials", nil
	}
	return "", nil
}

// resolveInDir follows a symlink at path, which must stay inside path's
// directory (resolved): a link that leaves it is never written through.
func resolveInDir(path string) (string, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", &UnsettledError{Why: "is absent", Err: err}
	}
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	root, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return "", err
	}
	target, err := filepath.EvalSymlinks(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", &UnsettledError{Why: "is a dangling link", Err: err}
	}
	if err != nil {
		return "", err
	}
	if !within(root, target) {
		return "", &UnsettledError{Why: "is a link that leaves its directory"}
	}
	return target, nil
}

// snapshot is what a write read: the bytes and the file they came from.
type snapshot struct {
	data []byte
	info fs.FileInfo // of the open file, after the read
}

// readSnapshot reads path for a write. A nil snapshot without error means
// the file changed while it was read.
func readSnapshot(path string) (*snapshot, error) {
	data, info, err := readLimited(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &UnsettledError{Why: "is absent", Err: err}
	case errors.Is(err, errNotRegular):
		return nil, &UnsettledError{Why: "is not a regular file"}
	case err != nil:
		return nil, fmt.Errorf("read: %w", err)
	}
	if info.Size() != int64(len(data)) {
		return nil, nil
	}
	return &snapshot{data: data, info: info}, nil
}

// matches reports whether path is still the very file of s: same inode,
// size and mtime, and the same bytes.
func (s *snapshot) matches(path string) bool {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || !os.SameFile(fi, s.info) ||
		fi.Size() != s.info.Size() || !fi.ModTime().Equal(s.info.ModTime()) {
		return false
	}
	opened := noteOwnOpen(path)
	data, err := os.ReadFile(path)
	opened(err)
	return err == nil && bytes.Equal(data, s.data)
}

// testHookBeforeReplace runs between the last check and the replace; tests
// put a foreign rename there. nil outside tests.
var testHookBeforeReplace func(target string)

// errNoExchange: this OS or file system cannot swap two names atomically.
var errNoExchange = errors.New("atomic exchange not supported")

// swapBackLimit bounds the swaps that undo an exchange against a writer that
// keeps renaming meanwhile.
const swapBackLimit = 16

// replaceChecked puts tmp in place of target if target is still the file of
// snap, and reports whether it did. With an atomic exchange nothing another
// program renamed over target in the meantime is lost: what the exchange
// took out is checked, and swapped back when it is not snap's file.
func replaceChecked(target, tmp string, snap *snapshot) (bool, error) {
	if !snap.matches(target) {
		return false, nil
	}
	ours, err := os.Lstat(tmp)
	if err != nil {
		return false, fmt.Errorf("stat temporary file: %w", err)
	}
	if testHookBeforeReplace != nil {
		testHookBeforeReplace(target)
	}
	err = exchange(tmp, target)
	if errors.Is(err, errNoExchange) {
		// Best effort: a writer renaming between this check and the rename
		// is overwritten (measured at 1–2 % of writes against a fast one).
		if !snap.matches(target) {
			return false, nil
		}
		if err := os.Rename(tmp, target); err != nil {
			return false, fmt.Errorf("replace: %w", err)
		}
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // target vanished after the check: read again
	}
	if err != nil {
		return false, fmt.Errorf("replace: %w", err)
	}
	// tmp now names what was at target an instant ago.
	if snap.matches(tmp) {
		_ = os.Remove(tmp)
		return true, nil
	}
	swapBack(target, tmp, ours)
	return false, nil
}

// swapBack undoes an exchange: target gets back what the exchange took out.
// If yet another file was renamed over target meanwhile, the swap takes that
// one out instead; it is swapped back in turn, until what comes out is what
// was put in by the previous swap.
func swapBack(target, tmp string, expect fs.FileInfo) {
	for range swapBackLimit {
		in, err := os.Lstat(tmp)
		if err != nil || exchange(tmp, target) != nil {
			return
		}
		out, err := os.Lstat(tmp)
		if err != nil || os.SameFile(out, expect) {
			return
		}
		expect = in
	}
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
	if err := createFile(path, out, 0o600); err != nil {
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

// createFile puts data at path (with mode) only if nothing is there: the
// temporary file is hard-linked to path, which fails if path exists, so
// that even a writer that ignores our lock is never overwritten.
func createFile(path string, data []byte, mode fs.FileMode) error {
	if _, err := os.Lstat(path); err == nil {
		return fs.ErrExist
	}
	tmp, err := writeTemp(path, data, mode)
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

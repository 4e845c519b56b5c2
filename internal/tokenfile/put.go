package tokenfile

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Put makes data the whole content of the token file at path, with mode:
// the write of an import, where the content is a complete file from another
// machine rather than an update to merge (Write and Create would reorder or
// merge it; the contract is byte for byte). It takes the file's lock and
// replaces atomically like Write.
//
// expect is what the caller decided on: nil means the file must not exist
// (created, as Create does, so that a writer ignoring the lock is never
// overwritten: an error wrapping fs.ErrExist); otherwise the file's bytes
// under the lock must still hash to *expect, else ErrConflict and nothing
// is written.
func Put(path string, data []byte, mode fs.FileMode, expect *[32]byte) (WriteResult, error) {
	res := WriteResult{Hash: sha256.Sum256(data), Data: data}
	target := path
	if expect != nil {
		t, err := filepath.EvalSymlinks(path)
		if err != nil {
			return WriteResult{}, fmt.Errorf("put token file %s: %w", path, err)
		}
		target = t
	}
	unlock, err := lock(target)
	if err != nil {
		return WriteResult{}, fmt.Errorf("put token file %s: %w", path, err)
	}
	defer unlock()
	if expect == nil {
		if err := createFile(target, data, mode.Perm()); err != nil {
			return WriteResult{}, fmt.Errorf("put token file %s: %w", path, err)
		}
		return res, nil
	}
	opened := noteOwnOpen(target)
	cur, err := os.ReadFile(target)
	opened(err)
	if err != nil {
		return WriteResult{}, fmt.Errorf("put token file %s: read: %w", path, err)
	}
	if sha256.Sum256(cur) != *expect {
		return WriteResult{}, fmt.Errorf("put token file %s: %w", path, ErrConflict)
	}
	tmp, err := writeTemp(target, data, mode.Perm())
	if err != nil {
		return WriteResult{}, fmt.Errorf("put token file %s: %w", path, err)
	}
	if err := os.Rename(tmp, target); err != nil {
		_ = os.Remove(tmp)
		return WriteResult{}, fmt.Errorf("put token file %s: replace: %w", path, err)
	}
	if err := syncDir(filepath.Dir(target)); err != nil {
		return WriteResult{}, fmt.Errorf("put token file %s: %w", path, err)
	}
	return res, nil
}

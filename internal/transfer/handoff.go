package transfer

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// The handed-off set on disk: <home>/state/token-handoff.json, file name →
// sha256 of the bytes exported with --handoff. The daemon loads it at start
// and is told of each change (POST /v1/handoff); a file whose bytes are no
// longer those is not handed off (an import or login ended it).

const handoffVersion = 1

type handoffDoc struct {
	Version int                     `json:"version"`
	Files   map[string]handoffEntry `json:"files"`
}

type handoffEntry struct {
	SHA256 string    `json:"sha256"`
	At     time.Time `json:"at"`
}

// LoadHandoff reads the handed-off set (empty when there is none).
func LoadHandoff(path string) (map[string][32]byte, error) {
	doc, err := readHandoff(path)
	if err != nil {
		return nil, err
	}
	return doc.set(), nil
}

func (d handoffDoc) set() map[string][32]byte {
	out := make(map[string][32]byte, len(d.Files))
	for name, e := range d.Files {
		var h [32]byte
		if b, err := hex.DecodeString(e.SHA256); err == nil && len(b) == len(h) {
			copy(h[:], b)
			out[name] = h
		}
	}
	return out
}

func readHandoff(path string) (handoffDoc, error) {
	doc := handoffDoc{Version: handoffVersion, Files: map[string]handoffEntry{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return doc, nil
	}
	if err != nil {
		return doc, fmt.Errorf("read %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.Version != handoffVersion {
		return doc, fmt.Errorf("%s is damaged or of another version", path)
	}
	if doc.Files == nil {
		doc.Files = map[string]handoffEntry{}
	}
	return doc, nil
}

// UpdateHandoff changes the handed-off set under a lock: add maps names to
// the hashes handed off now, drop names that are handed off no more.
// Entries whose file no longer holds the handed-off bytes are dropped too
// (stale: an import or login ended them). It returns the set before and
// after.
func UpdateHandoff(path, authDir string, add map[string][32]byte, drop []string, now time.Time) (before, after map[string][32]byte, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("handoff: %w", err)
	}
	lk := flock.New(path + ".lock")
	if err := lk.Lock(); err != nil {
		return nil, nil, fmt.Errorf("handoff: lock: %w", err)
	}
	defer lk.Unlock()
	doc, err := readHandoff(path)
	if err != nil {
		return nil, nil, err
	}
	before = doc.set()
	for _, name := range drop {
		delete(doc.Files, name)
	}
	for name, h := range add {
		doc.Files[name] = handoffEntry{SHA256: hex.EncodeToString(h[:]), At: now.UTC().Round(0)}
	}
	for name, e := range doc.Files {
		if _, fresh := add[name]; fresh {
			continue
		}
		data, err := os.ReadFile(filepath.Join(authDir, name))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				delete(doc.Files, name)
			}
			continue
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			delete(doc.Files, name)
		}
	}
	if err := writeJSONAtomic(path, doc); err != nil {
		return nil, nil, err
	}
	return before, doc.set(), nil
}

// RestoreHandoff puts back a set UpdateHandoff returned as before (an
// export whose bundle could not be written).
func RestoreHandoff(path string, set map[string][32]byte, now time.Time) error {
	lk := flock.New(path + ".lock")
	if err := lk.Lock(); err != nil {
		return fmt.Errorf("handoff: lock: %w", err)
	}
	defer lk.Unlock()
	doc := handoffDoc{Version: handoffVersion, Files: map[string]handoffEntry{}}
	for name, h := range set {
		doc.Files[name] = handoffEntry{SHA256: hex.EncodeToString(h[:]), At: now.UTC().Round(0)}
	}
	return writeJSONAtomic(path, doc)
}

func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("handoff: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("handoff: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	return nil
}

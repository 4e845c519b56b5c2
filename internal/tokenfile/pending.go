package tokenfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Pending is a provider's answer that is not on disk yet. With rotating
// refresh tokens it is the only copy of the new refresh token, so it is
// kept in <dir>/.<file name>.pending (0600, beside the lock file, skipped
// by Skip) from the moment it arrives until it is written or provably
// superseded: a crash or a restart in between does not lose it.
type Pending struct {
	// UsedRefreshToken is the refresh token the request sent: the condition
	// of the write.
	UsedRefreshToken string
	Update           Update
	// Enrich: the provider wants its second call once the tokens are written.
	Enrich     bool
	ReceivedAt time.Time
}

// pendingVersion is the version of the .pending file format.
const pendingVersion = 1

// pendingDisk is the file format. It holds secrets, like the token file.
type pendingDisk struct {
	Version          int            `json:"version"`
	File             string         `json:"file"`
	UsedRefreshToken string         `json:"usedRefreshToken"`
	AccessToken      string         `json:"access_token"`
	RefreshToken     string         `json:"refresh_token,omitempty"`
	TokenType        string         `json:"token_type,omitempty"`
	ExpiresIn        int64          `json:"expires_in,omitempty"`
	ExpiresAt        time.Time      `json:"expiresAt,omitzero"`
	Extra            map[string]any `json:"extra,omitempty"`
	Enrich           bool           `json:"enrich,omitempty"`
	ReceivedAt       time.Time      `json:"receivedAt"`
}

const pendingSuffix = ".pending"

// PendingPath is where the pending answer of the token file at path is kept.
func PendingPath(path string) string {
	dir, name := filepath.Split(path)
	return filepath.Join(dir, "."+name+pendingSuffix)
}

// SavePending stores p for the token file at path: a temporary file,
// fsynced, renamed into place, the directory fsynced.
func SavePending(path string, p Pending) error {
	d := pendingDisk{
		Version: pendingVersion, File: filepath.Base(path), UsedRefreshToken: p.UsedRefreshToken,
		AccessToken: p.Update.AccessToken, RefreshToken: p.Update.RefreshToken, TokenType: p.Update.TokenType,
		ExpiresIn: p.Update.ExpiresIn, ExpiresAt: p.Update.ExpiresAt.UTC(), Extra: p.Update.Extra,
		Enrich: p.Enrich, ReceivedAt: p.ReceivedAt.UTC().Round(0),
	}
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("save pending tokens of %s: %w", filepath.Base(path), err)
	}
	dst := PendingPath(path)
	tmp, err := writeTemp(dst, data, 0o600)
	if err != nil {
		return fmt.Errorf("save pending tokens of %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("save pending tokens of %s: %w", filepath.Base(path), err)
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("save pending tokens of %s: %w", filepath.Base(path), err)
	}
	return nil
}

// LoadPending reads the pending answer of the token file at path; the
// error wraps fs.ErrNotExist when there is none.
func LoadPending(path string) (Pending, error) {
	data, err := os.ReadFile(PendingPath(path))
	if err != nil {
		return Pending{}, fmt.Errorf("load pending tokens of %s: %w", filepath.Base(path), err)
	}
	var d pendingDisk
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // extras keep their exact numbers
	if err := dec.Decode(&d); err != nil || d.Version != pendingVersion || d.AccessToken == "" {
		return Pending{}, fmt.Errorf("load pending tokens of %s: %w", filepath.Base(path), errBadPending)
	}
	return Pending{
		UsedRefreshToken: d.UsedRefreshToken,
		Update: Update{AccessToken: d.AccessToken, RefreshToken: d.RefreshToken, TokenType: d.TokenType,
			ExpiresIn: d.ExpiresIn, ExpiresAt: d.ExpiresAt, Extra: d.Extra},
		Enrich:     d.Enrich,
		ReceivedAt: d.ReceivedAt,
	}, nil
}

var errBadPending = errors.New("not a pending-tokens file of this version")

// RemovePending deletes the pending answer of the token file at path (none
// is no error).
func RemovePending(path string) error {
	err := os.Remove(PendingPath(path))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove pending tokens of %s: %w", filepath.Base(path), err)
	}
	return nil
}

// PendingNames lists the token file names of dir that have a pending
// answer, whether the token file exists or not.
func PendingNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list pending tokens in %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(n, ".") || !strings.HasSuffix(n, pendingSuffix) {
			continue
		}
		if name := strings.TrimSuffix(n[1:], pendingSuffix); !Skip(name) {
			names = append(names, name)
		}
	}
	return names, nil
}

package lifecycle

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Leader is RouteCodex's token-manager leader file held by the daemon.
// While it exists and names a live process, RouteCodex's built-in token
// manager stands down instead of racing the daemon on rotating refresh
// tokens.
type Leader struct {
	path string
}

// leaderRecord is the file's shape; startedAt is in Unix milliseconds, as
// RouteCodex (a Node.js program) writes its own times with Date.now().
type leaderRecord struct {
	OwnerID   string `json:"ownerId"`
	PID       int    `json:"pid"`
	StartedAt int64  `json:"startedAt"`
}

// ClaimLeader writes <routecodexHome>/state/token-manager/leader.json when
// that folder exists (RouteCodex is installed and uses it); otherwise it
// does nothing and returns nil, nil.
func ClaimLeader(routecodexHome string, pid int, now time.Time) (*Leader, error) {
	dir := filepath.Join(routecodexHome, "state", "token-manager")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, nil
	}
	path := filepath.Join(dir, "leader.json")
	rec := leaderRecord{
		OwnerID:   "routecodex-token-daemon-" + strconv.Itoa(pid),
		PID:       pid,
		StartedAt: now.UnixMilli(),
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return nil, err
	}
	tmp := path + ".tmp-" + strconv.Itoa(pid)
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return nil, fmt.Errorf("leader file %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return nil, fmt.Errorf("leader file %s: %w", path, err)
	}
	return &Leader{path: path}, nil
}

// Release removes the leader file if it is still ours.
func (l *Leader) Release() error {
	if l == nil {
		return nil
	}
	data, err := os.ReadFile(l.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var rec leaderRecord
	if json.Unmarshal(data, &rec) == nil && rec.PID != os.Getpid() {
		return nil // someone else took over; leave theirs
	}
	return os.Remove(l.path)
}

package notify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// snoozeRecord is the snooze file: when each token's "Later" ends. It
// survives a restart of the daemon, so a snoozed token stays quiet for the
// hour the user asked for.
type snoozeRecord struct {
	Snoozes map[string]time.Time `json:"snoozes"`
}

// loadSnoozes reads the snooze file; a missing or unreadable one is empty
// (a lost snooze only means one notification too many).
func loadSnoozes(path string, now time.Time) map[string]time.Time {
	out := map[string]time.Time{}
	if path == "" {
		return out
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	var rec snoozeRecord
	if json.Unmarshal(data, &rec) != nil {
		return out
	}
	for file, until := range rec.Snoozes {
		if until.After(now) {
			out[file] = until
		}
	}
	return out
}

// saveSnoozes writes the snoozes still running at now, atomically.
func saveSnoozes(path string, snoozes map[string]time.Time, now time.Time) error {
	if path == "" {
		return nil
	}
	rec := snoozeRecord{Snoozes: map[string]time.Time{}}
	for file, until := range snoozes {
		if until.After(now) {
			rec.Snoozes[file] = until.UTC()
		}
	}
	data, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return nil
}

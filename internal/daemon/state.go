package daemon

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// stateVersion is the version of the bookkeeping file format.
const stateVersion = 1

// persistedState is the daemon's bookkeeping at Config.StatePath. It never
// holds a token value: tokens that could not be written are kept in memory
// only (a crash loses them, like the refresh that produced them).
type persistedState struct {
	Version int                      `json:"version"`
	Files   map[string]persistedFile `json:"files"`
	// History is the last refresh attempts by file name.
	History map[string][]persistedAttempt `json:"history,omitempty"`
	// Usage is the token broker's access counts by file name.
	Usage map[string]persistedUsage `json:"usage,omitempty"`
	// Opens is the opens of token files by other programs by file name.
	Opens map[string]persistedUsage `json:"opens,omitempty"`
}

type persistedFile struct {
	LastRefreshAt *time.Time `json:"lastRefreshAt,omitempty"`
	Failures      int        `json:"failures,omitempty"`
	LastError     string     `json:"lastError,omitempty"`
	// Status is needs_reauth or refresh_failed when the failure state holds.
	Status  string     `json:"status,omitempty"`
	Reason  string     `json:"reason,omitempty"`
	Failure string     `json:"failure,omitempty"` // backoff | slow | reauth | misconfigured
	RetryAt *time.Time `json:"retryAt,omitempty"`
	// FileHash is the sha256 of the file content the failure state is about;
	// a file changed while the daemon was down starts afresh.
	FileHash      string     `json:"fileHash,omitempty"`
	MissingSince  *time.Time `json:"missingSince,omitempty"`
	Notified      string     `json:"notified,omitempty"`
	EnrichPending bool       `json:"enrichPending,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Round(0)
	return &t
}

// loadState reads the bookkeeping file; a missing one is empty and a
// corrupt one is logged and ignored.
func (d *Daemon) loadState() map[string]persistedFile {
	if d.cfg.StatePath == "" {
		return nil
	}
	data, err := os.ReadFile(d.cfg.StatePath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		d.log.Warn("daemon state unreadable; starting afresh", "path", d.cfg.StatePath, "err", err)
		return nil
	}
	var st persistedState
	if err := json.Unmarshal(data, &st); err != nil || st.Version != stateVersion {
		d.log.Warn("daemon state corrupt or of another version; ignoring it", "path", d.cfg.StatePath,
			"err", err, "version", st.Version)
		return nil
	}
	d.history = historyFromDisk(st.History)
	d.brk.usage = usageFromDisk(st.Usage)
	d.opens = usageFromDisk(st.Opens)
	return st.Files
}

// restoreLocked applies what was remembered of e's file, once, at first
// sight. A failure state only holds for the very content it was about.
func (d *Daemon) restoreLocked(e *entry) {
	p, ok := d.restored[e.name]
	if !ok {
		return
	}
	delete(d.restored, e.name)
	if p.LastRefreshAt != nil {
		e.lastRefreshAt = *p.LastRefreshAt
	}
	if p.FileHash != hex.EncodeToString(e.file.Hash[:]) {
		return
	}
	e.failures = p.Failures
	e.lastError = p.LastError
	e.reason = p.Reason
	e.notified = NoticeKind(p.Notified)
	e.enrichPending = p.EnrichPending
	switch failKind(p.Failure) {
	case failBackoff, failSlow, failReauth:
		e.fail = failKind(p.Failure)
		if p.RetryAt != nil {
			e.retryAt = *p.RetryAt
		}
	case failMisconfigured:
		// Configuration may have been fixed while we were down: one try,
		// without a new notice if it still fails (notified is kept).
		e.fail = failNone
	}
}

func (d *Daemon) snapshotStateLocked() persistedState {
	st := persistedState{Version: stateVersion, Files: make(map[string]persistedFile, len(d.entries))}
	for name, e := range d.entries {
		p := persistedFile{
			LastRefreshAt: timePtr(e.lastRefreshAt),
			Failures:      e.failures,
			LastError:     e.lastError,
			Reason:        e.reason,
			Failure:       string(e.fail),
			RetryAt:       timePtr(e.retryAt),
			MissingSince:  timePtr(e.missingSince),
			Notified:      string(e.notified),
			EnrichPending: e.enrichPending,
		}
		switch e.fail {
		case failReauth:
			p.Status = "needs_reauth"
		case failSlow, failMisconfigured:
			p.Status = "refresh_failed"
		}
		if e.fail != failNone || e.notified != "" || e.enrichPending {
			p.FileHash = hex.EncodeToString(e.file.Hash[:])
		}
		if p == (persistedFile{}) {
			continue
		}
		st.Files[name] = p
	}
	// Remembered files not seen yet (e.g. before the first scan) are kept.
	for name, p := range d.restored {
		if _, ok := st.Files[name]; !ok {
			st.Files[name] = p
		}
	}
	keep := func(name string) bool {
		_, known := d.entries[name]
		_, remembered := d.restored[name]
		return known || remembered
	}
	st.History = historyToDisk(d.history, keep)
	st.Usage = d.usageToDiskLocked(keep)
	st.Opens = d.opensToDiskLocked(keep)
	return st
}

// saveIfDirty writes the bookkeeping file atomically when something changed.
func (d *Daemon) saveIfDirty(force bool) {
	if d.cfg.StatePath == "" || !d.dirty.Load() {
		return
	}
	// At most one save a second: a refresh storm must not rewrite the file
	// per token. What is left dirty is saved by a later pass (every
	// CheckInterval at the latest) or at shutdown.
	now := d.clock.Now()
	if !force && now.Sub(d.lastSave) < time.Second && now.Sub(d.lastSave) >= 0 {
		return
	}
	d.lastSave = now
	d.dirty.Store(false)
	d.usageDirty.Store(false) // before the copy: a later access sets it again
	d.mu.Lock()
	st := d.snapshotStateLocked()
	d.mu.Unlock()
	path, log := d.cfg.StatePath, d.log
	write := func() {
		if err := writeAtomic(path, st); err != nil {
			log.Error("save daemon state", "path", path, "err", err)
		}
	}
	if force {
		d.saves.wait()
		write()
		return
	}
	// Off the loop: encoding and fsyncing the bookkeeping of 1,000 files
	// took tens of milliseconds on a slow disk, and a file change that
	// arrived meanwhile waited for it (the tail of the polled change
	// latency). Saves stay in order, and only the latest waiting one is
	// written.
	d.saves.queue(write)
}

// saver runs state saves one at a time on a goroutine of its own, while
// there are any; a save queued while another is written replaces the one
// still waiting.
type saver struct {
	mu   sync.Mutex
	next func()
	busy bool
	idle sync.Cond
}

func (s *saver) queue(save func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = save
	if !s.busy {
		s.busy = true
		go s.run()
	}
}

func (s *saver) run() {
	s.mu.Lock()
	for s.next != nil {
		save := s.next
		s.next = nil
		s.mu.Unlock()
		save()
		s.mu.Lock()
	}
	s.busy = false
	s.idle.Broadcast()
	s.mu.Unlock()
}

// wait returns once no save is queued or being written.
func (s *saver) wait() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idle.L == nil {
		s.idle.L = &s.mu
	}
	for s.busy {
		s.idle.Wait()
	}
}

func writeAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".token-daemon-state-*.tmp")
	if err != nil {
		return fmt.Errorf("create temp state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace state: %w", err)
	}
	return nil
}

package daemon

import (
	"errors"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// File events: what the watcher reports, read and applied to the entries.

// FileChanged tells the core that name (a base name in the auth dir) was
// created, written, removed or renamed; name "" asks for a full rescan. It
// only records the name and wakes the loop.
func (d *Daemon) FileChanged(name string) {
	if name != "" {
		name = filepath.Base(name)
		if tokenfile.Skip(name) && name != clientsFile {
			return
		}
	}
	d.chMu.Lock()
	d.changes[name] = true
	d.chMu.Unlock()
	d.signal()
}

// clientsFile holds client secrets; its change may cure a misconfigured file.
const clientsFile = "oauth-clients.local.json"

func (d *Daemon) drainChanges() {
	d.chMu.Lock()
	names := d.changes
	d.changes = map[string]bool{}
	d.chMu.Unlock()
	if names[""] {
		d.rescan()
	}
	for name := range names {
		switch name {
		case "":
		case clientsFile:
			d.retryMisconfigured()
		default:
			if !names[""] {
				d.reread(name)
			}
		}
	}
	if len(names) > 0 {
		d.retryPendingWrites()
	}
}

// rescan reads the whole auth dir: new files are added, changed ones
// re-read, vanished ones marked missing.
func (d *Daemon) rescan() {
	d.mu.Lock()
	gens := make(map[string]uint64, len(d.entries))
	for name, e := range d.entries {
		gens[name] = e.writes
	}
	d.mu.Unlock()
	files, err := tokenfile.Scan(d.cfg.AuthDir, d.fileOptions())
	if errors.Is(err, fs.ErrNotExist) {
		// No auth dir (yet): a first run, or it was removed. No files;
		// the watcher waits for the dir to appear.
		files, err = nil, nil
	}
	if err != nil {
		d.log.Error("scan auth dir", "dir", d.cfg.AuthDir, "err", err)
		return
	}
	files = append(files, d.scanSources()...)
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		seen[f.Name] = true
		if f.Retry {
			d.retryReadLater(f)
			continue
		}
		gen, known := gens[f.Name]
		d.apply(f.Name, f, gen, known)
	}
	d.mu.Lock()
	var gone []string
	for name, e := range d.entries {
		if !seen[name] && e.missingSince.IsZero() {
			gone = append(gone, name)
		}
	}
	// Files remembered as missing that never showed up again stay missing.
	for name, p := range d.restored {
		if p.MissingSince != nil && !seen[name] && d.entries[name] == nil {
			e := d.newEntryLocked(name, &tokenfile.File{Name: name, Path: filepath.Join(d.cfg.AuthDir, name)})
			e.missingSince = *p.MissingSince
			e.notified = NoticeKind(p.Notified)
			delete(d.restored, name)
			d.planLocked(e, d.clock.Now())
		}
	}
	d.mu.Unlock()
	for _, name := range gone {
		gen, known := gens[name]
		d.apply(name, nil, gen, known)
	}
}

// reread re-reads one file after a change notice. Symlinks are checked at
// every read: a link that leaves the auth dir is no token file, whenever it
// appears.
func (d *Daemon) reread(name string) {
	d.mu.Lock()
	e := d.entries[name]
	var gen uint64
	if e != nil {
		gen = e.writes
	}
	d.mu.Unlock()

	f := d.loadName(name)
	if f != nil && f.Retry {
		d.retryReadLater(f)
		return
	}
	d.apply(name, f, gen, e != nil)
}

// retryReadLater keeps the last state of a file whose read failed for a
// passing reason (too many open files) and reads it again at the next tick.
func (d *Daemon) retryReadLater(f *tokenfile.File) {
	d.chMu.Lock()
	first := !d.retryReads[f.Name]
	d.retryReads[f.Name] = true
	d.chMu.Unlock()
	if first {
		d.log.Warn("token file could not be read for now; reading it again at the next check",
			"file", f.Name, "reason", f.Invalid)
	}
}

// rereadRetries requeues the files whose last read failed for a passing
// reason (safety-net tick).
func (d *Daemon) rereadRetries() {
	d.chMu.Lock()
	names := d.retryReads
	d.retryReads = map[string]bool{}
	d.chMu.Unlock()
	for name := range names {
		d.reread(name)
	}
}

// apply records what was read of name (nil: the file is gone). gen and
// known guard against a read that raced one of the daemon's own writes.
func (d *Daemon) apply(name string, f *tokenfile.File, gen uint64, known bool) {
	now := d.clock.Now()
	d.mu.Lock()
	defer d.flush()
	defer d.mu.Unlock()
	e := d.entries[name]
	if known && (e == nil || e.writes != gen) {
		// Our own write landed while we were reading: read again later.
		d.requeue(name)
		return
	}
	if d.holdLocked(name, e, f, now) {
		d.signal() // the loop sets its timer for the end of the quiet
		return
	}
	if e != nil && e.flight != nil {
		d.applyInFlightLocked(e, f, now)
		return
	}
	if f == nil {
		if e == nil || !e.missingSince.IsZero() {
			return
		}
		e.missingSince = now
		e.nextRefreshAt = time.Time{}
		if e.pending != nil {
			d.log.Warn("token file removed while refreshed tokens wait to be written; keeping them until it is back",
				"file", name)
			e.pending.waiting = true
		}
		d.log.Warn("token file missing", "file", name)
		d.noticeLocked(e, NoticeMissing, reasonFileRemoved)
		d.planLocked(e, now)
		d.emitLocked(e, now)
		return
	}
	if e == nil {
		e = d.newEntryLocked(name, f)
		d.restoreLocked(e)
		d.restorePendingLocked(e)
		if f.Lifetime > 0 && !f.ExpiresAt.IsZero() {
			e.chainStart = f.ExpiresAt.Add(-f.Lifetime)
		}
		// The first scan logs one summary line instead (Run): a line per file
		// at every start would flood the log of a large auth dir.
		if d.scanned() {
			d.log.Info("token file added", "file", name, "provider", f.Provider)
		}
		d.checkFileNoticeLocked(e, now)
		d.planLocked(e, now)
		d.emitLocked(e, now)
		d.clusterChanged(name, false)
		return
	}
	if e.missingSince.IsZero() && f.Hash == e.file.Hash {
		if sameIdentity(f, e.file) {
			return // touched, not changed
		}
		// Same bytes, new configuration (an alias): a new name, same tokens.
		e.file = f
		d.planLocked(e, now)
		d.emitLocked(e, now)
		return
	}
	if e.hasOwn && f.Hash == e.ownHash && e.missingSince.IsZero() {
		e.file = f // our own write coming back through the watcher
		return
	}
	d.log.Info("token file changed outside the daemon", "file", name)
	d.clusterChanged(name, false)
	e.file = f
	e.missingSince = time.Time{}
	e.hasOwn = false
	d.clearFailLocked(e)
	d.externalChainLocked(e, now)
	d.checkFileNoticeLocked(e, now)
	d.planLocked(e, now)
	d.emitLocked(e, now)
}

// applyInFlightLocked shows an external write at once even while a refresh
// of the file is in flight (DESIGN.md section 10): the flight's own write
// then meets it in its compare. The file is read again after the flight.
func (d *Daemon) applyInFlightLocked(e *entry, f *tokenfile.File, now time.Time) {
	e.recheck = true
	if f == nil || f.Hash == e.file.Hash || (e.hasOwn && f.Hash == e.ownHash) {
		return
	}
	if ownWriteLocked(e, f) {
		return // the flight's own write, seen before its hash is recorded
	}
	d.log.Info("token file changed outside the daemon during a refresh", "file", e.name)
	d.clusterChanged(e.name, false)
	e.file = f
	e.changedInFlight = true
	d.emitLocked(e, now)
}

// externalChainLocked starts a new token chain after an external change:
// its own lifetime (by its expires_in; unknown without), no floor from the
// daemon's previous refresh.
func (d *Daemon) externalChainLocked(e *entry, now time.Time) {
	e.chainOwn = false
	e.chainStart = time.Time{}
	if f := e.file; f.Lifetime > 0 && !f.ExpiresAt.IsZero() {
		e.chainStart = f.ExpiresAt.Add(-f.Lifetime)
	}
}

// adoptPendingOfAbsentFiles keeps the answers found at start whose file is
// absent: their entries are missing, and the answers wait for the file.
func (d *Daemon) adoptPendingOfAbsentFiles() {
	now := d.clock.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, pw := range d.loadedPending {
		e := d.entries[name]
		if e == nil {
			e = d.newEntryLocked(name, &tokenfile.File{Name: name, Path: d.pendingPath(name)})
			e.missingSince = now
		}
		e.pending = pw
		d.planLocked(e, now)
	}
	d.loadedPending = nil
}

func (d *Daemon) requeue(name string) {
	d.chMu.Lock()
	d.changes[name] = true
	d.chMu.Unlock()
	d.signal()
}

func (d *Daemon) newEntryLocked(name string, f *tokenfile.File) *entry {
	lead := d.cfg.RefreshAhead / 10
	if lead > maxJitter {
		lead = maxJitter
	}
	e := &entry{name: name, file: f, index: -1, jitter: time.Duration(d.rand() * float64(lead))}
	d.entries[name] = e
	return e
}

// clearFailLocked forgets failures after an external change or success.
func (d *Daemon) clearFailLocked(e *entry) {
	e.fail = failNone
	e.reason = ""
	e.lastError = ""
	e.failures = 0
	e.retryAt = time.Time{}
	e.notified = ""
}

// checkFileNoticeLocked tells the user once about a file that needs a login
// by its own content (no refresh token past expiry).
func (d *Daemon) checkFileNoticeLocked(e *entry, now time.Time) {
	if !e.missingSince.IsZero() || e.fail != failNone {
		return
	}
	if st, reason := e.file.StatusAt(now, d.cfg.RefreshAhead); st == tokenfile.StatusNeedsReauth {
		d.noticeLocked(e, NoticeNeedsReauth, reason)
	}
	d.expiryNoticeLocked(e, now)
	d.watchNoticeLocked(e, now)
}

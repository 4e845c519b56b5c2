package daemon

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// pendingKeep is how long an answer waits for its file to come back.
const pendingKeep = 24 * time.Hour

// pendingWrite holds tokens the provider gave that are not on disk yet. The
// old refresh token may already be dead (rotation), so no new refresh starts
// while one exists; the write is retried instead. It is kept in memory and
// in the file's .pending file (DESIGN.md section 10) until it is written or
// provably superseded.
type pendingWrite struct {
	update tokenfile.Update // holds secrets: never logged
	usedRT string           // refresh token the refresh used: condition of the write
	enrich bool             // the provider wants an enrichment once written
	reason string
	// waiting: the file was absent or not readable as a token file, so the
	// answer waits for it (not a failure, no notice); else the write failed.
	waiting    bool
	receivedAt time.Time
}

func (pw *pendingWrite) disk() tokenfile.Pending {
	return tokenfile.Pending{UsedRefreshToken: pw.usedRT, Update: pw.update, Enrich: pw.enrich, ReceivedAt: pw.receivedAt}
}

// writeOutcome is what became of one attempt to write a pending answer.
type writeOutcome int

const (
	outWritten    writeOutcome = iota // on disk now (or already was)
	outSuperseded                     // the file holds another refresh token: theirs wins
	outWaiting                        // the file is absent or unreadable: keep waiting
	outFailed                         // the write failed (disk full, read-only, …)
)

// tryWrite writes pw into the file at path on the condition that the file
// still holds the refresh token the request used. onDisk is set for
// outSuperseded and for an answer found already on disk (res then empty).
func (d *Daemon) tryWrite(path string, pw *pendingWrite) (res tokenfile.WriteResult, onDisk *tokenfile.File, out writeOutcome, err error) {
	res, err = d.write(path, pw.update, &pw.usedRT)
	switch {
	case err == nil:
		return res, nil, outWritten, nil
	case errors.Is(err, tokenfile.ErrConflict):
		onDisk = d.readPath(path)
		if pw.update.RefreshToken != "" && onDisk.RefreshToken == pw.update.RefreshToken &&
			onDisk.AccessToken == pw.update.AccessToken {
			// Written before, by an attempt that died before removing its
			// .pending file.
			return tokenfile.WriteResult{}, onDisk, outWritten, nil
		}
		return res, onDisk, outSuperseded, err
	case errors.Is(err, tokenfile.ErrUnsettled):
		return res, nil, outWaiting, err
	default:
		return res, nil, outFailed, err
	}
}

// waitingReason is the status reason of an answer waiting for its file.
func waitingReason(name string, err error) string {
	why := "is not readable"
	var ue *tokenfile.UnsettledError
	if errors.As(err, &ue) {
		why = ue.Why
	}
	return fmt.Sprintf("new tokens wait to be written: the file %s (kept in .%s.pending)", why, name)
}

// savePending puts pw into the file's .pending file. A failure (a full or
// read-only disk) leaves it in memory only, and is logged.
func (d *Daemon) savePending(e *entry, pw *pendingWrite) {
	if err := tokenfile.SavePending(e.file.Path, pw.disk()); err != nil {
		d.log.Error("refreshed tokens could not be saved beside the file; keeping them in memory", "file", e.name, "err", err)
	}
}

func (d *Daemon) removePending(e *entry) {
	if err := tokenfile.RemovePending(e.file.Path); err != nil {
		d.log.Warn("remove pending tokens", "file", e.name, "err", err)
	}
}

// markWrittenLocked records a pending answer that is on disk now.
func (d *Daemon) markWrittenLocked(e *entry, res tokenfile.WriteResult, onDisk *tokenfile.File, now time.Time) {
	if onDisk != nil {
		e.file = onDisk
		e.ownHash, e.hasOwn = onDisk.Hash, true
		e.writes++
	} else {
		d.recordWriteLocked(e, res)
	}
	e.pending = nil
	d.clearFailLocked(e)
	e.lastRefreshAt = now
	e.chainStart, e.chainOwn = now, true
	d.clusterChanged(e.name, true)
}

// supersededLocked drops a pending answer whose file came back with a
// different refresh token: another program refreshed first.
func (d *Daemon) supersededLocked(e *entry, onDisk *tokenfile.File, now time.Time) {
	e.pending = nil
	e.file = onDisk
	e.missingSince = time.Time{}
	d.clearFailLocked(e)
	d.externalChainLocked(e, now)
	d.clusterChanged(e.name, false)
}

// retryPendingWrites tries again to write tokens that wait. Runs on the
// loop goroutine only; no flight runs on a file with a pending write.
func (d *Daemon) retryPendingWrites() {
	type job struct {
		e  *entry
		pw *pendingWrite
	}
	var jobs []job
	d.mu.Lock()
	for _, e := range d.entries {
		if e.pending != nil && e.flight == nil {
			jobs = append(jobs, job{e, e.pending})
		}
	}
	d.mu.Unlock()
	for _, j := range jobs {
		res, onDisk, out, err := d.tryWrite(j.e.file.Path, j.pw)
		if out == outWritten || out == outSuperseded {
			d.removePending(j.e)
		}
		now := d.clock.Now()
		d.mu.Lock()
		e := j.e
		if e.pending != j.pw {
			d.mu.Unlock()
			continue
		}
		switch out {
		case outSuperseded:
			d.log.Info("pending write conflict: another program refreshed the file; keeping its tokens", "file", e.name)
			d.supersededLocked(e, onDisk, now)
		case outWaiting:
			e.pending.reason = waitingReason(e.name, err)
			d.mu.Unlock()
			continue
		case outFailed:
			d.log.Debug("pending write still failing", "file", e.name, "err", err)
			e.pending.reason = "write failed: " + err.Error()
			e.lastError = e.pending.reason
			d.mu.Unlock()
			continue
		default:
			d.log.Info("pending write done", "file", e.name)
			enrich := j.pw.enrich
			d.markWrittenLocked(e, res, onDisk, now)
			if enrich {
				e.enrichPending, e.enrichAt = true, now
			}
		}
		d.planLocked(e, now)
		d.emitLocked(e, now)
		d.mu.Unlock()
		d.flush()
	}
}

// loadPending reads the answers a previous run left in .pending files; they
// are attached to their entries at first sight (restorePendingLocked).
func (d *Daemon) loadPending() map[string]*pendingWrite {
	paths := d.sourcePending()
	if paths == nil {
		paths = map[string]string{}
	}
	names, _ := tokenfile.PendingNames(d.cfg.AuthDir) // none when the dir is absent
	for _, name := range names {
		paths[name] = filepath.Join(d.cfg.AuthDir, name)
	}
	out := map[string]*pendingWrite{}
	d.pendingPaths = paths
	for name, path := range paths {
		p, err := tokenfile.LoadPending(path)
		if err != nil {
			d.log.Warn("pending tokens unreadable; leaving the file in place", "file", name, "err", err)
			continue
		}
		d.log.Info("refreshed tokens from before a restart found; writing them", "file", name)
		out[name] = &pendingWrite{update: p.Update, usedRT: p.UsedRefreshToken, enrich: p.Enrich,
			receivedAt: p.ReceivedAt, waiting: true, reason: "new tokens from before a restart wait to be written"}
	}
	return out
}

// restorePendingLocked attaches a pending answer found at start to e.
func (d *Daemon) restorePendingLocked(e *entry) {
	if pw, ok := d.loadedPending[e.name]; ok {
		delete(d.loadedPending, e.name)
		e.pending = pw
	}
}

// dropStalePendingLocked gives up an answer that waited pendingKeep for its
// file (DESIGN.md section 10), and says so.
func (d *Daemon) dropStalePendingLocked(e *entry, now time.Time) {
	pw := e.pending
	if pw == nil || !pw.waiting || now.Sub(pw.receivedAt) < pendingKeep {
		return
	}
	d.log.Warn("dropping refreshed tokens that waited 24 h for their file", "file", e.name,
		"receivedAt", pw.receivedAt.UTC().Format(time.RFC3339))
	e.pending = nil
	if err := tokenfile.RemovePending(e.file.Path); err != nil {
		d.log.Warn("remove pending tokens", "file", e.name, "err", err)
	}
}

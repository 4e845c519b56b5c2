package daemon

// sources.go: token files outside the auth dir (DESIGN.md section 15),
// reached only through the Sources port: the core never learns where they
// are or how each tool spells its fields.

import (
	"path/filepath"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Sources are the other tools' token files beside the auth dir. Their
// names are unique across sources ("<source>/<file>", so never a bare
// auth-dir name); each is read and written in its tool's format, with the
// tool's lock. An adapter implements it (internal/sources).
type Sources interface {
	// Scan reads every file of every source.
	Scan() []*tokenfile.File
	// Load reads the file of a source name (nil: not there); ok is false
	// for a name that is no source's.
	Load(name string) (f *tokenfile.File, ok bool)
	// Read reads the source file at path; ok is false for a path that is
	// no source's.
	Read(path string) (f *tokenfile.File, ok bool)
	// Write is tokenfile.Write in the file's format; ok is false for a
	// path that is no source's.
	Write(path string, u tokenfile.Update, ifRefreshToken *string) (res tokenfile.WriteResult, ok bool, err error)
	// Parse reads data written to the source file at path, as Load would
	// read it; ok is false for a path that is no source's.
	Parse(path string, data []byte) (f *tokenfile.File, ok bool)
	// Pending lists the source files that have a .pending answer, by
	// name, with their paths.
	Pending() map[string]string
}

// ReasonWatchExpired is the code of the reason of a watched file that
// expired: its tool did not refresh it, and the daemon does not.
const ReasonWatchExpired = "watch_expired"

const reasonWatchExpired = "expired; watched only: its own tool refreshes it"

// SourceChanged tells the core that the source file name (its unique
// name) changed; "" asks for a full rescan. Like FileChanged it only
// records the name and wakes the loop.
func (d *Daemon) SourceChanged(name string) {
	d.chMu.Lock()
	d.changes[name] = true
	d.chMu.Unlock()
	d.signal()
}

// withSources makes the core's writes of source files go through the
// sources (their format and lock).
func (d *Daemon) withSources(src Sources) {
	if src == nil {
		return
	}
	d.src = src
	own := d.write
	d.write = func(path string, u tokenfile.Update, ifRT *string) (tokenfile.WriteResult, error) {
		if res, ok, err := src.Write(path, u, ifRT); ok {
			return res, err
		}
		return own(path, u, ifRT)
	}
}

// loadName reads the file of name: a source's, else the auth dir's.
func (d *Daemon) loadName(name string) *tokenfile.File {
	if d.src != nil {
		if f, ok := d.src.Load(name); ok {
			return f
		}
	}
	return tokenfile.Load(d.cfg.AuthDir, name, d.fileOptions())
}

// readPath reads the file at path: a source's, else as an auth-dir file.
func (d *Daemon) readPath(path string) *tokenfile.File {
	if d.src != nil {
		if f, ok := d.src.Read(path); ok {
			return f
		}
	}
	return tokenfile.Read(path, d.fileOptions())
}

// parseWritten is the file of data the core just wrote at path, in the
// file's format.
func (d *Daemon) parseWritten(path string, data []byte) *tokenfile.File {
	if d.src != nil {
		if f, ok := d.src.Parse(path, data); ok {
			return f
		}
	}
	return tokenfile.Parse(path, data, d.fileOptions())
}

// scanSources is what the sources hold, for a rescan.
func (d *Daemon) scanSources() []*tokenfile.File {
	if d.src == nil {
		return nil
	}
	return d.src.Scan()
}

// sourcePending are the .pending answers of source files, by name.
func (d *Daemon) sourcePending() map[string]string {
	if d.src == nil {
		return nil
	}
	return d.src.Pending()
}

// watchWakeLocked is when to look at a watched file again: at its expiry,
// to tell the user once that its tool did not refresh it.
func (d *Daemon) watchWakeLocked(e *entry, now time.Time) time.Time {
	f := e.file
	if !f.Watch || f.Invalid != "" || f.LoggedOut || f.ExpiresAt.IsZero() || e.notified == NoticeExpired {
		return time.Time{}
	}
	if f.ExpiresAt.Before(now) {
		return now
	}
	return f.ExpiresAt
}

// watchNoticeLocked tells the user once that a watched token expired.
func (d *Daemon) watchNoticeLocked(e *entry, now time.Time) {
	f := e.file
	if !f.Watch || f.Invalid != "" || f.LoggedOut || f.ExpiresAt.IsZero() || now.Before(f.ExpiresAt) || !e.missingSince.IsZero() {
		return
	}
	d.noticeLocked(e, NoticeExpired, reasonWatchExpired)
}

// pendingPath is the token file of a .pending answer found at start.
func (d *Daemon) pendingPath(name string) string {
	if p, ok := d.pendingPaths[name]; ok {
		return p
	}
	return filepath.Join(d.cfg.AuthDir, name)
}

// sourceOptions hands new file options (aliases) to the sources, when
// they take them.
func (d *Daemon) sourceOptions(opts tokenfile.Options) {
	if so, ok := d.src.(interface{ SetOptions(tokenfile.Options) }); ok {
		so.SetOptions(opts)
	}
}

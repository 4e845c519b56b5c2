package tokenfile

import (
	"errors"
	"io/fs"
	"path/filepath"
	"sync"
)

// This process's own opens of token files, so that a watcher of opens
// (inotify IN_OPEN, which does not say who opened) can tell them from other
// programs' (DESIGN.md section 12). Every open of a token file by this
// package is noted before it happens; the watcher claims one noted open per
// event it sees, and what it cannot claim was another program. Off (and
// free) unless a watcher turns it on.
var ownOpens struct {
	mu sync.Mutex
	on bool
	n  map[string]int // by cleaned path
}

// maxOwnOpens bounds the opens noted for one file and not yet claimed
// (events the watcher lost); past it the count starts afresh.
const maxOwnOpens = 1024

// TrackOwnOpens turns the noting of this process's opens on or off; off
// forgets what was noted.
func TrackOwnOpens(on bool) {
	ownOpens.mu.Lock()
	defer ownOpens.mu.Unlock()
	ownOpens.on = on
	ownOpens.n = nil
}

// ClaimOwnOpen reports whether an open of path by this process was noted
// and not yet claimed, and claims it.
func ClaimOwnOpen(path string) bool {
	ownOpens.mu.Lock()
	defer ownOpens.mu.Unlock()
	path = filepath.Clean(path)
	if ownOpens.n[path] == 0 {
		return false
	}
	ownOpens.n[path]--
	if ownOpens.n[path] == 0 {
		delete(ownOpens.n, path)
	}
	return true
}

// ForgetOwnOpens drops every noted open (the watcher lost events).
func ForgetOwnOpens() {
	ownOpens.mu.Lock()
	defer ownOpens.mu.Unlock()
	ownOpens.n = nil
}

// noteOwnOpen notes an open of path about to happen; call the returned
// function with the open's error (a failed open reports nothing to a
// watcher, so it is un-noted).
func noteOwnOpen(path string) func(err error) {
	ownOpens.mu.Lock()
	defer ownOpens.mu.Unlock()
	if !ownOpens.on {
		return func(error) {}
	}
	path = filepath.Clean(path)
	if ownOpens.n == nil {
		ownOpens.n = map[string]int{}
	}
	if ownOpens.n[path] >= maxOwnOpens {
		ownOpens.n[path] = 0
	}
	ownOpens.n[path]++
	return func(err error) {
		if err == nil || !openFailed(err) {
			return
		}
		ownOpens.mu.Lock()
		defer ownOpens.mu.Unlock()
		if ownOpens.n[path] > 0 {
			ownOpens.n[path]--
		}
	}
}

// openFailed: the error is the open's own (the file was not opened), not a
// later read's.
func openFailed(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) || errors.Is(err, fs.ErrInvalid)
}

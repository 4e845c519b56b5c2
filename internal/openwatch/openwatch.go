// Package openwatch reports opens of the files of a directory by other
// programs (DESIGN.md section 12: opens of a token file count as use). On
// Linux it watches the directory with inotify IN_OPEN and tells this
// process's own opens (Options.Own) from the others'; elsewhere the OS does
// not report opens and New returns ErrUnsupported.
package openwatch

import (
	"errors"
	"log/slog"
)

// ErrUnsupported means this OS does not report opens of files.
var ErrUnsupported = errors.New("opens of files are not reported on this OS")

// Options configure a Watcher.
type Options struct {
	Logger *slog.Logger // nil: discard
	// Own reports whether an open of the path was this process's own (and
	// claims it); nil: every open counts.
	Own func(path string) bool
	// Lost is called when the OS dropped events (queue overflow).
	Lost func()
}

// Watcher watches one directory. New arms it (opens from then on are
// queued); Run reports them.
type Watcher struct {
	dir  string
	opts Options
	os   osWatcher
}

// New starts watching dir for opens.
func New(dir string, opts Options) (*Watcher, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Watcher{dir: dir, opts: opts}
	if err := w.os.arm(dir); err != nil {
		return nil, err
	}
	return w, nil
}

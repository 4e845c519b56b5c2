// Package watch tells the daemon which token files changed on disk. It is an
// adapter: fsnotify events on the auth directory become calls of a callback
// with a base name: at once on the first event of a burst, so that an atomic
// replace is picked up in milliseconds, and once more after the burst is
// quiet if more events followed, so that a burst of writes to one file (an
// editor, a slow in-place writer) gives at most two calls, not one per event.
package watch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// DefaultDebounce is the quiet time after the last event of a name that ends
// its burst; the events after the first are reported then, in one call.
const DefaultDebounce = 100 * time.Millisecond

// maxDelayFactor bounds how long a name that keeps changing is held back: at
// most maxDelayFactor×Debounce after its first event (1 s by default, the
// pick-up time DESIGN.md promises for external changes).
const maxDelayFactor = 10

// Options tune Run. The zero value is usable.
type Options struct {
	// Debounce is the quiet time per name that ends a burst; 0 means
	// DefaultDebounce.
	Debounce time.Duration
	// Logger receives watcher errors; nil discards them.
	Logger *slog.Logger
	// Skip reports names that are never token files; nil means
	// tokenfile.Skip. Names starting with "." (the daemon's temporary and
	// lock files) are always ignored.
	Skip func(name string) bool
	// Only, when set, is the one base name reported, hidden or not (Claude
	// Code's .credentials.json): a watch on another tool's file in its own
	// directory. Skip is then not asked.
	Only string

	// armed, when set (tests), is called each time a watch is placed:
	// with dir itself, or with the ancestor watched while dir is missing.
	armed func(watching string)
}

// Run watches dir until ctx ends and calls onChange with the base name of
// every token file that was created, written, removed, renamed or chmod-ed:
// on the first event of a burst at once, and, if more events of that name
// came, once more when the burst is over (Debounce after its last event, at
// most 10×Debounce after its first). The second call may see a half-written
// file no more than the first one: the reader decides what to make of it.
// onChange("") asks for a full rescan: it is called when dir appears (it may
// not exist yet, or be deleted and re-created: then its nearest existing
// ancestor is watched until it is back), when dir disappears, and after the
// kernel dropped events (overflow). onChange runs on Run's goroutine and
// must not block for long.
//
// Run returns nil when ctx ends, or an error if the watcher cannot be set up
// or fails for good.
func Run(ctx context.Context, dir string, opts Options, onChange func(name string)) error {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Skip == nil {
		opts.Skip = tokenfile.Skip
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch %s: %w", dir, err)
	}
	defer fw.Close()

	w := &watcher{
		dir:      filepath.Clean(abs),
		opts:     opts,
		fw:       fw,
		onChange: onChange,
		pending:  make(map[string]pendingName),
		timer:    time.NewTimer(time.Hour),
	}
	w.timer.Stop()
	defer w.timer.Stop()

	if err := w.arm(); err != nil {
		return err
	}
	return w.loop(ctx)
}

// pendingName is a burst in progress: reported at first, and again at its
// end if more is set.
type pendingName struct {
	first, last time.Time
	more        bool
}

type watcher struct {
	dir      string
	opts     Options
	fw       *fsnotify.Watcher
	onChange func(string)

	// waitingOn is the ancestor of dir watched while dir does not exist;
	// "" while dir itself is watched.
	waitingOn string

	pending map[string]pendingName
	timer   *time.Timer
}

// arm watches dir, or, when it does not exist, its nearest existing
// ancestor (w.waitingOn says which).
func (w *watcher) arm() error {
	for {
		err := w.fw.Add(w.dir)
		if err == nil {
			w.waitingOn = ""
			w.notifyArmed(w.dir)
			return nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("watch %s: %w", w.dir, err)
		}
		anc := nearestExisting(filepath.Dir(w.dir))
		if err := w.fw.Add(anc); err != nil {
			return fmt.Errorf("watch %s (waiting in %s): %w", w.dir, anc, err)
		}
		w.waitingOn = anc
		// The next path component may have been created between the two
		// Add calls, with its event lost: look again before waiting.
		if nearestExisting(w.dir) == anc {
			w.opts.Logger.Info("auth dir does not exist; waiting for it", "dir", w.dir, "watching", anc)
			w.notifyArmed(anc)
			return nil
		}
		_ = w.fw.Remove(anc)
		w.waitingOn = ""
	}
}

func (w *watcher) notifyArmed(path string) {
	if w.opts.armed != nil {
		w.opts.armed(path)
	}
}

// nearestExisting returns p or its closest ancestor that exists.
func nearestExisting(p string) string {
	for {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(p)
		if parent == p {
			return p
		}
		p = parent
	}
}

func (w *watcher) loop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fw.Events:
			if !ok {
				return fmt.Errorf("watch %s: watcher closed", w.dir)
			}
			if err := w.handle(ev); err != nil {
				return err
			}
		case err, ok := <-w.fw.Errors:
			if !ok {
				return fmt.Errorf("watch %s: watcher closed", w.dir)
			}
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				w.opts.Logger.Warn("file events were lost; rescanning", "dir", w.dir)
				clear(w.pending)
				w.onChange("")
				continue
			}
			w.opts.Logger.Warn("file watcher error", "dir", w.dir, "err", err)
		case <-w.timer.C:
			w.flush(time.Now())
		}
	}
}

func (w *watcher) handle(ev fsnotify.Event) error {
	name := filepath.Clean(ev.Name)
	if w.waitingOn != "" {
		// Waiting for dir: only the creation of the next component on the
		// way to it matters.
		if filepath.Dir(name) != w.waitingOn || !isPrefixPath(name, w.dir) {
			return nil
		}
		_ = w.fw.Remove(w.waitingOn)
		w.waitingOn = ""
		if err := w.arm(); err != nil {
			return err
		}
		if w.waitingOn == "" {
			w.opts.Logger.Info("auth dir is back; rescanning", "dir", w.dir)
			w.onChange("")
		}
		return nil
	}
	if name == w.dir {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.opts.Logger.Warn("auth dir disappeared; waiting for it", "dir", w.dir)
			// fsnotify drops the watch itself on delete/move; make sure.
			_ = w.fw.Remove(w.dir)
			clear(w.pending)
			// Arm before telling, so that a re-creation right after the
			// rescan is seen (or already found by arm).
			err := w.arm()
			w.onChange("")
			return err
		}
		return nil
	}
	if filepath.Dir(name) != w.dir {
		return nil
	}
	base := filepath.Base(name)
	if w.opts.Only != "" {
		if base != w.opts.Only {
			return nil
		}
	} else if strings.HasPrefix(base, ".") || w.opts.Skip(base) {
		return nil
	}
	w.note(base, time.Now())
	return nil
}

// isPrefixPath reports whether p is target or one of its ancestors.
func isPrefixPath(p, target string) bool {
	if p == target {
		return true
	}
	rel, err := filepath.Rel(p, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

func (w *watcher) note(name string, now time.Time) {
	p, ok := w.pending[name]
	if !ok {
		p.first = now
	} else {
		p.more = true
	}
	p.last = now
	w.pending[name] = p
	w.schedule(now)
	if !ok {
		w.onChange(name)
	}
}

func (w *watcher) due(p pendingName) time.Time {
	quiet := p.last.Add(w.opts.Debounce)
	if capAt := p.first.Add(maxDelayFactor * w.opts.Debounce); capAt.Before(quiet) {
		return capAt
	}
	return quiet
}

// schedule sets the timer to the earliest due name.
func (w *watcher) schedule(now time.Time) {
	w.timer.Stop()
	if len(w.pending) == 0 {
		return
	}
	var next time.Time
	for _, p := range w.pending {
		if d := w.due(p); next.IsZero() || d.Before(next) {
			next = d
		}
	}
	w.timer.Reset(max(next.Sub(now), 0))
}

// flush ends every burst whose quiet time is over, oldest change first, and
// reports those that had events after their first.
func (w *watcher) flush(now time.Time) {
	var due []string
	for name, p := range w.pending {
		if !w.due(p).After(now) {
			due = append(due, name)
		}
	}
	slices.SortFunc(due, func(a, b string) int { return w.due(w.pending[a]).Compare(w.due(w.pending[b])) })
	for _, name := range due {
		more := w.pending[name].more
		delete(w.pending, name)
		if more {
			w.onChange(name)
		}
	}
	w.schedule(now)
}

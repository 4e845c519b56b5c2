//go:build linux

package openwatch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

type osWatcher struct {
	f *os.File // the inotify fd, non-blocking, through the runtime's poller
}

func (o *osWatcher) arm(dir string) error {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("watch opens in %s: inotify: %w", dir, err)
	}
	// A non-blocking fd in an *os.File goes through the runtime's poller:
	// Close from another goroutine ends a Read in progress.
	o.f = os.NewFile(uintptr(fd), "inotify")
	// Closes are watched only to be dropped: the kernel merges identical
	// events in a row that were not read yet, and open, close, open, close
	// has none in a row, so each of several quick opens stays one event
	// (this process's own opens must each meet theirs).
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_OPEN|unix.IN_CLOSE_WRITE|unix.IN_CLOSE_NOWRITE|unix.IN_ONLYDIR); err != nil {
		o.f.Close()
		return fmt.Errorf("watch opens in %s: %w", dir, err)
	}
	return nil
}

// Close releases the watch; a Run in progress returns.
func (w *Watcher) Close() error { return w.os.f.Close() }

// Run calls opened with the base name of each file of the directory that
// other programs opened and how often, once per batch of events the OS
// hands over (a busy reader costs one call per batch, not per open), until
// ctx ends (nil) or the watch fails (the directory is removed, …). It
// closes the watcher when it returns.
func (w *Watcher) Run(ctx context.Context, opened func(name string, n int)) error {
	f := w.os.f
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	defer f.Close()

	buf := make([]byte, 64*1024)
	counts := map[string]int{}
	for {
		for name, c := range counts {
			opened(name, c)
			delete(counts, name)
		}
		n, err := f.Read(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("watch opens in %s: %w", w.dir, err)
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			end := off + unix.SizeofInotifyEvent + int(ev.Len)
			if end > n {
				break
			}
			name := buf[off+unix.SizeofInotifyEvent : end]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			off = end
			switch {
			case ev.Mask&unix.IN_Q_OVERFLOW != 0:
				w.opts.Logger.Warn("open events were lost; usage counts may be low", "dir", w.dir)
				if w.opts.Lost != nil {
					w.opts.Lost()
				}
			case ev.Mask&unix.IN_IGNORED != 0:
				return fmt.Errorf("watch opens in %s: %w", w.dir, os.ErrNotExist)
			case ev.Mask&unix.IN_OPEN == 0, ev.Mask&unix.IN_ISDIR != 0, len(name) == 0:
			default:
				base := string(name)
				if w.opts.Own != nil && w.opts.Own(filepath.Join(w.dir, base)) {
					continue
				}
				counts[base]++
			}
		}
	}
}

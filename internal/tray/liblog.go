package tray

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
)

// LibraryLog is a writer for the standard log package, which
// fyne.io/systray prints its failures to ("systray error: failed to emit
// new icon signal: …"). Each becomes one warning of the tray's own log, in
// a sentence that says what it means, and a failure that repeats on every
// update is told once.
type LibraryLog struct {
	log  *slog.Logger
	mu   sync.Mutex
	seen map[string]bool
	buf  []byte
}

// NewLibraryLog returns a LibraryLog writing to logger.
func NewLibraryLog(logger *slog.Logger) *LibraryLog {
	return &LibraryLog{log: logger, seen: map[string]bool{}}
}

func (l *LibraryLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
		if line != "" {
			l.line(line)
		}
	}
	return len(p), nil
}

func (l *LibraryLog) line(line string) {
	detail := strings.TrimSpace(strings.TrimPrefix(line, "systray error:"))
	what, _, _ := strings.Cut(detail, ":")
	if l.seen[what] {
		return
	}
	l.seen[what] = true
	l.log.Warn(librarySentence(detail), "detail", detail)
}

// librarySentence says in one sentence what a systray failure means.
func librarySentence(detail string) string {
	switch {
	case strings.Contains(detail, "connect to DBus"):
		return "tray: cannot reach the desktop session bus, so the tray icon is not shown"
	case strings.Contains(detail, "signal"), strings.Contains(detail, "prop"), strings.Contains(detail, "menu version"):
		return "tray: the desktop did not take an update of the tray icon or menu; it may show an old state"
	case strings.Contains(detail, "no menu item"):
		return "tray: a click came for a menu entry that no longer exists; ignored"
	}
	return "tray: the tray library reported a failure"
}

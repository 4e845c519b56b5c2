package daemon

import (
	"errors"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// historyKeep is how many refresh attempts are kept per file.
const historyKeep = 20

// maxAttemptError bounds the error text kept per attempt.
const maxAttemptError = 300

// Attempt is one refresh attempt of a file, as kept in its history. It
// never holds a token value.
type Attempt struct {
	At     time.Time        // when the attempt ended
	Manual bool             // asked for (CLI, tray, web UI) rather than scheduled
	Status tokenfile.Status // the file's status right after
	Error  string           // short reason; "" on success
}

// persistedAttempt is an Attempt in the state file.
type persistedAttempt struct {
	At     time.Time `json:"at"`
	Manual bool      `json:"manual,omitempty"`
	Status string    `json:"status"`
	Error  string    `json:"error,omitempty"`
}

// History returns the last refresh attempts of file (a file name as in
// TokenState.File), oldest first; nil when there were none.
func (d *Daemon) History(file string) []Attempt {
	d.mu.Lock()
	defer d.mu.Unlock()
	h := d.history[file]
	if len(h) == 0 {
		return nil
	}
	return append([]Attempt(nil), h...)
}

// recordAttemptLocked adds the outcome of a finished refresh flight to e's
// history. A flight cut short by shutdown before reaching the provider is
// not an attempt.
func (d *Daemon) recordAttemptLocked(e *entry, fl *flight, now time.Time) {
	if fl.kind != flightRefresh || errors.Is(fl.err, ErrStopped) {
		return
	}
	a := Attempt{At: now.UTC().Round(0), Manual: fl.manual, Status: fl.status}
	if fl.err != nil {
		a.Error = shortError(e.name, fl.err)
	}
	if d.history == nil {
		d.history = map[string][]Attempt{}
	}
	h := append(d.history[e.name], a)
	if len(h) > historyKeep {
		h = append([]Attempt(nil), h[len(h)-historyKeep:]...)
	}
	d.history[e.name] = h
	d.dirty.Store(true)
}

// shortError drops the "refresh <file>: " prefix the history already says
// and bounds the length.
func shortError(name string, err error) string {
	msg := strings.TrimPrefix(err.Error(), "refresh "+name+": ")
	if r := []rune(msg); len(r) > maxAttemptError {
		msg = string(r[:maxAttemptError]) + "…"
	}
	return msg
}

func historyToDisk(h map[string][]Attempt, keep func(name string) bool) map[string][]persistedAttempt {
	out := make(map[string][]persistedAttempt, len(h))
	for name, list := range h {
		if len(list) == 0 || !keep(name) {
			continue
		}
		p := make([]persistedAttempt, len(list))
		for i, a := range list {
			p[i] = persistedAttempt{At: a.At, Manual: a.Manual, Status: string(a.Status), Error: a.Error}
		}
		out[name] = p
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func historyFromDisk(p map[string][]persistedAttempt) map[string][]Attempt {
	out := make(map[string][]Attempt, len(p))
	for name, list := range p {
		if len(list) > historyKeep {
			list = list[len(list)-historyKeep:]
		}
		h := make([]Attempt, len(list))
		for i, a := range list {
			h[i] = Attempt{At: a.At, Manual: a.Manual, Status: tokenfile.Status(a.Status), Error: a.Error}
		}
		out[name] = h
	}
	return out
}

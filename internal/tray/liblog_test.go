package tray

import (
	"bytes"
	"log"
	"log/slog"
	"strings"
	"testing"
)

// systray's raw "systray error: …" lines become one sentence each, and a
// failure repeated on every update is told once.
func TestLibraryLogSentences(t *testing.T) {
	var out bytes.Buffer
	l := log.New(NewLibraryLog(slog.New(slog.NewTextHandler(&out, nil))), "", 0)
	l.Printf("systray error: failed to connect to DBus: dial unix /run/user/1000/bus: connect: no such file or directory\n")
	for range 3 {
		l.Printf("systray error: failed to emit new icon signal: The connection is closed\n")
	}
	got := out.String()
	if n := strings.Count(got, "level=WARN"); n != 2 {
		t.Errorf("%d warnings, want 2:\n%s", n, got)
	}
	if !strings.Contains(got, `msg="tray: cannot reach the desktop session bus, so the tray icon is not shown"`) ||
		!strings.Contains(got, `msg="tray: the desktop did not take an update of the tray icon or menu; it may show an old state"`) {
		t.Errorf("sentences:\n%s", got)
	}
	if strings.Contains(got, "msg=\"systray error") {
		t.Errorf("a raw library line is the message:\n%s", got)
	}
}

package notify

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
)

// "Later" lasts its hour even if the daemon restarts in between.
func TestSnoozeSurvivesRestart(t *testing.T) {
	const file = "qwen-oauth-1-work.json"
	snoozes := filepath.Join(t.TempDir(), "state", "token-notify.json")
	clock := newClock()

	be := &fakeBackend{actions: true}
	d := newDesktop(Options{ShowPopup: true, Now: clock.Now, SnoozeFile: snoozes}, be)
	d.Notify(notice(daemon.NoticeNeedsReauth, file))
	if be.count() != 1 {
		t.Fatalf("%d shown, want 1", be.count())
	}
	d.handleAction(1, ActionCancel)

	// A new daemon, 10 minutes later: the token is still snoozed.
	clock.Advance(10 * time.Minute)
	be2 := &fakeBackend{actions: true}
	d2 := newDesktop(Options{ShowPopup: true, Now: clock.Now, SnoozeFile: snoozes}, be2)
	d2.Notify(notice(daemon.NoticeNeedsReauth, file))
	if be2.count() != 0 {
		t.Fatalf("snoozed token notified after a restart")
	}
	// After the hour it is told again.
	clock.Advance(SnoozeFor)
	d3 := newDesktop(Options{ShowPopup: true, Now: clock.Now, SnoozeFile: snoozes}, be2)
	d3.Notify(notice(daemon.NoticeNeedsReauth, file))
	if be2.count() != 1 {
		t.Fatalf("%d shown after the snooze ended, want 1", be2.count())
	}
}

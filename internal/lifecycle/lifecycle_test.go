package lifecycle

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestPIDFileSingleInstance(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "token-daemon.pid")
	first, err := AcquirePIDFile(path)
	if err != nil {
		t.Fatalf("first acquire: %v", err)
	}
	if running, pid := Running(path); !running || pid != os.Getpid() {
		t.Fatalf("Running = %v, %d; want true, %d", running, pid, os.Getpid())
	}
	_, err = AcquirePIDFile(path)
	var already *AlreadyRunningError
	if !errors.As(err, &already) || already.PID != os.Getpid() {
		t.Fatalf("second acquire: got %v, want AlreadyRunningError with our pid", err)
	}
	if err := first.Release(); err != nil {
		t.Fatalf("release: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pid file still there after release: %v", err)
	}
	if running, _ := Running(path); running {
		t.Fatal("Running after release")
	}
}

func TestPIDFileStaleIsTakenOver(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token-daemon.pid")
	// A crashed daemon leaves its pid file behind, unlocked.
	if err := os.WriteFile(path, []byte("999999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if running, _ := Running(path); running {
		t.Fatal("stale pid file reported as running")
	}
	p, err := AcquirePIDFile(path)
	if err != nil {
		t.Fatalf("acquire over stale file: %v", err)
	}
	defer p.Release()
	if pid, _ := ReadPID(path); pid != os.Getpid() {
		t.Fatalf("pid file holds %d, want %d", pid, os.Getpid())
	}
}

func TestLeaderFile(t *testing.T) {
	home := t.TempDir()
	// No token-manager folder: RouteCodex does not use one; nothing written.
	l, err := ClaimLeader(home, os.Getpid(), time.Unix(1700000000, 0))
	if err != nil || l != nil {
		t.Fatalf("without folder: %v, %v", l, err)
	}
	dir := filepath.Join(home, "state", "token-manager")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	l, err = ClaimLeader(home, os.Getpid(), time.Unix(1700000000, 0))
	if err != nil || l == nil {
		t.Fatalf("claim: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "leader.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec["pid"] != float64(os.Getpid()) || rec["startedAt"] != float64(1700000000000) || rec["ownerId"] == "" {
		t.Fatalf("leader record = %v", rec)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "leader.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("leader file left behind")
	}
}

// A pid file planted as a link (to a file of ours elsewhere) is refused:
// following it would truncate its target.
func TestPIDFileDoesNotFollowLinks(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no O_NOFOLLOW on Windows")
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	pid := filepath.Join(dir, "run", "token-daemon.pid")
	os.MkdirAll(filepath.Dir(pid), 0o700)
	if err := os.Symlink(victim, pid); err != nil {
		t.Fatal(err)
	}
	if p, err := AcquirePIDFile(pid); err == nil {
		p.Release()
		t.Fatal("a symlinked pid file was taken")
	}
	if data, _ := os.ReadFile(victim); string(data) != "keep" {
		t.Fatalf("the link's target was changed: %q", data)
	}
}

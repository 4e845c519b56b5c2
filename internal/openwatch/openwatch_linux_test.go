//go:build linux

package openwatch

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestOpensAreReportedAndOwnOnesClaimed(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.json", "b.json"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{}"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	own := 0
	w, err := New(dir, Options{Own: func(path string) bool {
		if filepath.Base(path) == "b.json" && own > 0 {
			own--
			return true
		}
		return false
	}})
	if err != nil {
		t.Fatal(err)
	}
	own = 1 // the one open of b.json below is "ours"
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- w.Run(ctx, func(name string, n int) {
			for range n {
				got <- name
			}
		})
	}()

	for _, n := range []string{"b.json", "a.json", "b.json"} {
		if _, err := os.ReadFile(filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.ReadDir(dir); err != nil { // the dir's own open is not a file's
		t.Fatal(err)
	}
	var names []string
	for len(names) < 2 {
		select {
		case n := <-got:
			names = append(names, n)
		case <-time.After(10 * time.Second):
			t.Fatalf("reported only %v", names)
		}
	}
	slices.Sort(names) // one batch may report both
	if names[0] != "a.json" || names[1] != "b.json" {
		t.Errorf("reported %v, want [a.json b.json] (the first b.json was claimed as our own)", names)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	select {
	case n := <-got:
		t.Errorf("unexpected report %s", n)
	default:
	}
}

func TestMissingDir(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "nope"), Options{}); err == nil {
		t.Fatal("New on a missing dir succeeded")
	}
}

package watch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// hangGuard bounds every wait: it is a deadline against a hung test, never a
// timing assertion.
const hangGuard = 10 * time.Second

// simpleSkip stands in for tokenfile.Skip in tests of the watch mechanics,
// so that they do not depend on the file model's exact rules.
func simpleSkip(name string) bool { return !strings.HasSuffix(name, ".json") }

type harness struct {
	t      *testing.T
	dir    string
	calls  chan string
	armed  chan string
	cancel context.CancelFunc
	done   chan error
}

// start runs Run on dir and waits until its first watch is placed.
func start(t *testing.T, dir string, opts Options) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		dir:   dir,
		calls: make(chan string, 1000),
		armed: make(chan string, 100),
		done:  make(chan error, 1),
	}
	opts.armed = func(p string) { h.armed <- p }
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- Run(ctx, dir, opts, func(name string) { h.calls <- name }) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(hangGuard):
			t.Error("Run did not return after cancel")
		}
	})
	h.waitArmed()
	return h
}

func (h *harness) waitArmed() string {
	h.t.Helper()
	select {
	case p := <-h.armed:
		return p
	case err := <-h.done:
		h.t.Fatalf("Run returned early: %v", err)
	case <-time.After(hangGuard):
		h.t.Fatal("watch was never placed")
	}
	return ""
}

// next returns the next onChange argument.
func (h *harness) next() string {
	h.t.Helper()
	select {
	case name := <-h.calls:
		return name
	case err := <-h.done:
		h.t.Fatalf("Run returned early: %v", err)
	case <-time.After(hangGuard):
		h.t.Fatal("no onChange call before the hang guard")
	}
	return ""
}

// until collects calls up to and including want.
func (h *harness) until(want string) []string {
	h.t.Helper()
	var got []string
	for {
		name := h.next()
		got = append(got, name)
		if name == want {
			return got
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRunReportsEachKindOfChange(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) // before the watch starts
		act   func(t *testing.T, dir string)
		want  string
	}{
		{
			name: "create",
			act:  func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "a.json"), "{}") },
			want: "a.json",
		},
		{
			name:  "write",
			setup: func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "a.json"), "{}") },
			act: func(t *testing.T, dir string) {
				f, err := os.OpenFile(filepath.Join(dir, "a.json"), os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if _, err := f.WriteString(" "); err != nil {
					t.Fatal(err)
				}
			},
			want: "a.json",
		},
		{
			name:  "remove",
			setup: func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "a.json"), "{}") },
			act: func(t *testing.T, dir string) {
				if err := os.Remove(filepath.Join(dir, "a.json")); err != nil {
					t.Fatal(err)
				}
			},
			want: "a.json",
		},
		{
			name:  "chmod",
			setup: func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "a.json"), "{}") },
			act: func(t *testing.T, dir string) {
				if err := os.Chmod(filepath.Join(dir, "a.json"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			want: "a.json",
		},
		{
			// The daemon's own atomic write: a dot temp file renamed over.
			name:  "atomic replace",
			setup: func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "a.json"), "{}") },
			act: func(t *testing.T, dir string) {
				tmp := filepath.Join(dir, ".a.json.tmp123")
				writeFile(t, tmp, `{"x":1}`)
				if err := os.Rename(tmp, filepath.Join(dir, "a.json")); err != nil {
					t.Fatal(err)
				}
			},
			want: "a.json",
		},
		{
			name:  "rename away",
			setup: func(t *testing.T, dir string) { writeFile(t, filepath.Join(dir, "a.json"), "{}") },
			act: func(t *testing.T, dir string) {
				if err := os.Rename(filepath.Join(dir, "a.json"), filepath.Join(dir, "a.txt")); err != nil {
					t.Fatal(err)
				}
			},
			want: "a.json",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.setup != nil {
				tt.setup(t, dir)
			}
			h := start(t, dir, Options{Debounce: 20 * time.Millisecond, Skip: simpleSkip})
			tt.act(t, dir)
			if got := h.next(); got != tt.want {
				t.Fatalf("onChange(%q), want %q", got, tt.want)
			}
		})
	}
}

func TestRunRenameReportsBothNames(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "old.json"), "{}")
	h := start(t, dir, Options{Debounce: 20 * time.Millisecond, Skip: simpleSkip})
	if err := os.Rename(filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{h.next(): true, h.next(): true}
	if !got["old.json"] || !got["new.json"] {
		t.Fatalf("calls %v, want old.json and new.json", got)
	}
}

func TestRunReportsBurstAtFirstEventAndOnceAfterQuiet(t *testing.T) {
	dir := t.TempDir()
	// A long quiet time keeps a loaded machine's pauses inside one burst.
	h := start(t, dir, Options{Debounce: 300 * time.Millisecond, Skip: simpleSkip})
	writeFile(t, filepath.Join(dir, "a.json"), `{"n":0}`)
	// The first event is reported at once, long before the quiet time ends.
	if got := h.next(); got != "a.json" {
		t.Fatalf("first call %q, want a.json", got)
	}
	for i := range 50 {
		for _, name := range []string{"a.json", "b.json"} {
			writeFile(t, filepath.Join(dir, name), fmt.Sprintf(`{"n":%d}`, i))
		}
	}
	// A later sentinel (created and written: two events, so two calls):
	// every earlier burst ends before it and bursts end in due order, so
	// when its second call arrives all calls of the burst have been made.
	writeFile(t, filepath.Join(dir, "z-sentinel.json"), "{}")
	got := []string{"a.json"}
	for seen := 0; seen < 2; {
		name := h.next()
		got = append(got, name)
		if name == "z-sentinel.json" {
			seen++
		}
	}
	t.Logf("calls %v", got)
	count := map[string]int{}
	for _, name := range got {
		count[name]++
	}
	if count["a.json"] != 2 || count["b.json"] != 2 || len(count) != 3 {
		t.Fatalf("calls %v, want two each (first event, end of burst) for a.json, b.json and the sentinel", got)
	}
}

func TestRunSingleEventIsReportedOnce(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, Options{Debounce: 20 * time.Millisecond, Skip: simpleSkip})
	writeFile(t, filepath.Join(dir, ".a.tmp"), `{"n":1}`)
	if err := os.Rename(filepath.Join(dir, ".a.tmp"), filepath.Join(dir, "a.json")); err != nil {
		t.Fatal(err)
	}
	if got := h.next(); got != "a.json" {
		t.Fatalf("first call %q, want a.json", got)
	}
	// A later file, created and written (two events, two calls): its
	// burst ends after a.json's, so a second call for a.json would come
	// before b.json's second.
	writeFile(t, filepath.Join(dir, "b.json"), "{}")
	got := []string{"a.json"}
	for n := 0; n < 2; {
		name := h.next()
		got = append(got, name)
		if name == "b.json" {
			n++
		}
	}
	if !slices.Equal(got, []string{"a.json", "b.json", "b.json"}) {
		t.Fatalf("calls %v, want a.json once (a rename is one event), b.json twice", got)
	}
}

func TestRunIgnoresSkippedNames(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, Options{Debounce: 20 * time.Millisecond}) // real tokenfile.Skip
	for _, name := range []string{
		"notes.txt",
		".qwen-oauth-1.json.lock",
		".qwen-oauth-1.json.tmp",
		"iflow-oauth-1-work.json.1767000000000.bak",
		"oauth-clients.local.json",
		"deepseek-account-1.json",
	} {
		writeFile(t, filepath.Join(dir, name), "{}")
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sub", "inner.json"), "{}")
	writeFile(t, filepath.Join(dir, "qwen-oauth-1-default.json"), "{}")
	if got := h.next(); got != "qwen-oauth-1-default.json" {
		t.Fatalf("first call %q, want the token file only", got)
	}
}

func TestRunIgnoresDotFilesWhateverSkipSays(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, Options{Debounce: 20 * time.Millisecond, Skip: func(string) bool { return false }})
	writeFile(t, filepath.Join(dir, ".a.json.lock"), "")
	writeFile(t, filepath.Join(dir, "a.json"), "{}")
	if got := h.next(); got != "a.json" {
		t.Fatalf("first call %q, want a.json", got)
	}
}

func TestRunFollowsDeletedAndRecreatedDir(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "auth")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "a.json"), "{}")
	h := start(t, dir, Options{Debounce: 20 * time.Millisecond, Skip: simpleSkip})

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	h.until("") // the loss of the dir asks for a rescan
	if got := h.waitArmed(); got != home {
		t.Fatalf("waiting in %q, want the parent %q", got, home)
	}

	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := h.next(); got != "" {
		t.Fatalf("after re-creation: onChange(%q), want a rescan", got)
	}
	writeFile(t, filepath.Join(dir, "b.json"), "{}")
	if got := h.next(); got != "b.json" {
		t.Fatalf("in the re-created dir: onChange(%q), want b.json", got)
	}
}

func TestRunWaitsForMissingDir(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "rc", "auth") // neither level exists yet
	h := start(t, dir, Options{Debounce: 20 * time.Millisecond, Skip: simpleSkip})

	if err := os.Mkdir(filepath.Join(home, "rc"), 0o700); err != nil {
		t.Fatal(err)
	}
	if got := h.waitArmed(); got != filepath.Join(home, "rc") {
		t.Fatalf("now waiting in %q, want %q", got, filepath.Join(home, "rc"))
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if got := h.next(); got != "" {
		t.Fatalf("onChange(%q), want a rescan when the dir appears", got)
	}
	writeFile(t, filepath.Join(dir, "a.json"), "{}")
	if got := h.next(); got != "a.json" {
		t.Fatalf("onChange(%q), want a.json", got)
	}
}

func TestRunReturnsOnCancel(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, dir, Options{Skip: simpleSkip}, func(string) {}) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v, want nil", err)
		}
	case <-time.After(hangGuard):
		t.Fatal("Run did not return after cancel")
	}
}

func TestRunFailsWhenPathCannotBeWatched(t *testing.T) {
	file := filepath.Join(t.TempDir(), "auth")
	writeFile(t, file, "not a dir")
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), filepath.Join(file, "x"), Options{Skip: simpleSkip}, func(string) {})
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Run under a regular file: nil error, want one")
		}
	case <-time.After(hangGuard):
		t.Fatal("Run did not return")
	}
}

// Only reports the one file of another tool, hidden or not, and nothing
// else of its directory (our own lock and temporary files among them).
func TestOnlyReportsTheOneFile(t *testing.T) {
	dir := t.TempDir()
	h := start(t, dir, Options{Only: ".credentials.json"})
	writeFile(t, filepath.Join(dir, "settings.json"), "{}")
	writeFile(t, filepath.Join(dir, "..credentials.json.tmp"), "{}")
	writeFile(t, filepath.Join(dir, ".credentials.json"), "{}")
	if got := h.next(); got != ".credentials.json" {
		t.Fatalf("first call %q, want .credentials.json", got)
	}
}

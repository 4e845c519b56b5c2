package tokenfile

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const qwenFile = `{
  "access_token": "old-access",
  "refresh_token": "old-refresh",
  "expires_at": 1577836800000,
  "type": "qwen"
}
`

// A file that is absent, empty, half-written or not a token file at write
// time is not a conflict: ErrUnsettled, nothing written.
func TestWriteUnsettled(t *testing.T) {
	used := "old-refresh"
	u := Update{AccessToken: "new-access", RefreshToken: "new-refresh", ExpiresAt: time.Now().Add(time.Hour)}
	for _, tc := range []struct {
		name, content, why string
	}{
		{"empty", "", "is empty"},
		{"blank", "  \n", "is empty"},
		{"half written", `{"access_token": "old-ac`, "is not JSON"},
		{"array", `[1]`, "is not a JSON object"},
		{"no credentials", `{"type": "qwen"}`, "has no credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "qwen-oauth-1.json", tc.content, 0o600)
			_, err := Write(path, u, &used)
			var ue *UnsettledError
			if !errors.Is(err, ErrUnsettled) || errors.Is(err, ErrConflict) || !errors.As(err, &ue) || ue.Why != tc.why {
				t.Fatalf("Write: %v, want ErrUnsettled %q", err, tc.why)
			}
			if got, _ := os.ReadFile(path); string(got) != tc.content {
				t.Fatalf("file changed: %q", got)
			}
		})
	}
	t.Run("absent", func(t *testing.T) {
		_, err := Write(filepath.Join(t.TempDir(), "qwen-oauth-1.json"), u, &used)
		if !errors.Is(err, ErrUnsettled) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Write: %v", err)
		}
	})
	t.Run("link leaving the dir", func(t *testing.T) {
		dir, outside := t.TempDir(), t.TempDir()
		target := writeFile(t, outside, "victim.json", qwenFile, 0o600)
		link := filepath.Join(dir, "qwen-oauth-1.json")
		if err := os.Symlink(target, link); err != nil {
			t.Skip(err)
		}
		if _, err := Write(link, u, &used); !errors.Is(err, ErrUnsettled) {
			t.Fatalf("Write through an outside link: %v", err)
		}
		if got, _ := os.ReadFile(target); string(got) != qwenFile {
			t.Fatal("outside file written")
		}
		if _, err := os.Stat(filepath.Join(outside, ".victim.json.lock")); !os.IsNotExist(err) {
			t.Fatal("a lock file was created outside the dir")
		}
	})
	t.Run("another credential without refresh token conflicts", func(t *testing.T) {
		dir := t.TempDir()
		path := writeFile(t, dir, "qwen-oauth-1.json", `{"access_token": "theirs"}`, 0o600)
		if _, err := Write(path, u, &used); !errors.Is(err, ErrConflict) {
			t.Fatalf("Write: %v, want ErrConflict", err)
		}
	})
}

// A rename by another program between the last check and the replace: the
// swap takes it out, sees it is not what was read, swaps it back, and
// merges into it (same refresh token) or gives way (another one).
func TestWriteSwapsBackAForeignRename(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("no atomic exchange on " + runtime.GOOS)
	}
	for _, tc := range []struct {
		name     string
		foreign  string
		conflict bool
	}{
		{"same refresh token: merged into theirs", `{"access_token": "old-access", "refresh_token": "old-refresh", "theirs": 1}`, false},
		{"newer refresh token: theirs kept", `{"access_token": "their-access", "refresh_token": "their-refresh", "theirs": 2}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := writeFile(t, dir, "qwen-oauth-1.json", qwenFile, 0o600)
			var fired atomic.Int32
			testHookBeforeReplace = func(target string) {
				if fired.Add(1) == 1 {
					foreign := writeFile(t, dir, "foreign.tmp", tc.foreign, 0o600)
					if err := os.Rename(foreign, target); err != nil {
						t.Error(err)
					}
				}
			}
			defer func() { testHookBeforeReplace = nil }()
			used := "old-refresh"
			_, err := Write(path, Update{AccessToken: "new-access", RefreshToken: "new-refresh"}, &used)
			got, _ := os.ReadFile(path)
			if tc.conflict {
				if !errors.Is(err, ErrConflict) || string(got) != tc.foreign {
					t.Fatalf("Write %v; file %s", err, got)
				}
			} else {
				f := Parse(path, got, Options{})
				if err != nil || f.RefreshToken != "new-refresh" || !strings.Contains(string(got), `"theirs": 1`) {
					t.Fatalf("Write %v; file %s", err, got)
				}
			}
			if fired.Load() < 1 || (!tc.conflict && fired.Load() < 2) {
				t.Fatalf("the write did not check again after the swap-back (%d replaces)", fired.Load())
			}
			if names := dirNames(t, dir); len(names) != 1 {
				t.Fatalf("left over: %v", names)
			}
		})
	}
}

// A writer that takes no lock renames a new version over the file every
// 2–20 ms while Write runs as fast as it can: no version it wrote is ever
// replaced by a merge of an older one.
func TestWriteNeverOverwritesAFasterWriter(t *testing.T) {
	if runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
		t.Skip("check-then-rename only on " + runtime.GOOS)
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "qwen-oauth-1.json", `{"access_token":"a","refresh_token":"r","seq":0}`, 0o600)
	var stop atomic.Bool
	var overwrites, extWrites atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	t.Cleanup(func() { stop.Store(true); wg.Wait() }) // also when a check below fails
	rng := rand.New(rand.NewPCG(7, 9))
	extDone := make(chan struct{}) // closed when the external writer quits (on stop or on its error)
	go func() {
		defer wg.Done()
		defer close(extDone)
		last := 0
		for i := 0; !stop.Load(); i++ {
			data, err := os.ReadFile(path)
			if err != nil {
				continue
			}
			var m map[string]any
			if json.Unmarshal(data, &m) != nil {
				t.Errorf("torn file")
				return
			}
			if seq := int(m["seq"].(float64)); seq < last {
				overwrites.Add(1) // a version of ours was replaced by an older one's merge
			}
			last++
			m["seq"] = last
			out, _ := json.Marshal(m)
			tmp := filepath.Join(dir, fmt.Sprintf("ext-%d.tmp", i))
			if err := os.WriteFile(tmp, out, 0o600); err != nil || os.Rename(tmp, path) != nil {
				t.Error("external write failed")
				return
			}
			extWrites.Add(1)
			time.Sleep(time.Duration(2+rng.IntN(19)) * time.Millisecond) // the writer's pace: every 2–20 ms
		}
	}()
	// The run ends on counts, not on a wall-clock budget: a loaded machine
	// makes fewer writes per second, never fewer writes in all. The deadline
	// only bounds a failure (Write failing on every try).
	const wantWrites, wantExt = 100, 60
	writes := 0
	bound := time.Now().Add(60 * time.Second)
	for n := 0; writes < wantWrites || extWrites.Load() < wantExt; n++ {
		select {
		case <-extDone:
			t.FailNow() // the external writer reported its error
		default:
		}
		if time.Now().After(bound) {
			t.Fatalf("after 60 s only %d writes against %d external renames", writes, extWrites.Load())
		}
		if _, err := Write(path, Update{AccessToken: fmt.Sprint("a", n)}, nil); err != nil && !strings.Contains(err.Error(), "kept changing") {
			t.Fatal(err)
		} else if err == nil {
			writes++
		}
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("%d writes against %d external renames: %d overwrites", writes, extWrites.Load(), overwrites.Load())
	if overwrites.Load() != 0 {
		t.Fatalf("%d external versions overwritten", overwrites.Load())
	}
}

// Symlinks are checked at every read: a link leaving the dir is no token
// file, a link to another token file of the dir is listed but not
// refreshable, a link into a subdirectory is an ordinary token file.
func TestLoadSymlinkRules(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeFile(t, dir, "qwen-oauth-1.json", qwenFile, 0o600)
	writeFile(t, outside, "victim.json", qwenFile, 0o600)
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "sub"), "real.json", qwenFile, 0o600)
	for link, target := range map[string]string{
		"qwen-oauth-2.json": filepath.Join(outside, "victim.json"),
		"qwen-oauth-3.json": "qwen-oauth-1.json",
		"qwen-oauth-4.json": "sub/real.json",
		"qwen-oauth-5.json": "../" + filepath.Base(outside) + "/victim.json",
		"qwen-oauth-6.json": "missing.json",
	} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skip(err)
		}
	}
	want := map[string]string{"qwen-oauth-1.json": "", "qwen-oauth-3.json": "qwen-oauth-1.json", "qwen-oauth-4.json": ""}
	for _, name := range []string{"qwen-oauth-1.json", "qwen-oauth-2.json", "qwen-oauth-3.json", "qwen-oauth-4.json", "qwen-oauth-5.json", "qwen-oauth-6.json"} {
		f := Load(dir, name, Options{})
		linkTo, listed := want[name]
		if (f != nil) != listed {
			t.Errorf("%s: listed %v, want %v", name, f != nil, listed)
			continue
		}
		if f != nil && (f.LinkTo != linkTo || f.Refreshable() != (linkTo == "")) {
			t.Errorf("%s: LinkTo %q refreshable %v", name, f.LinkTo, f.Refreshable())
		}
	}
	files, err := Scan(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name+">"+f.LinkTo)
	}
	if strings.Join(got, " ") != "qwen-oauth-1.json> qwen-oauth-3.json>qwen-oauth-1.json qwen-oauth-4.json>" {
		t.Errorf("Scan: %v", got)
	}
}

// Each expiry representation the file has stays consistent: a reader that
// knows only timestamp (or last_refresh) + expires_in computes the new
// expiry.
func TestMergeKeepsTimestampConsistent(t *testing.T) {
	exp := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	u := Update{AccessToken: "new", ExpiresIn: 3599, ExpiresAt: exp}
	for _, in := range []string{
		`{"access_token":"old","expires_in":3599,"timestamp":1700000000000}`,
		`{"access_token":"old","expires_in":3599,"timestamp":1700000000}`,
		`{"access_token":"old","expires_in":"3599","last_refresh":"2024-01-01T00:00:00Z"}`,
		`{"access_token":"old","expires_in":1800,"timestamp":1700000000000}`,
		`{"access_token":"old","token":{"access_token":"old","expires_in":3599,"timestamp":1700000000000}}`,
	} {
		out, err := Merge([]byte(in), u)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]json.RawMessage
		_ = json.Unmarshal(out, &m)
		// Without expires_at and expired (what Merge adds), the old pair
		// alone must give the new expiry.
		delete(m, "expires_at")
		delete(m, "expired")
		stripped, _ := json.Marshal(m)
		var token map[string]json.RawMessage
		_ = json.Unmarshal(m["token"], &token)
		obj := m
		if token != nil {
			obj = token
			delete(obj, "expiry_timestamp")
		}
		if got := expiry(obj, nil); !got.Equal(exp) {
			t.Errorf("%s\n→ %s\nexpiry from the pair %v, want %v", in, stripped, got, exp)
		}
	}
}

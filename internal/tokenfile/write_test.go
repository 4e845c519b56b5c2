package tokenfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const iflowFile = `{
  "access_token": "old-access",
  "refresh_token": "old-refresh",
  "expires_at": 1577836800000,
  "email": "a@b.c",
  "type": "iflow"
}
`

func writeFile(t *testing.T, dir, name, content string, mode fs.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask may have narrowed it
		t.Fatal(err)
	}
	return path
}

// dirNames lists dir, leaving out the lock files Write keeps by design.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".lock") {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestWriteConflictWritesNothing(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "iflow-oauth-1.json", iflowFile, 0o600)
	stale := "stale-refresh"
	_, err := Write(path, Update{AccessToken: "new-access", ExpiresAt: time.Now().Add(time.Hour)}, &stale)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("Write with a stale refresh token: %v, want ErrConflict", err)
	}
	if strings.Contains(err.Error(), "old-refresh") || strings.Contains(err.Error(), stale) {
		t.Errorf("error leaks a token: %v", err)
	}
	got, _ := os.ReadFile(path)
	if string(got) != iflowFile {
		t.Errorf("file changed on conflict:\n%s", got)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("leftover files: %v", names)
	}
}

func TestWrite(t *testing.T) {
	exp := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	current := "old-refresh"
	tests := []struct {
		name string
		mode fs.FileMode
		if_  *string
	}{
		{"0600 with compare", 0o600, &current},
		{"0640 without compare", 0o640, nil},
		{"0644", 0o644, &current},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if runtime.GOOS == "windows" && tt.mode != 0o600 {
				t.Skip("windows has no group/other bits")
			}
			dir := t.TempDir()
			path := writeFile(t, dir, "iflow-oauth-1.json", iflowFile, tt.mode)
			res, err := Write(path, Update{AccessToken: "new-access", RefreshToken: "new-refresh", ExpiresAt: exp}, tt.if_)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if !bytes.Equal(got, res.Data) || res.Hash != Parse(path, got, Options{}).Hash {
				t.Errorf("WriteResult does not describe the file")
			}
			f := Read(path, Options{})
			if f.AccessToken != "new-access" || f.RefreshToken != "new-refresh" || !f.ExpiresAt.Equal(exp) || f.Email != "a@b.c" {
				t.Errorf("merged file wrong:\n%s", got)
			}
			if f.Mode.Perm() != tt.mode {
				t.Errorf("mode %v, want %v", f.Mode.Perm(), tt.mode)
			}
			if names := dirNames(t, dir); len(names) != 1 || names[0] != "iflow-oauth-1.json" {
				t.Errorf("leftover files: %v", names)
			}
		})
	}
}

func TestWriteNoChangeKeepsFile(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "iflow-oauth-1.json", iflowFile, 0o600)
	before, _ := os.Stat(path)
	res, err := Write(path, Update{}, nil)
	if err != nil || string(res.Data) != iflowFile {
		t.Fatalf("Write(empty) = %q, %v", res.Data, err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Errorf("an empty update replaced the file")
	}
}

func TestWriteErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "qwen-oauth-1.json")
	if _, err := Write(missing, Update{AccessToken: "a"}, nil); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("Write of a missing file: %v", err)
	}
	broken := writeFile(t, dir, "broken.json", `{"access_token":`, 0o600)
	if _, err := Write(broken, Update{AccessToken: "a"}, nil); !errors.Is(err, ErrNotObject) || !strings.Contains(err.Error(), broken) {
		t.Errorf("Write of a broken file: %v", err)
	}
	if got, _ := os.ReadFile(broken); string(got) != `{"access_token":` {
		t.Errorf("broken file changed")
	}
}

func TestWriteFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	target := writeFile(t, dir, "real.json", iflowFile, 0o600)
	link := filepath.Join(dir, "iflow-oauth-1.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
	if _, err := Write(link, Update{AccessToken: "new-access"}, nil); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced")
	}
	if f := Read(target, Options{}); f.AccessToken != "new-access" {
		t.Errorf("the target was not written")
	}
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qwen-oauth-5-new.json")
	exp := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	fields := map[string]any{"type": "qwen", "email": "n@b.c", "alias": "new"}
	u := Update{AccessToken: "acc", RefreshToken: "ref", ExpiresIn: 21600, ExpiresAt: exp,
		Extra: map[string]any{"resource_url": "https://portal.qwen.ai"}}
	res, err := Create(path, fields, u)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "alias": "new",
  "email": "n@b.c",
  "type": "qwen",
  "access_token": "acc",
  "refresh_token": "ref",
  "expires_in": 21600,
  "expires_at": 4102444800000,
  "expired": "2100-01-01T00:00:00.000Z",
  "resource_url": "https://portal.qwen.ai"
}
`
	got, _ := os.ReadFile(path)
	if string(got) != want || string(res.Data) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if fi, _ := os.Stat(path); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if _, err := Create(path, nil, Update{AccessToken: "other"}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over an existing file: %v, want fs.ErrExist", err)
	}
	if got2, _ := os.ReadFile(path); !bytes.Equal(got, got2) {
		t.Errorf("existing file changed")
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("leftover files: %v", names)
	}

	empty := filepath.Join(dir, "iflow-oauth-2.json")
	if _, err := Create(empty, nil, Update{AccessToken: "acc"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(empty); string(got) != "{\n  \"access_token\": \"acc\"\n}\n" {
		t.Errorf("Create without fields:\n%s", got)
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"abc", "…"},
		{"abcdefgh", "ab…"},
		{"ya29.a0AfH6SMBlongtoken", "ya29…"},
		{"令牌令牌令牌令牌令牌令牌令牌令牌", "令牌令牌…"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// crashChildEnv, when set to a file path, turns the test binary into the
// writer that TestWriteSurvivesKill kills.
const crashChildEnv = "TOKENFILE_CRASH_CHILD"

// crashUpdates alternate in the child; each turns the other's content into
// its own.
var crashUpdates = [2]Update{
	{AccessToken: "access-A", RefreshToken: "refresh-A", ExpiresAt: time.UnixMilli(4102444800000), Extra: map[string]any{"api_key": strings.Repeat("a", 4000)}},
	{AccessToken: "access-B", RefreshToken: "refresh-B", ExpiresAt: time.UnixMilli(4102448400000), Extra: map[string]any{"api_key": strings.Repeat("b", 4000)}},
}

// TestMain runs the crash child instead of the tests when
// TestWriteSurvivesKill starts this binary as one.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
	}
	os.Exit(m.Run())
}

// crashChild writes path in a loop until it is killed.
func crashChild(path string) {
	fmt.Println("started")
	for i := 0; ; i++ {
		if _, err := Write(path, crashUpdates[i%2], nil); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("w")
	}
}

func TestWriteSurvivesKill(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL semantics and rename-over differ on windows")
	}
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "iflow-oauth-1.json", iflowFile, 0o600)
	contentA, err := Merge([]byte(iflowFile), crashUpdates[0])
	if err != nil {
		t.Fatal(err)
	}
	contentB, err := Merge(contentA, crashUpdates[1])
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := Merge(contentB, crashUpdates[0]); !bytes.Equal(again, contentA) {
		t.Fatal("the two updates do not alternate between two contents")
	}
	valid := map[string]bool{iflowFile: true, string(contentA): true, string(contentB): true}

	rng := rand.New(rand.NewPCG(1, 2))
	const kills = 25
	for k := 0; k < kills; k++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(stdout)
		if !lines.Scan() || lines.Text() != "started" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("child did not start: %q", lines.Text())
		}
		writes := 1 + rng.IntN(40)
		for n := 0; n < writes && lines.Scan(); n++ {
			if lines.Text() != "w" {
				t.Fatalf("child: %s", lines.Text())
			}
		}
		// Kill while the child is in the middle of its next writes.
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()

		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("kill %d: %v", k, err)
		}
		if !valid[string(data)] {
			t.Fatalf("kill %d after %d writes: the file is neither old nor new content (%d bytes)", k, writes, len(data))
		}
		if f := Parse(path, data, Options{}); f.Invalid != "" {
			t.Fatalf("kill %d: %s", k, f.Invalid)
		}
	}
	// A killed writer may leave its temporary file; Scan must never list it.
	t.Logf("%d kills; temporary files left by killed writers: %d", kills, len(dirNames(t, dir))-1)
	files, err := Scan(dir, Options{})
	if err != nil || len(files) != 1 {
		t.Errorf("Scan after crashes: %d files, %v", len(files), err)
	}
	// The next write under the lock clears them.
	if _, err := Write(path, crashUpdates[0], nil); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Errorf("left after the next write: %v", names)
	}
}

// TestWriteConcurrentRotation: writers that all refreshed with the same
// refresh token race; the lock and the compare step let exactly one win.
func TestWriteConcurrentRotation(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "qwen-oauth-1.json", iflowFile, 0o600)
	const writers = 8
	used := "old-refresh"
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		go func() {
			_, err := Write(path, Update{AccessToken: fmt.Sprint("access-", i), RefreshToken: fmt.Sprint("refresh-", i)}, &used)
			errs <- err
		}()
	}
	wins := 0
	for i := 0; i < writers; i++ {
		switch err := <-errs; {
		case err == nil:
			wins++
		case !errors.Is(err, ErrConflict):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d writers won, want exactly 1", wins)
	}
	f := Read(path, Options{})
	if strings.TrimPrefix(f.AccessToken, "access-") != strings.TrimPrefix(f.RefreshToken, "refresh-") {
		t.Errorf("file mixes two writers")
	}
}

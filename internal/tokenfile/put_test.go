package tokenfile

import (
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestPut(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qwen-oauth-1.json")
	data := []byte("{\"b\": 1,\n\t\"a\": \"x\"}") // odd layout: must stay as is

	if _, err := Put(path, data, 0o640, nil); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	info, _ := os.Stat(path)
	if string(got) != string(data) || info.Mode().Perm() != 0o640 {
		t.Fatalf("created %q mode %v", got, info.Mode().Perm())
	}
	if _, err := Put(path, []byte("{}"), 0o600, nil); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("create over an existing file: %v", err)
	}

	stale := sha256.Sum256([]byte("something else"))
	if _, err := Put(path, []byte("{}"), 0o600, &stale); !errors.Is(err, ErrConflict) {
		t.Fatalf("replace with a stale expectation: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(data) {
		t.Fatalf("a conflict wrote %q", got)
	}

	cur := sha256.Sum256(data)
	next := []byte(`{"access_token":"new"}`)
	res, err := Put(path, next, 0o600, &cur)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	info, _ = os.Stat(path)
	if string(got) != string(next) || info.Mode().Perm() != 0o600 || res.Hash != sha256.Sum256(next) {
		t.Fatalf("replaced %q mode %v", got, info.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "qwen-oauth-1.json" && e.Name() != ".qwen-oauth-1.json.lock" {
			t.Errorf("left behind %s", e.Name())
		}
	}
}

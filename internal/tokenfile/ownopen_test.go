package tokenfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestOwnOpensAreNotedOnlyWhenTracked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qwen.json")
	if err := os.WriteFile(path, []byte(`{"access_token":"a","type":"qwen"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	defer TrackOwnOpens(false)

	Read(path, Options{})
	if ClaimOwnOpen(path) {
		t.Fatal("an open was noted while tracking is off")
	}
	TrackOwnOpens(true)
	Read(path, Options{})
	Read(filepath.Join(dir, "missing.json"), Options{}) // a failed open is not noted
	if !ClaimOwnOpen(path) {
		t.Fatal("the read was not noted")
	}
	if ClaimOwnOpen(path) || ClaimOwnOpen(filepath.Join(dir, "missing.json")) {
		t.Fatal("more opens claimed than happened")
	}
	Read(path, Options{})
	ForgetOwnOpens()
	if ClaimOwnOpen(path) {
		t.Fatal("ForgetOwnOpens kept a noted open")
	}
}

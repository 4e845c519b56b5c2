package tokenfile

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Scan reads on several goroutines; the result is still one File per
// token file, sorted by name, each with its own content.
func TestScanManyFilesInOrder(t *testing.T) {
	dir := t.TempDir()
	const n = 500
	for i := range n {
		content := fmt.Sprintf(`{"access_token":"at-%04d","email":"u%04d@x.y","expires_at":4102444800000}`, i, i)
		if i%7 == 0 {
			content = "{torn" // invalid ones interleaved
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f-%04d.json", i)), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Scan(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != n {
		t.Fatalf("%d files, want %d", len(files), n)
	}
	for i, f := range files {
		if want := fmt.Sprintf("f-%04d.json", i); f.Name != want {
			t.Fatalf("files[%d] = %s, want %s", i, f.Name, want)
		}
		switch {
		case i%7 == 0 && f.Invalid == "":
			t.Errorf("%s: torn file read as valid", f.Name)
		case i%7 != 0 && (f.Invalid != "" || f.Email != fmt.Sprintf("u%04d@x.y", i)):
			t.Errorf("%s: invalid %q, email %q", f.Name, f.Invalid, f.Email)
		}
	}
}

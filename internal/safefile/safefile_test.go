//go:build !windows

package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	private := filepath.Join(dir, "private")
	open := filepath.Join(dir, "open")
	link := filepath.Join(dir, "link")
	for _, d := range []string{private, open} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(open, 0o775); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path   string
		follow bool
		want   Problem // 0: fine
	}{
		{private, false, 0},
		{filepath.Join(dir, "missing"), false, 0},
		{open, false, Writable},
		{link, false, Symlink},
		{link, true, 0}, // a home may be a link to a dir of ours
	} {
		err := Check(c.path, c.follow)
		var ue *UnsafeError
		switch {
		case c.want == 0 && err != nil:
			t.Errorf("Check(%s, %v) = %v, want nil", filepath.Base(c.path), c.follow, err)
		case c.want != 0 && (!errors.As(err, &ue) || ue.Problem != c.want):
			t.Errorf("Check(%s, %v) = %v, want problem %d", filepath.Base(c.path), c.follow, err, c.want)
		}
	}
	if os.Getuid() == 0 {
		if err := os.Chown(private, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		var ue *UnsafeError
		if err := Check(private, false); !errors.As(err, &ue) || ue.Problem != ForeignOwner || ue.UID != 65534 {
			t.Errorf("a dir of nobody: %v", err)
		}
	}
}

func TestOpenFileRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(link, os.O_WRONLY|os.O_TRUNC|os.O_CREATE, 0o600)
	var ue *UnsafeError
	if err == nil {
		f.Close()
	}
	if !errors.As(err, &ue) || ue.Problem != Symlink {
		t.Fatalf("OpenFile through a link: %v", err)
	}
	if data, _ := os.ReadFile(target); string(data) != "keep" {
		t.Fatal("the target was truncated")
	}
	if _, err := ReadFile(link, 10); err == nil {
		t.Fatal("ReadFile followed a link")
	}
}

package opener

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckDaemonURL(t *testing.T) {
	const base = "http://127.0.0.1:38421"
	for _, c := range []struct {
		base, target string
		ok           bool
	}{
		{base, base + "/ui?k=abc", true},
		{base, base + "/auth/qwen-oauth-5-%2541.json?k=abc", true},
		{"http://localhost:38421", "http://localhost:38421/", true},
		{"http://[::1]:38421", "http://[::1]:38421/device/x?k=1", true},
		{base, "file:///etc/shadow", false},
		{base, "http://127.0.0.1:38422/ui?k=abc", false}, // another port: not our server
		{base, "http://example.com:38421/ui", false},
		{base, "https://127.0.0.1:38421/ui", false},
		{base, "http://evil@127.0.0.1:38421/ui", false},
		{base, base + "/ui#k=abc", false}, // no secret in a fragment
		{base, "javascript:alert(1)", false},
		{"http://192.168.1.5:38421", "http://192.168.1.5:38421/ui", false}, // not loopback
		{"file:///", "file:///etc/shadow", false},
		{"", base + "/ui", false},
	} {
		err := CheckDaemonURL(c.base, c.target)
		if (err == nil) != c.ok {
			t.Errorf("CheckDaemonURL(%q, %q) = %v, want ok=%v", c.base, c.target, err, c.ok)
		}
	}
}

// The browser is given a file:// page, never the secret; the page is
// private and forwards to the URL with the secret.
func TestOpenWritesAPrivateRedirectPage(t *testing.T) {
	var opened []string
	launch = func(u string) error { opened = append(opened, u); return nil }
	t.Cleanup(func() { launch = nil })
	run := filepath.Join(t.TempDir(), "run")
	const secret = "SECRET-abcdefghijklmnopqrstuvwxyz0123456789"
	target := "http://127.0.0.1:38421/auth/a%23b.json?k=" + secret
	if err := Open(run, "http://127.0.0.1:38421", target); err != nil {
		t.Fatal(err)
	}
	if len(opened) != 1 || strings.Contains(opened[0], secret) || !strings.HasPrefix(opened[0], "file://") {
		t.Fatalf("opened %q", opened)
	}
	u, err := url.Parse(opened[0])
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(u.Path)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(u.Path) != run || fi.Mode().Perm() != 0o600 || !fi.Mode().IsRegular() {
		t.Fatalf("page %s: mode %v", u.Path, fi.Mode())
	}
	data, _ := os.ReadFile(u.Path)
	if !strings.Contains(string(data), `content="0;url=`+target+`"`) {
		t.Fatalf("page does not forward to the target:\n%s", data)
	}
	// A URL that is not the daemon's own is never opened.
	if err := Open(run, "http://127.0.0.1:38421", "file:///etc/shadow"); !errors.Is(err, ErrNotDaemonURL) {
		t.Fatalf("file URL: %v", err)
	}
	if len(opened) != 1 {
		t.Fatalf("opened %q", opened)
	}
	Sweep(run)
	if _, err := os.Stat(u.Path); !os.IsNotExist(err) {
		t.Fatalf("Sweep left %s", u.Path)
	}
}

// A run dir that is a link, or open to others, gets no page.
func TestWritePageRefusesAnUnsafeRunDir(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "run")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if _, err := WritePage(link, "http://127.0.0.1:1/"); err == nil {
		t.Error("a symlinked run dir was used")
	}
	open := filepath.Join(dir, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, err := WritePage(open, "http://127.0.0.1:1/"); err == nil {
		t.Error("a world-writable run dir was used")
	}
}

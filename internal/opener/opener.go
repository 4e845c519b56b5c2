// Package opener opens the daemon's own pages in the user's browser
// without putting the web secret on a command line (DESIGN.md section 10):
// every user of the machine can read /proc/<pid>/cmdline of xdg-open and of
// the browser. As Jupyter does, the URL with the secret goes into a 0600
// redirect page under <home>/run/, and the browser is given the page's
// file:// path. The opener's output never reaches a log: it may echo the
// URL it was given.
package opener

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/cli/browser"

	"github.com/routecodex/token-daemon/internal/safefile"
)

// ErrNotDaemonURL: the URL to open is not a page of the daemon's own
// loopback web server (a fake daemon could ask for file:///etc/shadow).
var ErrNotDaemonURL = errors.New("not a page of the token daemon's own web server")

func init() {
	// Set once, before any goroutine may open a page: cli/browser keeps
	// the streams of its child in package variables. *os.File, so that a
	// browser that outlives xdg-open holds no pipe of ours open.
	if null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		browser.Stdout, browser.Stderr = null, null
	}
}

// launch opens a URL in the browser; tests replace it.
var launch = browser.OpenURL

// pagePrefix names the redirect pages in the run dir.
const pagePrefix = "open-"

// pageTTL is how long a redirect page is kept for a browser that starts
// slowly; older ones are removed when the next page is written.
const pageTTL = 2 * time.Minute

// Open checks that target is a page of the web server at base (http on a
// loopback address, same host and port), writes its redirect page under
// runDir, and opens that page in the browser.
func Open(runDir, base, target string) error {
	if err := CheckDaemonURL(base, target); err != nil {
		return err
	}
	page, err := WritePage(runDir, target)
	if err != nil {
		return err
	}
	if err := launch(fileURL(page)); err != nil {
		// exec errors name the program, never its arguments.
		return fmt.Errorf("open the browser: %w", err)
	}
	return nil
}

// CheckDaemonURL accepts target only when base is http://<loopback>:<port>
// and target is a path on that very origin.
func CheckDaemonURL(base, target string) error {
	b, err := url.Parse(base)
	if err != nil || b.Scheme != "http" || b.User != nil || b.Port() == "" || strings.Trim(b.Path, "/") != "" || !loopbackHost(b.Hostname()) {
		return ErrNotDaemonURL
	}
	t, err := url.Parse(target)
	if err != nil || t.Scheme != b.Scheme || t.Host != b.Host || t.User != nil || t.Fragment != "" || !strings.HasPrefix(t.EscapedPath(), "/") {
		return ErrNotDaemonURL
	}
	return nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// Origin is scheme://host of a URL ("" when it has none), for callers
// whose URL was built from the daemon's own web address.
func Origin(target string) string {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// WritePage writes a 0600 page under runDir that sends the browser on to
// target, and returns its path. The run dir must be private (ours, not
// writable by others); the page is created new, never through a link.
func WritePage(runDir, target string) (string, error) {
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return "", fmt.Errorf("redirect page: %w", err)
	}
	if err := safefile.Check(runDir, false); err != nil {
		return "", fmt.Errorf("redirect page: %w", err)
	}
	sweep(runDir, pageTTL)
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	path := filepath.Join(runDir, pagePrefix+hex.EncodeToString(rnd[:])+".html")
	f, err := safefile.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("redirect page: %w", err)
	}
	_, werr := f.WriteString(redirectPage(target))
	if err := errors.Join(werr, f.Close()); err != nil {
		_ = os.Remove(path)
		return "", fmt.Errorf("redirect page: %w", err)
	}
	return path, nil
}

// redirectPage forwards at once, with a link for a browser that does not
// follow meta refresh.
func redirectPage(target string) string {
	u := html.EscapeString(target)
	return `<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=` + u + `">
<title>RouteCodex token daemon</title></head>
<body><p><a href="` + u + `">RouteCodex token daemon</a></p></body></html>
`
}

// Sweep removes every redirect page in runDir: the daemon calls it at
// start, when the secret they carry has been replaced.
func Sweep(runDir string) { sweep(runDir, 0) }

func sweep(runDir string, olderThan time.Duration) {
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-olderThan)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), pagePrefix) || !strings.HasSuffix(e.Name(), ".html") {
			continue
		}
		if info, err := e.Info(); err == nil && (olderThan == 0 || info.ModTime().Before(cutoff)) {
			_ = os.Remove(filepath.Join(runDir, e.Name()))
		}
	}
}

// fileURL is the file:// URL of an absolute path.
func fileURL(path string) string {
	p := filepath.ToSlash(path)
	if runtime.GOOS == "windows" {
		p = "/" + p // file:///C:/…
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

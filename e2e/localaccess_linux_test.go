//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofrs/flock"

	"github.com/routecodex/token-daemon/internal/browsertest"
)

// DESIGN.md section 10, "Letting no one else in": other local users share
// loopback and /proc. These tests play such a user against the real binary.

const nobodyUID = 65534

// fakeOpener puts an xdg-open first on PATH that records each argument on
// a line of its own and prints a marker with its arguments on stdout and
// stderr (as a failing xdg-open does), which must reach no log.
func fakeOpener(t *testing.T) (binDir, argvFile string) {
	t.Helper()
	binDir = t.TempDir()
	argvFile = filepath.Join(binDir, "argv")
	script := "#!/bin/sh\nfor a in \"$0\" \"$@\"; do printf '%s\\n' \"$a\" >> " + argvFile + "; done\n" +
		"echo \"OPENER-STDOUT $*\"\necho \"OPENER-STDERR $*\" >&2\n"
	if err := os.WriteFile(filepath.Join(binDir, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binDir, argvFile
}

func readSecret(t *testing.T, h *home) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(h.dir, "run", "web-secret"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

var metaRefresh = regexp.MustCompile(`http-equiv="refresh" content="0;url=([^"]+)"`)

// openedPage checks what the fake opener was given: one file:// page under
// <home>/run, 0600, never the secret; it returns the URL the page forwards
// to.
func openedPage(t *testing.T, h *home, argvFile, secret string) string {
	t.Helper()
	var argv string
	eventually(t, 10*time.Second, "the opener to be called", func() bool {
		b, _ := os.ReadFile(argvFile)
		argv = string(b)
		return strings.Count(argv, "\n") >= 2 // $0 and the URL
	})
	if strings.Contains(argv, secret) || strings.Contains(argv, "?k=") {
		t.Fatalf("the web secret is on the opener's command line")
	}
	_ = os.Remove(argvFile)
	var page string
	for _, line := range strings.Split(argv, "\n") {
		if strings.HasPrefix(line, "file://") {
			page = strings.TrimPrefix(line, "file://")
		}
	}
	if filepath.Dir(page) != filepath.Join(h.dir, "run") {
		t.Fatalf("the page %s is not in the home's run dir", page)
	}
	fi, err := os.Lstat(page)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("redirect page mode %v, want a 0600 file", fi.Mode())
	}
	data, _ := os.ReadFile(page)
	m := metaRefresh.FindStringSubmatch(string(data))
	if m == nil {
		t.Fatalf("the page does not forward anywhere")
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// The daemon and the CLI open pages through a private redirect page: no
// secret in any child's argv, the opener's output in no log; the page
// leads to the dashboard, and a restart makes a new secret that old links
// lack.
func TestLocalOpenerArgvHasNoSecret(t *testing.T) {
	bin, argvFile := fakeOpener(t)
	idp := fakeGoogle(t, "dev@gmail.com")
	h := newHome(t)
	h.extraEnv = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "DISPLAY=:99"}
	h.writeConfig(idp.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off"})
	name := "gemini-oauth-1-dev.json"
	h.writeToken(name, `{"access_token":"OLD-AT-SECRETVALUE","expires_at":1577836800000,"email":"dev@gmail.com"}`)
	h.mustRun("token-daemon", "start")
	secret := readSecret(t, h)
	web := h.status().Daemon.WebURL

	// ui
	r := h.mustRun("token-daemon", "ui")
	if strings.Contains(r.stdout+r.stderr, "OPENER-") {
		t.Errorf("the opener's output reached the terminal: %q", r.stdout+r.stderr)
	}
	target := openedPage(t, h, argvFile, secret)
	if !strings.HasPrefix(target, web+"/ui?k=") {
		t.Fatalf("the page forwards to %q, want the dashboard of %s", strings.ReplaceAll(target, secret, "<secret>"), web)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	get(t, browser, target)

	// login through the daemon: the CLI opens the auth page of the file.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	login := exec.CommandContext(ctx, binary, "token-daemon", "login", name)
	login.Env = h.env()
	var loginOut strings.Builder
	login.Stdout, login.Stderr = &loginOut, &loginOut
	if err := login.Start(); err != nil {
		t.Fatal(err)
	}
	target = openedPage(t, h, argvFile, secret)
	_ = login.Process.Kill()
	_ = login.Wait()
	if want := web + "/auth/" + url.PathEscape(name) + "?k="; !strings.HasPrefix(target, want) {
		t.Fatalf("login opened %q, want the auth page", strings.ReplaceAll(target, secret, "<secret>"))
	}

	// A restart makes a fresh secret: the old link is refused.
	h.mustRun("token-daemon", "stop")
	h.mustRun("token-daemon", "start")
	if readSecret(t, h) == secret {
		t.Fatal("the web secret survived a restart")
	}
	web = h.status().Daemon.WebURL
	res, err := (&http.Client{Timeout: 10 * time.Second}).Get(web + "/?k=" + url.QueryEscape(secret))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("the old secret after a restart: %d, want 403", res.StatusCode)
	}
	entries, _ := filepath.Glob(filepath.Join(h.dir, "run", "open-*.html"))
	if len(entries) != 0 {
		t.Errorf("redirect pages of the last run were kept: %v", entries)
	}
	h.mustRun("token-daemon", "stop")
	for _, log := range []string{"token-daemon.log", "token-audit.jsonl"} {
		b, _ := os.ReadFile(filepath.Join(h.dir, "logs", log))
		if strings.Contains(string(b), "OPENER-") {
			t.Errorf("%s holds the opener's output", log)
		}
		noSecrets(t, log, string(b), secret)
	}
}

// 300 connections to the web port that send headers and part of a body,
// then nothing, against a daemon whose fd limit is 128: `status` keeps
// answering, and every such connection is closed within 30 s (checked with
// a generous margin).
func TestLocalFloodOfHalfBodies(t *testing.T) {
	srv := newQwenServer(t, "FLOOD-RT-SECRETVALUE")
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off"})
	name := "qwen-oauth-1-flood.json"
	h.writeToken(name, qwenFile("FLOOD-AT-SECRETVALUE", "FLOOD-RT-SECRETVALUE", time.Now().Add(48*time.Hour)))
	// ulimit -n sets soft and hard, so Go cannot raise it back.
	start := exec.Command("/bin/sh", "-c", `ulimit -n 128 && exec "$0" token-daemon start`, binary)
	start.Env = h.env()
	if out, err := start.CombinedOutput(); err != nil {
		t.Fatalf("start under ulimit -n 128: %v\n%s", err, out)
	}
	st := h.status()
	limits, _ := os.ReadFile(fmt.Sprintf("/proc/%d/limits", st.Daemon.PID))
	if !regexp.MustCompile(`Max open files\s+128\s+128`).Match(limits) {
		t.Fatalf("the daemon's fd limit is not 128:\n%s", limits)
	}
	addr := strings.TrimPrefix(st.Daemon.WebURL, "http://")

	const n = 300
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range n {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		// Errors are expected: the daemon may already have shed it.
		_, _ = fmt.Fprintf(c, "POST /auth/x/start HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ncsrf=", addr)
	}
	sent := time.Now()

	// The socket API answers during the flood, and sees the file valid.
	for range 3 {
		// Bounded: without the cap, status hangs at the fd limit.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		cmd := exec.CommandContext(ctx, binary, "token-daemon", "status", "--json")
		cmd.Env = h.env()
		out, err := cmd.Output()
		cancel()
		if err != nil {
			t.Fatalf("status during the flood: %v\n%s", err, out)
		}
		var got statusJSON
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if s, _, _, _ := got.token(name); s != "valid" {
			t.Fatalf("status of %s during the flood: %q", name, s)
		}
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	open := 0
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = c.SetReadDeadline(sent.Add(45 * time.Second))
			_, err := io.Copy(io.Discard, c)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				mu.Lock()
				open++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("all %d connections closed after %v", n, time.Since(sent).Round(time.Second))
	if open > 0 {
		t.Fatalf("%d of %d silent connections still open 45 s after their last byte", open, n)
	}
	// The web port answers again once the flood is gone.
	res, err := (&http.Client{Timeout: 10 * time.Second}).Get(st.Daemon.WebURL + "/")
	if err != nil {
		t.Fatalf("web port after the flood: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("GET / without the secret after the flood: %d, want 403", res.StatusCode)
	}
	h.mustRun("token-daemon", "stop")
}

// A home, run dir or pid file that another user owns or could write to is
// refused with one sentence, and links planted in run/ and logs/ are not
// followed.
func TestLocalForeignHomeIsRefused(t *testing.T) {
	needRoot(t)
	victim := filepath.Join(t.TempDir(), "victim")
	if err := os.WriteFile(victim, []byte("root's file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refused := func(t *testing.T, h *home, what string, args ...string) {
		t.Helper()
		r := h.run(args...)
		if r.code == 0 || !strings.Contains(r.stderr, "refusing") || !strings.Contains(r.stderr, what) {
			t.Errorf("%v: exit %d, stderr %q; want a refusal naming %s", args, r.code, r.stderr, what)
		}
		if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
			t.Errorf("%v: %d lines on stderr, want one sentence", args, n+1)
		}
		if _, err := os.Stat(h.socket()); err == nil {
			t.Errorf("%v: a daemon started in a refused home", args)
		}
	}
	for _, c := range []struct {
		name    string
		prepare func(h *home) string // returns what the refusal names
	}{
		{"home of another uid", func(h *home) string {
			must(t, os.Chown(h.dir, nobodyUID, nobodyUID))
			return "uid 65534"
		}},
		{"group-writable home", func(h *home) string {
			must(t, os.Chmod(h.dir, 0o770))
			return "group or others"
		}},
		{"run dir of another uid", func(h *home) string {
			run := filepath.Join(h.dir, "run")
			must(t, os.Mkdir(run, 0o700))
			must(t, os.Chown(run, nobodyUID, nobodyUID))
			return run
		}},
		{"world-writable run dir", func(h *home) string {
			run := filepath.Join(h.dir, "run")
			must(t, os.Mkdir(run, 0o700))
			must(t, os.Chmod(run, 0o777))
			return run
		}},
		{"symlinked pid file", func(h *home) string {
			must(t, os.Mkdir(filepath.Join(h.dir, "run"), 0o700))
			must(t, os.Symlink(victim, filepath.Join(h.dir, "run", "token-daemon.pid")))
			return "symbolic link"
		}},
		{"pid file of another uid", func(h *home) string {
			must(t, os.Mkdir(filepath.Join(h.dir, "run"), 0o700))
			pid := filepath.Join(h.dir, "run", "token-daemon.pid")
			must(t, os.WriteFile(pid, []byte("1\n"), 0o600))
			must(t, os.Chown(pid, nobodyUID, nobodyUID))
			return "uid 65534"
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHome(t)
			h.writeConfig("http://127.0.0.1:1", map[string]any{"tray": "off"})
			what := c.prepare(h)
			refused(t, h, what, "token-daemon", "start")
			refused(t, h, what, "token-daemon", "status")
			refused(t, h, what, "token-daemon", "stop")
		})
	}
	if b, _ := os.ReadFile(victim); string(b) != "root's file\n" {
		t.Fatalf("the link's target was changed: %q", b)
	}

	t.Run("symlinked logs", func(t *testing.T) {
		h := newHome(t)
		h.writeConfig("http://127.0.0.1:1", map[string]any{"tray": "off", "callbackPorts": []int{freePort(t)}})
		logs := filepath.Join(h.dir, "logs")
		must(t, os.Mkdir(logs, 0o700))
		must(t, os.Symlink(victim, filepath.Join(logs, "token-daemon.log")))
		if r := h.run("token-daemon", "start"); r.code == 0 {
			t.Errorf("start with a symlinked log: exit 0")
		}
		must(t, os.Remove(filepath.Join(logs, "token-daemon.log")))
		must(t, os.Symlink(victim, filepath.Join(logs, "token-audit.jsonl")))
		if r := h.run("token-daemon", "start", "--foreground"); r.code == 0 {
			t.Errorf("start with a symlinked audit log: exit 0")
		}
		if b, _ := os.ReadFile(victim); string(b) != "root's file\n" {
			t.Fatalf("a log was written through a link: %q", b)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fakeDaemonEnv makes the e2e test binary a fake daemon, before TestMain
// builds anything.
const fakeDaemonEnv = "RC_E2E_FAKE_DAEMON_SOCKET"

func init() {
	if sock := os.Getenv(fakeDaemonEnv); sock != "" {
		runFakeDaemon(sock)
		os.Exit(0)
	}
}

// evilName is a file name with terminal escapes (retitle, clear screen)
// and a newline that forges a line.
const evilName = "qwen-oauth-1-\x1b]0;pwned\x07\x1b[2J\nFORGED.json"

// runFakeDaemon serves answers a hostile daemon would give: names with
// escapes, a file:// page to open, and it accepts shutdown.
func runFakeDaemon(sock string) {
	ln, err := net.Listen("unix", sock)
	if err != nil {
		fmt.Println("LISTEN", err)
		os.Exit(1)
	}
	_ = os.Chmod(sock, 0o666)
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/status", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"daemon": map[string]any{"running": true, "pid": 1, "authDir": "/tmp/\x1b[2J", "webURL": "http://127.0.0.1:1"},
			"tokens": []map[string]any{{"file": evilName, "status": "valid", "displayName": "\x1b[31mEVIL"}},
		})
	})
	mux.HandleFunc("/v1/reauth", func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintln(w, `{"started":{"flowId":"x","url":"file:///etc/shadow","file":"x"}}`)
	})
	mux.HandleFunc("/v1/shutdown", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, "{}")
	})
	fmt.Println("READY")
	_ = http.Serve(ln, mux)
}

// A process of another uid serving the home's socket is not believed:
// status prints none of its answer, login opens nothing it names, and stop
// signals no pid it cannot confirm with the socket's peer credentials.
func TestLocalFakeSocketServerIsNotTrusted(t *testing.T) {
	needRoot(t)
	// The test binary, runnable by nobody, as the fake daemon.
	shared, err := os.MkdirTemp("", "rcfake")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(shared) })
	must(t, os.Chmod(shared, 0o755))
	self := filepath.Join(shared, "e2e.test")
	copyExecutable(t, os.Args[0], self)
	sockDir := filepath.Join(shared, "sock")
	must(t, os.Mkdir(sockDir, 0o700))
	must(t, os.Chown(sockDir, nobodyUID, nobodyUID))
	fakeSock := filepath.Join(sockDir, "s")
	fake := exec.Command(self, "-test.run=^$")
	fake.Env = append(os.Environ(), fakeDaemonEnv+"="+fakeSock)
	fake.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobodyUID, Gid: nobodyUID}}
	stdout, err := fake.StdoutPipe()
	must(t, err)
	must(t, fake.Start())
	t.Cleanup(func() { _ = fake.Process.Kill(); _ = fake.Wait() })
	line := make([]byte, 6)
	if _, err := io.ReadFull(stdout, line); err != nil || string(line) != "READY\n" {
		t.Fatalf("fake daemon: %q %v", line, err)
	}

	bin, argvFile := fakeOpener(t)
	h := newHome(t)
	h.extraEnv = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "DISPLAY=:99"}
	h.writeConfig("http://127.0.0.1:1", map[string]any{"tray": "off"})
	run := filepath.Join(h.dir, "run")
	must(t, os.Mkdir(run, 0o700))
	// The socket keeps its listener when moved into the home.
	must(t, os.Rename(fakeSock, h.socket()))

	// A root process the pid file names, with the pid file held as a
	// running daemon would hold it.
	victim := exec.Command("sleep", "60")
	must(t, victim.Start())
	t.Cleanup(func() { _ = victim.Process.Kill(); _ = victim.Wait() })
	pidPath := filepath.Join(run, "token-daemon.pid")
	must(t, os.WriteFile(pidPath, []byte(fmt.Sprintf("%d\n", victim.Process.Pid)), 0o600))
	lk := flock.New(pidPath)
	if ok, err := lk.TryLock(); !ok || err != nil {
		t.Fatalf("lock the pid file: %v", err)
	}
	t.Cleanup(func() { _ = lk.Unlock() })

	checkOut := func(what string, r result) {
		t.Helper()
		out := r.stdout + r.stderr
		if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "FORGED") || strings.Contains(out, "EVIL") {
			t.Errorf("%s shows the fake daemon's answer: %q", what, out)
		}
		if r.code == 0 {
			t.Errorf("%s: exit 0 against an untrusted daemon\n%s", what, out)
		}
		if !strings.Contains(r.stderr, "uid 65534") {
			t.Errorf("%s: stderr %q does not say who serves the socket", what, r.stderr)
		}
	}
	checkOut("status", h.run("token-daemon", "status"))
	checkOut("status --json", h.run("token-daemon", "status", "--json"))
	checkOut("login", h.run("token-daemon", "login", "x"))
	checkOut("refresh", h.run("token-daemon", "refresh", "--all"))
	checkOut("ui", h.run("token-daemon", "ui"))
	checkOut("stop", h.run("token-daemon", "stop"))
	if b, err := os.ReadFile(argvFile); err == nil {
		t.Errorf("the opener was run: %q", b)
	}
	if err := victim.Process.Signal(syscall.Signal(0)); err != nil {
		t.Fatalf("stop signalled the pid the fake daemon's pid file named: %v", err)
	}
	h.extraEnv = nil // newHome's cleanup runs stop: let it find nothing to do
	_ = lk.Unlock()
	_ = os.Remove(h.socket())
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	must(t, err)
	must(t, os.WriteFile(to, data, 0o755))
}

// Names from disk with ESC sequences and newlines reach the terminal
// escaped: in refresh --all, in errors, in login.
func TestLocalEscapesNeverReachTheTerminal(t *testing.T) {
	srv := newQwenServer(t) // refuses every refresh token
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off"})
	h.writeToken(evilName, qwenFile("ESC-AT-SECRETVALUE", "ESC-RT-SECRETVALUE", time.Now().Add(time.Minute)))
	check := func(what string, r result, escaped bool) {
		t.Helper()
		out := r.stdout + r.stderr
		if strings.ContainsAny(out, "\x1b\x07") {
			t.Errorf("%s: terminal escapes reach the terminal: %q", what, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "FORGED") {
				t.Errorf("%s: a name forged a line: %q", what, out)
			}
		}
		if escaped && !strings.Contains(out, `\x1b`) {
			t.Errorf("%s does not show the name escaped: %q", what, out)
		}
	}
	check("refresh --all (in process)", h.run("token-daemon", "refresh", "--all"), true)
	check("refresh <name> (in process)", h.run("token-daemon", "refresh", evilName), true)
	check("refresh of an unknown name", h.run("token-daemon", "refresh", "nothing\x1b[2J"), true)
	check("login of an unknown provider", h.run("token-daemon", "login", "nothing\x1b[2J", "--no-browser"), true)
	check("list", h.run("token-daemon", "list"), false) // the table blanks them
	h.mustRun("token-daemon", "start")
	check("status", h.run("token-daemon", "status"), false)
	check("refresh --all (daemon)", h.run("token-daemon", "refresh", "--all"), true)
	check("refresh of an unknown name (daemon)", h.run("token-daemon", "refresh", "nothing\x1b[2J"), true)
	h.mustRun("token-daemon", "stop")
}

// The redirect page does its job in a real browser: Chromium given the
// file:// page lands on the dashboard, signed in, with the secret gone
// from the address.
func TestLocalRedirectPageOpensTheDashboardInChromium(t *testing.T) {
	bin, argvFile := fakeOpener(t)
	srv := newQwenServer(t)
	h := newHome(t)
	h.extraEnv = []string{"PATH=" + bin + ":" + os.Getenv("PATH"), "DISPLAY=:99"}
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off"})
	h.mustRun("token-daemon", "start")
	secret := readSecret(t, h)
	web := h.status().Daemon.WebURL
	h.mustRun("token-daemon", "ui")
	openedPage(t, h, argvFile, secret) // checks the argv and the page
	pages, _ := filepath.Glob(filepath.Join(h.dir, "run", "open-*.html"))
	if len(pages) != 1 {
		t.Fatalf("redirect pages %v", pages)
	}

	ctx := browsertest.Start(t, 1000, 700, 60*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+pages[0])); err != nil {
		t.Fatal(err)
	}
	// The page navigates twice (file → ?k= → /ui): a poll may lose its
	// context on the way, so poll again until the deadline.
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := waitJS(ctx, 2*time.Second, `location.origin + location.pathname === `+strconv.Quote(web+"/ui")+` && document.readyState === "complete"`)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("chromium on the redirect page did not reach the dashboard (at %q): %v", strings.ReplaceAll(loc, secret, "<secret>"), err)
		}
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if strings.Contains(loc, secret) || strings.Contains(loc, "k=") {
		t.Errorf("the secret stays in the address bar")
	}
	status, err := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/ui").then(r => r.status)`, chromedp.EvalAsValue, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		t.Errorf("the dashboard answers %d to the browser's session, want 200", status)
	}
	h.mustRun("token-daemon", "stop")
}

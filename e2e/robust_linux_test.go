package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needRoot skips outside root: mounts and running a daemon as another user
// need it. .ci/run runs as root, where CI=true turns a skip into a failure.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (mount, setuid); .ci/run runs as root")
	}
}

// A full disk (a 64 KiB tmpfs as the auth dir) or a read-only auth dir (a
// read-only bind mount) makes the write of refreshed tokens fail cleanly:
// the file stays whole and unchanged, the rotated tokens are kept in memory
// (no second refresh: the old refresh token is already dead), the status
// says why and the log too, and once the disk can be written again the
// safety-net tick writes them without a new refresh.
func TestRobustDiskFailures(t *testing.T) {
	needRoot(t)
	for _, kind := range []string{"full", "read-only"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			const name = "qwen-oauth-1-disk.json"
			oldAT, oldRT := "DISK-AT-SECRETVALUE-"+kind, "DISK-RT-SECRETVALUE-"+kind
			srv := newQwenServer(t, oldRT)
			h := newHome(t).withRaceDaemon()
			h.writeConfig(srv.URL, map[string]any{"checkIntervalSeconds": 5})

			var heal func()
			switch kind {
			case "full":
				if err := syscall.Mount("tmpfs", h.auth, "tmpfs", 0, "size=64k,mode=0700"); err != nil {
					t.Skipf("cannot mount a tmpfs: %v", err)
				}
				h.writeToken(name, qwenFile(oldAT, oldRT, time.Now().Add(10*time.Minute)))
				filler := filepath.Join(h.auth, "filler.bin") // not a token file: never read
				f, err := os.Create(filler)
				if err != nil {
					t.Fatal(err)
				}
				_, err = io.Copy(f, io.LimitReader(zeroReader{}, 1<<20))
				f.Close()
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatalf("filling the tmpfs: %v, want ENOSPC", err)
				}
				heal = func() {
					if err := os.Remove(filler); err != nil {
						t.Fatal(err)
					}
				}
			case "read-only":
				h.writeToken(name, qwenFile(oldAT, oldRT, time.Now().Add(10*time.Minute)))
				if err := syscall.Mount(h.auth, h.auth, "", syscall.MS_BIND, ""); err != nil {
					t.Skipf("cannot bind-mount: %v", err)
				}
				if err := syscall.Mount("", h.auth, "", syscall.MS_REMOUNT|syscall.MS_BIND|syscall.MS_RDONLY, ""); err != nil {
					_ = syscall.Unmount(h.auth, syscall.MNT_DETACH)
					t.Skipf("cannot remount read-only: %v", err)
				}
				heal = func() {
					if err := syscall.Mount("", h.auth, "", syscall.MS_REMOUNT|syscall.MS_BIND, ""); err != nil {
						t.Fatal(err)
					}
				}
			}
			// Runs before newHome's cleanup: stop the daemon, then unmount.
			t.Cleanup(func() {
				h.run("token-daemon", "stop")
				_ = syscall.Unmount(h.auth, syscall.MNT_DETACH)
			})
			before, _ := os.ReadFile(filepath.Join(h.auth, name))

			h.mustRun("token-daemon", "start")
			eventually(t, 20*time.Second, "the write failure in the status", func() bool {
				s, reason, _, _ := h.status().token(name)
				return s == "refresh_failed" && strings.HasPrefix(reason, "write failed")
			})
			_, reason, _, _ := h.status().token(name)
			t.Logf("%s: %s", kind, reason)
			after, _ := os.ReadFile(filepath.Join(h.auth, name))
			if string(after) != string(before) {
				t.Fatal("the token file changed although the write failed")
			}
			if !strings.Contains(h.logText(), "refreshed tokens could not be written; keeping them in memory") {
				t.Error("the write failure is not in the log")
			}
			srv.mu.Lock()
			requests := srv.requests
			srv.mu.Unlock()
			if requests != 1 {
				t.Fatalf("%d refresh requests, want 1 (the tokens are kept, not refreshed again)", requests)
			}
			// A manual refresh must not spend the kept tokens' refresh token.
			if r := h.run("token-daemon", "refresh", name); r.code == 0 {
				t.Fatalf("manual refresh with a pending write succeeded:\n%s", r.stdout)
			}

			heal()
			eventually(t, 20*time.Second, "the kept tokens written by the safety net", func() bool {
				return h.readToken(name)["refresh_token"] == "QWEN-RT-1-SECRETVALUE"
			})
			eventually(t, 5*time.Second, "valid", func() bool {
				s, _, _, _ := h.status().token(name)
				return s == "valid"
			})
			srv.mu.Lock()
			requests = srv.requests
			srv.mu.Unlock()
			if requests != 1 {
				t.Fatalf("%d refresh requests, want 1", requests)
			}
			if tok := h.readToken(name); tok["access_token"] != "QWEN-AT-1-SECRETVALUE" {
				t.Fatalf("access token on disk %.8v…", tok["access_token"])
			}
			h.mustRun("token-daemon", "stop")
			noSecretsInHome(t, h, append(srv.issuedTokens(), oldAT, oldRT)...)
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// The socket is 0600 in a 0700 dir, and a client of another uid is refused
// by the peer-uid check even where the file mode would let it in (root
// ignores modes: here the daemon runs as nobody and root connects). The
// auth web server listens on loopback only.
func TestRobustLocalEndpoints(t *testing.T) {
	srv := newQwenServer(t, "SEC-RT-SECRETVALUE")
	h := newHome(t).withRaceDaemon()
	h.writeConfig(srv.URL, nil)
	h.writeToken("qwen-oauth-1-sec.json", qwenFile("SEC-AT-SECRETVALUE", "SEC-RT-SECRETVALUE", time.Now().Add(48*time.Hour)))
	h.mustRun("token-daemon", "start")
	st := h.status()

	for path, want := range map[string]os.FileMode{h.socket(): 0o600, filepath.Dir(h.socket()): 0o700} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, fi.Mode().Perm(), want)
		}
	}

	u, err := url.Parse(st.Daemon.WebURL)
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Errorf("webURL %q is not on 127.0.0.1", st.Daemon.WebURL)
	}
	listening := listeningTCP(t, st.Daemon.PID)
	if len(listening) == 0 {
		t.Error("no listening TCP socket found for the daemon")
	}
	for _, a := range listening {
		if !a.IP.IsLoopback() {
			t.Errorf("the daemon listens on %v, beyond loopback", a)
		}
	}
	if ip := nonLoopbackIP(); ip != nil && u != nil {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), u.Port()), time.Second); err == nil {
			c.Close()
			t.Errorf("the auth server answers on %v", ip)
		}
	}
	h.mustRun("token-daemon", "stop")

	t.Run("another uid", func(t *testing.T) {
		needRoot(t)
		const nobody = 65534
		if err := filepath.WalkDir(h.dir, func(p string, _ os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, nobody, nobody)
		}); err != nil {
			t.Fatal(err)
		}
		cmd := execBinary(h, "token-daemon", "start", "--foreground")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
		})
		eventually(t, 15*time.Second, "the nobody daemon's socket", func() bool {
			_, err := os.Stat(h.socket())
			return err == nil
		})
		fi, _ := os.Stat(h.socket())
		if sys := fi.Sys().(*syscall.Stat_t); sys.Uid != nobody {
			t.Fatalf("socket owned by %d", sys.Uid)
		}
		// Root passes the file mode; the daemon must still refuse it.
		client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", h.socket())
		}}, Timeout: 5 * time.Second}
		var code int
		var body []byte
		eventually(t, 10*time.Second, "an answer on the socket", func() bool {
			resp, err := client.Get("http://token-daemon/v1/status")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			code = resp.StatusCode
			body, _ = io.ReadAll(resp.Body)
			return true
		})
		if code != http.StatusForbidden {
			t.Fatalf("GET /v1/status from another uid: %d %s, want 403", code, body)
		}
		noSecrets(t, "the refusal", string(body), "SEC-AT-SECRETVALUE", "SEC-RT-SECRETVALUE")
		r := h.run("token-daemon", "status", "--json")
		if r.code == 0 || strings.Contains(r.stdout, "qwen-oauth-1-sec") && strings.Contains(r.stdout, `"running": true`) {
			t.Fatalf("status as another uid: exit %d\n%s", r.code, r.stdout)
		}
		if strings.Contains(r.stdout+r.stderr, "goroutine ") {
			t.Errorf("a stack trace: %s", r.stderr)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("nobody daemon after SIGTERM: %v\n%s", err, out.String())
		}
		noSecretsInHome(t, h, "SEC-AT-SECRETVALUE", "SEC-RT-SECRETVALUE")
	})
	noSecretsInHome(t, h, "SEC-AT-SECRETVALUE", "SEC-RT-SECRETVALUE")
}

// listeningTCP returns the local addresses of the TCP sockets of pid in
// LISTEN state, from /proc/<pid>/fd and /proc/net/tcp{,6}.
func listeningTCP(t *testing.T, pid int) []*net.TCPAddr {
	t.Helper()
	inodes := map[string]bool{}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		link, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	var out []*net.TCPAddr
	for _, table := range []string{"tcp", "tcp6"} {
		f, err := os.Open(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 || fields[3] != "0A" || !inodes[fields[9]] {
				continue
			}
			out = append(out, parseProcAddr(t, fields[1]))
		}
		f.Close()
	}
	return out
}

// parseProcAddr decodes "0100007F:1F90" (little-endian words) to an address.
func parseProcAddr(t *testing.T, s string) *net.TCPAddr {
	hexIP, hexPort, _ := strings.Cut(s, ":")
	port, _ := strconv.ParseUint(hexPort, 16, 16)
	raw := make(net.IP, len(hexIP)/2)
	for i := 0; i < len(hexIP)/8; i++ {
		w, err := strconv.ParseUint(hexIP[i*8:i*8+8], 16, 32)
		if err != nil {
			t.Fatalf("bad address %q", s)
		}
		raw[i*4], raw[i*4+1], raw[i*4+2], raw[i*4+3] = byte(w), byte(w>>8), byte(w>>16), byte(w>>24)
	}
	return &net.TCPAddr{IP: raw, Port: int(port)}
}

// nonLoopbackIP is an address of this machine beyond loopback, if any.
func nonLoopbackIP() net.IP {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP
		}
	}
	return nil
}

package ipc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const peerHelperEnv = "RC_IPC_PEER_HELPER_SOCKET"

// TestPeerOtherUserIsRefused connects as another real user (nobody) to a
// socket whose file modes were opened up on purpose, so that only the
// SO_PEERCRED check stands between that user and the daemon. The same
// child checks the other direction: the typed client does not trust a
// server running as another uid (root here).
func TestPeerOtherUserIsRefused(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another uid")
	}
	core := newFakeCore()
	r := serve(t, core, nil)
	// Open the path to everyone: the test binary, the dirs, the socket.
	base := filepath.Dir(filepath.Dir(r.sock))
	for _, p := range []string{base, filepath.Dir(r.sock)} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(r.sock, 0o666); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "ipc.test")
	copyFile(t, os.Args[0], bin)

	cmd := exec.Command(bin, "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), peerHelperEnv+"="+r.sock)
	cmd.Dir = base
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper as uid 65534: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ANSWER 403") {
		t.Fatalf("another user was not refused:\n%s", out)
	}
	if !strings.Contains(string(out), "CLIENT untrusted") {
		t.Fatalf("the client believed a server of another uid:\n%s", out)
	}
	select {
	case <-r.shutdown:
		t.Fatal("another user shut the daemon down")
	default:
	}
}

// TestMain runs the peer client instead of the tests when
// TestPeerOtherUserIsRefused starts this binary as one.
func TestMain(m *testing.M) {
	if sock := os.Getenv(peerHelperEnv); sock != "" {
		peerHelperClient(sock)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// peerHelperClient is the child of TestPeerOtherUserIsRefused. A plain
// HTTP client (no check of its own) shows the server's refusal; the typed
// client refuses to believe a server of another uid before it asks.
func peerHelperClient(sock string) {
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", sock)
	}}}
	if resp, err := hc.Post("http://token-daemon/"+APIVersion+"/shutdown", "application/json", nil); err == nil {
		resp.Body.Close()
		fmt.Printf("ANSWER %d\n", resp.StatusCode)
	} else {
		fmt.Printf("ANSWER other: %v\n", err)
	}
	err := NewClient(sock).Shutdown(context.Background())
	var untrusted *UntrustedError
	if errors.As(err, &untrusted) && untrusted.UID == 0 {
		fmt.Println("CLIENT untrusted")
		return
	}
	fmt.Printf("CLIENT other: %v\n", err)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

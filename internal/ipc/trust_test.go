//go:build linux || darwin

package ipc

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// SocketPeer names the process that listens on the socket, even before it
// accepts (a daemon still starting): stop may signal only that pid.
func TestSocketPeerNamesTheListener(t *testing.T) {
	dir, err := os.MkdirTemp("", "rcpeer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	peer, err := SocketPeer(t.Context(), sock) // never accepted
	if err != nil {
		t.Fatal(err)
	}
	if !peer.Known || peer.PID != os.Getpid() || peer.UID != os.Getuid() {
		t.Fatalf("peer %+v, want pid %d uid %d", peer, os.Getpid(), os.Getuid())
	}
	ln.Close()
	if _, err := SocketPeer(t.Context(), sock); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("after close: %v, want ErrNotRunning", err)
	}
}

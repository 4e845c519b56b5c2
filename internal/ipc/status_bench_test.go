package ipc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
)

// benchDaemon runs a real core over n fresh qwen-shaped files with the
// server on a socket; it returns a client of it.
func benchDaemon(b *testing.B, n int) (*Client, *daemon.Daemon) {
	b.Helper()
	dir, err := os.MkdirTemp("", "rcb")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	auth := filepath.Join(dir, "auth")
	if err := os.MkdirAll(auth, 0o700); err != nil {
		b.Fatal(err)
	}
	exp := time.Now().Add(240 * time.Hour).UnixMilli()
	for i := range n {
		data := fmt.Sprintf(`{"type":"qwen","access_token":"AT-%d","refresh_token":"RT-%d","expires_at":%d,"email":"user%d@company.com","resource_url":"portal.qwen.ai"}`, i, i, exp, i)
		if err := os.WriteFile(filepath.Join(auth, fmt.Sprintf("qwen-oauth-%d.json", i)), []byte(data), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	core, err := daemon.New(daemon.Config{AuthDir: auth, StatePath: filepath.Join(dir, "state.json")}, daemon.Deps{Providers: noProviders{}})
	if err != nil {
		b.Fatal(err)
	}
	core.SetAccessLog(discardAccesses{})
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	go core.Run(ctx)
	<-core.Ready()
	sock := filepath.Join(dir, "run", "s.sock")
	ln, err := Listen(sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(core, func() DaemonInfo { return DaemonInfo{Running: true} }, ServerOptions{})
	go srv.Serve(ctx, ln)
	return NewClient(sock), core
}

// BenchmarkStatusSocket is GET /v1/status over the socket, 1,000 tokens,
// one keep-alive client that decodes the answer (what `status --json` and
// a polling client pay).
func BenchmarkStatusSocket(b *testing.B) {
	c, _ := benchDaemon(b, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st, err := c.Status(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(st.Tokens) != 1000 {
			b.Fatalf("%d tokens", len(st.Tokens))
		}
	}
}

// BenchmarkStatusSocketRaw is the same answer, indented as `status --json`
// prints it, read without decoding: what the daemon and the transport cost.
func BenchmarkStatusSocketRaw(b *testing.B) {
	c, _ := benchDaemon(b, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.StatusJSON(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

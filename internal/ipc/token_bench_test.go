package ipc

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
)

type noProviders struct{}

func (noProviders) Get(string) (provider.Provider, bool) { return nil, false }

type discardAccesses struct{}

func (discardAccesses) Access(daemon.Access) {}

// BenchmarkTokenSocket is GET /v1/token over the socket against a real core
// with 1,000 fresh tokens (no refresh), one client with keep-alive.
func BenchmarkTokenSocket(b *testing.B) {
	dir, err := os.MkdirTemp("", "rcb")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	auth := filepath.Join(dir, "auth")
	if err := os.MkdirAll(auth, 0o700); err != nil {
		b.Fatal(err)
	}
	exp := time.Now().Add(240 * time.Hour).UnixMilli()
	const n = 1000
	for i := range n {
		data := fmt.Sprintf(`{"type":"qwen","access_token":"AT-%d","refresh_token":"RT-%d","expires_at":%d}`, i, i, exp)
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
	defer cancel()
	go core.Run(ctx)
	<-core.Ready()
	sock := filepath.Join(dir, "run", "s.sock")
	ln, err := Listen(sock)
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(core, func() DaemonInfo { return DaemonInfo{} }, ServerOptions{})
	go srv.Serve(ctx, ln)
	c := NewClient(sock)
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("qwen-oauth-%d.json", i)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Token(ctx, names[i%n], 10*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

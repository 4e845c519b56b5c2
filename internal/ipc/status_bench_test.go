package ipc

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"unsafe"

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

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkStatusAnswer10k guards the memory of the largest answer: the
// handler of GET /v1/status over 10,000 tokens, in process. Streamed, the
// answer allocates about the snapshot it is made of (≈ 4 MB); a buffered
// answer of 5 MB (and its growth) would more than double that, and fails.
func BenchmarkStatusAnswer10k(b *testing.B) {
	core := newFakeCore()
	base := core.states
	core.states = nil
	for i := range 10000 {
		s := base[i%len(base)]
		s.File = fmt.Sprintf("qwen-oauth-%d.json", i)
		s.Path = "/home/user/.routecodex/auth/" + s.File
		core.states = append(core.states, s)
	}
	srv := NewServer(core, func() DaemonInfo { return DaemonInfo{Running: true} }, ServerOptions{Now: func() time.Time { return testNow }})
	req := httptest.NewRequest(http.MethodGet, "/v1/status?indent=1", nil)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ReportAllocs()
	for b.Loop() {
		srv.handleStatus(&discardWriter{h: http.Header{}}, req)
	}
	runtime.ReadMemStats(&ms1)
	perOp := float64(ms1.TotalAlloc-ms0.TotalAlloc) / float64(b.N)
	snapshot := float64(unsafe.Sizeof(daemon.TokenState{})) * 10000
	b.ReportMetric(perOp/snapshot, "×snapshot")
	if perOp > 2*snapshot {
		b.Fatalf("GET /v1/status allocates %.1f MB per answer at 10,000 tokens, over twice its snapshot (%.1f MB)", perOp/1e6, snapshot/1e6)
	}
}

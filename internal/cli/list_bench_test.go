package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/config"
)

// benchHome writes n qwen-shaped token files (the shape RouteCodex writes)
// into a temporary home and returns a Factory over it whose output is
// discarded.
func benchHome(b *testing.B, n int) *Factory {
	b.Helper()
	home := b.TempDir()
	auth := filepath.Join(home, "auth")
	if err := os.Mkdir(auth, 0o700); err != nil {
		b.Fatal(err)
	}
	exp := time.Now().Add(10 * 24 * time.Hour).UnixMilli()
	for i := range n {
		data := fmt.Sprintf(`{
  "access_token": "BENCH-AT-%[1]d-0123456789abcdef0123456789abcdef",
  "refresh_token": "BENCH-RT-%[1]d-0123456789abcdef0123456789abcdef",
  "token_type": "Bearer",
  "expires_in": 21600,
  "expires_at": %[2]d,
  "expiry_date": %[2]d,
  "resource_url": "https://portal.qwen.ai",
  "email": "user%[1]d@company.com",
  "type": "qwen"
}
`, i, exp)
		if err := os.WriteFile(filepath.Join(auth, fmt.Sprintf("qwen-oauth-%d.json", i+1)), []byte(data), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	vars := map[string]string{"ROUTECODEX_HOME": home, "LANG": "C"}
	return &Factory{
		IO:       IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Env:      config.Env{Getenv: func(k string) string { return vars[k] }, UserHome: b.TempDir()},
		Now:      time.Now,
		Location: time.UTC,
		Version:  "bench",
	}
}

// BenchmarkListJSON10k is `list --json` without a daemon over 10,000
// files, in process: the scan, the states and the encoded answer.
func BenchmarkListJSON10k(b *testing.B) {
	f := benchHome(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		f.settings = nil
		cmd := NewRootCmd(f)
		cmd.SetArgs([]string{"token-daemon", "list", "--json"})
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

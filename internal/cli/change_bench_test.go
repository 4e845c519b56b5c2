package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/watch"
)

type noProviders struct{}

func (noProviders) Get(string) (provider.Provider, bool) { return nil, false }

// BenchmarkChangeToState is the change-latency figure in process: the real
// watcher feeding the real core, as the daemon wires them; one op is an
// atomic replace (temp file + rename) of one of 1,000 files with a new
// expiry until the core's event carries it. It reports the median and p99.
func BenchmarkChangeToState(b *testing.B) {
	dir := b.TempDir()
	file := func(i int, exp time.Time) []byte {
		return fmt.Appendf(nil, `{"type":"corp","access_token":"at-%d","expires_at":%d,"email":"u%d@example.com"}`, i, exp.UnixMilli(), i)
	}
	base := time.Now().Add(20 * 24 * time.Hour).Truncate(time.Second)
	for i := range 1000 {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("corp-%d.json", i)), file(i, base), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	core, err := daemon.New(daemon.Config{AuthDir: dir, StatePath: filepath.Join(b.TempDir(), "state.json"), Quiet: watch.DefaultDebounce}, daemon.Deps{Providers: noProviders{}})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events, unsub := core.Subscribe()
	defer unsub()
	go func() { _ = core.Run(ctx) }()
	<-core.Ready()
	go func() { _ = watch.Run(ctx, dir, watch.Options{}, core.FileChanged) }()
	// The watch has no ready signal: write a sentinel until its event comes.
	for seen := false; !seen; {
		if err := os.WriteFile(filepath.Join(dir, "corp-ready.json"), file(-1, base), 0o600); err != nil {
			b.Fatal(err)
		}
		select {
		case ev := <-events:
			seen = ev.Token.File == "corp-ready.json"
		case <-time.After(50 * time.Millisecond):
		}
	}
	for len(events) > 0 {
		<-events
	}

	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("corp-%d.json", i%1000)
		exp := base.Add(time.Duration(i+1) * time.Minute)
		tmp := filepath.Join(dir, ".tmp")
		if err := os.WriteFile(tmp, file(i%1000, exp), 0o600); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			b.Fatal(err)
		}
		for ev := range events {
			if ev.Token.File == name && ev.Token.ExpiresAt.Equal(exp) {
				break
			}
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2])/1e6, "median-ms")
	b.ReportMetric(float64(lat[(len(lat)*99+99)/100-1])/1e6, "p99-ms")
}

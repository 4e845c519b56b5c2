package daemon_test

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// latencyProvider answers after a fixed real-time latency.
type latencyProvider struct {
	name    string
	latency time.Duration
	calls   atomic.Int64
}

func (p *latencyProvider) Name() string { return p.name }

func (p *latencyProvider) Refresh(ctx context.Context, f *tokenfile.File) (tokenfile.Update, error) {
	n := p.calls.Add(1)
	select {
	case <-time.After(p.latency):
	case <-ctx.Done():
		return tokenfile.Update{}, ctx.Err()
	}
	return okUpdate(int(n), time.Now().Add(240*time.Hour)), nil
}

type countingNotifier struct{ n atomic.Int64 }

func (c *countingNotifier) Notify(daemon.Notice) { c.n.Add(1) }

// BenchmarkStorm1000: 1,000 tokens due at once, 4 providers with a 50 ms
// answer, MaxConcurrent 8 (PerProvider 4 does not bind): ideal 1000/8·50 ms
// = 6.25 s per op.
func BenchmarkStorm1000(b *testing.B) {
	b.Run("disk", func(b *testing.B) { benchStorm(b, nil) })
	// The same storm with writes that only hash the merge in memory: the
	// core's own overhead, without the file system.
	b.Run("memwrite", func(b *testing.B) {
		benchStorm(b, func(path string, u tokenfile.Update, _ *string) (tokenfile.WriteResult, error) {
			data := []byte(`{"access_token":"` + u.AccessToken + `","refresh_token":"` + u.RefreshToken + `","type":"qwen"}`)
			return tokenfile.WriteResult{Hash: sha256.Sum256(data), Data: data}, nil
		})
	})
}

func benchStorm(b *testing.B, writer func(string, tokenfile.Update, *string) (tokenfile.WriteResult, error)) {
	const files = 1000
	provs := providers{}
	names := []string{"qwen", "iflow", "gemini-cli", "antigravity"}
	for _, n := range names {
		provs[n] = &latencyProvider{name: n, latency: 50 * time.Millisecond}
	}
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		for i := range files {
			prov := names[i%len(names)]
			writeToken(b, dir, prov+"-oauth-"+strconv.Itoa(i)+".json", tokenFields(prov, i, time.Now().Add(time.Minute)))
		}
		notes := &countingNotifier{}
		d, err := daemon.New(daemon.Config{
			AuthDir: dir, StatePath: filepath.Join(b.TempDir(), "state.json"),
			RefreshAhead: 30 * time.Minute, CheckInterval: time.Minute,
			AutoRefresh: true, RetryOnFailure: true, MaxRetries: 3, MaxConcurrent: 8, PerProvider: 4,
			NotifySuccess: true,
		}, daemon.Deps{Clock: daemon.SystemClock(), Providers: provs, Notifier: notes, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		if writer != nil {
			d.SetWriter(writer)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		b.StartTimer()
		start := time.Now()
		go func() { done <- d.Run(ctx) }()
		for notes.n.Load() < files {
			time.Sleep(5 * time.Millisecond) // polling the outcome, not waiting for a timer
		}
		elapsed := time.Since(start)
		b.StopTimer()
		cancel()
		<-done
		b.ReportMetric(elapsed.Seconds(), "s/storm")
		b.ReportMetric(float64(files)/elapsed.Seconds(), "refreshes/s")
	}
}

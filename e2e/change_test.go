package e2e

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/ipc"
)

// A writer that rewrites a token file in place, slowly (truncate, write
// half, pause 40 ms, write the rest), never makes the file appear invalid:
// not to a client polling GET /v1/status, not on the event stream. Each
// finished rewrite is published.
func TestSlowInPlaceWriterNeverShowsInvalid(t *testing.T) {
	srv := newQwenServer(t, "QWEN-RT-0-SECRETVALUE")
	h := newHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-slow.json"
	path := filepath.Join(h.auth, name)
	base := time.Now().Add(10 * 24 * time.Hour).Truncate(time.Second)
	h.writeToken(name, qwenFile("QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE", base))
	h.mustRun("token-daemon", "start")

	client := ipc.NewClient(h.socket())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var invalid, polls, events atomic.Int64
	var latest atomic.Value // expiresAt last seen by the poller
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ev, err := range client.Events(ctx) {
			if err != nil {
				return
			}
			if ev.Token.File == name {
				events.Add(1)
				if ev.Token.Status == "invalid" {
					invalid.Add(1)
					t.Errorf("event stream: %s %s (%s)", name, ev.Token.Status, ev.Token.Reason)
				}
			}
		}
	}()
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			st, err := client.Status(ctx)
			if err != nil {
				continue
			}
			polls.Add(1)
			for _, tk := range st.Tokens {
				if tk.File != name {
					continue
				}
				if tk.Status == "invalid" {
					invalid.Add(1)
					t.Errorf("GET /v1/status: %s %s (%s)", name, tk.Status, tk.Reason)
				}
				if tk.ExpiresAt != nil {
					latest.Store(*tk.ExpiresAt)
				}
			}
		}
	}()

	for i := 1; i <= 5; i++ {
		exp := base.Add(time.Duration(i) * time.Hour)
		content := []byte(qwenFile("QWEN-AT-0-SECRETVALUE", "QWEN-RT-0-SECRETVALUE", exp))
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(content[:len(content)/2]); err != nil {
			t.Fatal(err)
		}
		time.Sleep(40 * time.Millisecond) // the writer's own pause, not a wait for the daemon
		if _, err := f.Write(content[len(content)/2:]); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		want := exp.UTC().Format(time.RFC3339)
		eventually(t, 10*time.Second, "the rewrite "+want+" published", func() bool {
			s, _ := latest.Load().(string)
			return s == want
		})
	}
	cancel()
	wg.Wait()
	if invalid.Load() != 0 {
		t.Fatalf("%d observations of the file as invalid", invalid.Load())
	}
	t.Logf("%d status polls, %d events for the file", polls.Load(), events.Load())
}

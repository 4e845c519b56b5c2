package webhook

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/daemon/daemontest"
)

// BenchmarkNotifyHangingTarget is what the core pays per notice when a
// target never answers (its queue full): the call must stay cheap and
// never wait.
func BenchmarkNotifyHangingTarget(b *testing.B) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	n := New(Options{Targets: []Target{{URL: srv.URL, Format: "json", Events: []string{EventNeedsReauth}}}, Clock: daemontest.NewClock(t0)})
	defer n.Close()
	no := daemon.Notice{Kind: daemon.NoticeNeedsReauth, File: "qwen-oauth-1-work.json", Provider: "qwen", Reason: "invalid_grant"}
	b.ReportAllocs()
	for b.Loop() {
		n.Notify(no)
	}
}

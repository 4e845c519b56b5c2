package main

// The refresh storms and the token server they run against.

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/routecodex/token-daemon/internal/ipc"
)

// storm starts a daemon over 1,000 tokens all inside the refresh window and
// times until every one is fresh.
func storm(bin string, srv *tokenServer, n int, provs []string) (row, error) {
	srv.reset()
	h, err := newHome(bin, srv.URL, nil)
	if err != nil {
		return row{}, err
	}
	defer h.close()
	exp := time.Now().Add(10 * time.Minute) // inside the 30-minute window
	for i := range n {
		p := provs[i%len(provs)]
		name := fmt.Sprintf("%s-oauth-%d.json", p, i+1)
		if err := os.WriteFile(filepath.Join(h.auth, name), []byte(qwenFile(i, p, exp)), 0o600); err != nil {
			return row{}, err
		}
	}
	t0 := time.Now()
	if out, err := h.cmd("token-daemon", "start").CombinedOutput(); err != nil {
		return row{}, fmt.Errorf("start: %w: %s", err, out)
	}
	client := ipc.NewClient(h.socket())
	deadline := t0.Add(3 * time.Minute)
	// Asking for the status of 1,000 tokens costs the daemon CPU: wait for
	// the server to have answered every token first, then poll the status.
	for srv.count() < n && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var all time.Duration
	for {
		st, err := client.Status(context.Background())
		if err == nil {
			h.pid = st.Daemon.PID
			fresh := 0
			for _, t := range st.Tokens {
				if t.Status == "valid" && t.LastRefreshAt != nil {
					fresh++
				}
			}
			if fresh == n {
				all = time.Since(t0)
				break
			}
		}
		if time.Now().After(deadline) {
			return row{}, fmt.Errorf("storm: not all %d fresh after 3 minutes (%d requests)", n, srv.count())
		}
		time.Sleep(20 * time.Millisecond)
	}
	conc := min(8, 4*len(provs)) // maxConcurrentRefreshes 8, 4 per provider (DESIGN.md §4)
	bound := time.Duration(float64(n) / float64(conc) * float64(srv.delay))
	first, last, peak := srv.span()
	cpu, _ := procCPU(h.pid)
	return row{
		fmt.Sprintf("refresh storm, %d tokens due at once, server 50 ms, %s: start → all fresh (server busy %s, peak %d in flight, %d requests over %d connections, daemon CPU %.2f s)",
			n, strings.Join(provs, "+"), ms(last.Sub(first)), peak, srv.count(), srv.conns.Load(), cpu),
		ms(all),
		fmt.Sprintf("bound %d/%d × 50 ms = %s", n, conc, ms(bound)),
		met(all < bound*12/10),
	}, nil
}

// tokenServer answers every provider's token endpoint after a fixed delay,
// rotating refresh tokens as qwen does, and records the concurrency.
type tokenServer struct {
	*httptest.Server
	delay    time.Duration
	mu       sync.Mutex
	n        int
	first    time.Time
	last     time.Time
	inFlight atomic.Int64
	peak     int64
	conns    atomic.Int64 // TCP connections opened by the daemon
}

func newTokenServer(delay time.Duration) *tokenServer {
	s := &tokenServer{delay: delay}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	return s
}

func (s *tokenServer) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n, s.first, s.last, s.peak = 0, time.Time{}, time.Time{}, 0
	s.conns.Store(0)
}

func (s *tokenServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *tokenServer) span() (first, last time.Time, peak int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first, s.last, s.peak
}

func (s *tokenServer) handle(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/token") || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "refresh_token" {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	now := time.Now()
	cur := s.inFlight.Add(1)
	s.mu.Lock()
	if s.first.IsZero() {
		s.first = now
	}
	s.peak = max(s.peak, cur)
	s.n++
	seq := s.n
	s.mu.Unlock()
	time.Sleep(s.delay) // the provider's answer time
	s.inFlight.Add(-1)
	s.mu.Lock()
	s.last = time.Now()
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": fmt.Sprintf("STORM-AT-%d", seq), "refresh_token": fmt.Sprintf("STORM-RT-%d", seq),
		"token_type": "Bearer", "expires_in": 21600, "resource_url": "portal.qwen.ai",
	})
}

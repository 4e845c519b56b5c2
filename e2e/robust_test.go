package e2e

// The robustness suite of the performance issue: crash safety under
// SIGKILL, network faults, malformed input and the security of the local
// endpoints, all against the real binary. The clock-jump case lives where
// the clock can be moved: internal/daemon TestClockJumpRunsOverdueAtOnce
// (and backoff spacing in TestTransientBackoffThenSlowRetries).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// faultServer is a qwen token endpoint that can be down, hang, reset
// connections or answer garbage. It rotates refresh tokens and remembers
// which new token it issued for which old one; it keeps accepting
// superseded tokens so that a test can go on after a crash lost one.
type faultServer struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	srv      *http.Server
	mode     string // "ok", "hang", "reset", "garbage"
	delay    time.Duration
	known    map[string]bool
	next     map[string]string // old refresh token -> the one issued for it
	access   map[string]string // issued refresh token -> access token issued with it
	issued   []string
	requests int
	hang     chan struct{} // closed to release hanging requests
}

func newFaultServer(t *testing.T, refreshTokens ...string) *faultServer {
	s := &faultServer{t: t, mode: "ok", known: map[string]bool{}, next: map[string]string{},
		access: map[string]string{}, hang: make(chan struct{})}
	for _, rt := range refreshTokens {
		s.known[rt] = true
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(func() {
		s.setMode("ok")
		s.mu.Lock()
		srv := s.srv
		s.mu.Unlock()
		if srv != nil {
			_ = srv.Close()
		}
	})
	return s
}

func (s *faultServer) URL() string { return "http://" + s.addr }

func (s *faultServer) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(s.handle)}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// down closes the listener and every connection: connections are refused.
func (s *faultServer) down() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// up listens again on the same port.
func (s *faultServer) up() {
	var ln net.Listener
	eventually(s.t, 5*time.Second, "the port to be free again", func() bool {
		var err error
		ln, err = net.Listen("tcp", s.addr)
		return err == nil
	})
	s.serve(ln)
}

func (s *faultServer) setMode(m string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mode == "hang" && m != "hang" {
		close(s.hang)
		s.hang = make(chan struct{})
	}
	s.mode = m
}

func (s *faultServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

func (s *faultServer) successor(rt string) (newRT, newAT string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.next[rt]
	return n, s.access[n]
}

func (s *faultServer) issuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

func (s *faultServer) handle(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.requests++
	mode, delay, hang := s.mode, s.delay, s.hang
	s.mu.Unlock()
	switch mode {
	case "hang":
		select {
		case <-hang:
		case <-r.Context().Done():
			return
		}
	case "reset":
		// Close with SO_LINGER 0: the client sees ECONNRESET.
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
		}
		return
	case "garbage":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("<html><body>502 proxy says hello</body></html>"))
		return
	}
	if delay > 0 {
		time.Sleep(delay)
	}
	rt := r.PostForm.Get("refresh_token")
	w.Header().Set("Content-Type", "application/json")
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.URL.Path != "/qwen/token" || r.PostForm.Get("grant_type") != "refresh_token" || !s.known[rt] {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"Invalid refresh token or client_id"}`))
		return
	}
	seq := len(s.issued)/2 + 1
	at, nrt := fmt.Sprintf("FAULT-AT-%d-SECRETVALUE", seq), fmt.Sprintf("FAULT-RT-%d-SECRETVALUE", seq)
	s.known[nrt] = true
	s.next[rt], s.access[nrt] = nrt, at
	s.issued = append(s.issued, at, nrt)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "refresh_token": nrt, "token_type": "Bearer",
		"expires_in": 21600, "resource_url": "portal.qwen.ai",
	})
}

// waitGone waits until a SIGKILLed process has exited. A zombie counts as
// gone: its files and locks are released already, and the detached
// daemon's zombie waits for whatever reaps orphans here (seconds, in some
// sandboxes).
func waitGone(t *testing.T, pid int) {
	t.Helper()
	eventually(t, 5*time.Second, "the killed daemon to be gone", func() bool {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return syscall.Kill(pid, 0) != nil // no /proc: ask the kernel
		}
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
	})
}

// SIGKILL at random moments of a refresh storm, 20 times: every file parses
// afterwards and holds either its old token pair or the new pair the server
// issued for it (never a mix), and every refresh the daemon logged as done
// ("refreshed") is on disk.
func TestRobustKillDuringStorm(t *testing.T) {
	const perRound, rounds = 24, 20
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	type pair struct{ at, rt string }
	current := map[string]pair{} // every file so far: the pair on disk
	var initial []string
	var rts []string
	for i := range perRound * rounds {
		rt := fmt.Sprintf("CRASH-RT-%d-SECRETVALUE", i)
		rts = append(rts, rt)
		initial = append(initial, rt, fmt.Sprintf("CRASH-AT-%d-SECRETVALUE", i))
	}
	srv := newFaultServer(t, rts...)
	srv.delay = 15 * time.Millisecond
	h := newHome(t).withRaceDaemon()
	h.writeConfig(srv.URL(), nil)

	lost := map[string]bool{} // rotations issued but killed before their write
	for round := range rounds {
		roundStart := time.Now()
		// Each round brings new files inside the refresh window; files of
		// earlier rounds stay, refreshed or not, and are checked every time.
		// (Rewriting old files instead would meet the daemon's persisted
		// rule of no second refresh of a file within a minute.)
		for i := range perRound {
			n := round*perRound + i
			p := pair{fmt.Sprintf("CRASH-AT-%d-SECRETVALUE", n), rts[n]}
			name := fmt.Sprintf("qwen-oauth-%d.json", n+1)
			h.writeToken(name, qwenFile(p.at, p.rt, time.Now().Add(2*time.Minute)))
			current[name] = p
		}
		logStart := len(h.logText())
		before := srv.count()
		h.mustRun("token-daemon", "start")
		pid := h.pid()
		k := 1 + rng.IntN(perRound-1)
		eventually(t, 30*time.Second, fmt.Sprintf("round %d: %d refresh requests", round, k), func() bool {
			return srv.count()-before >= k
		})
		// A random moment inside the storm, not a wait for a timer.
		time.Sleep(time.Duration(rng.IntN(20)) * time.Millisecond)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		waitGone(t, pid)
		roundLog := h.logText()[logStart:]

		written := 0
		for name, old := range current {
			tok := h.readToken(name) // fails on a torn or invalid file
			got := pair{fmt.Sprint(tok["access_token"]), fmt.Sprint(tok["refresh_token"])}
			nrt, nat := srv.successor(old.rt)
			acknowledged := strings.Contains(roundLog, "msg=refreshed file="+name+" ")
			switch {
			case got == old:
				if acknowledged {
					t.Fatalf("round %d: %s: the log says refreshed, the old token is on disk", round, name)
				}
				if nrt != "" {
					lost[nrt] = true // issued but killed before the write: inherent, and never acknowledged
				}
			case nrt != "" && got == pair{nat, nrt}:
				written++
			default:
				t.Fatalf("round %d: %s holds neither its old nor its new token pair (%.9s…/%.9s…)", round, name, got.at, got.rt)
			}
			current[name] = got
		}
		t.Logf("round %d: killed after %d requests; %d files carry new tokens (%v)",
			round, srv.count()-before, written, time.Since(roundStart).Round(time.Millisecond))
	}
	t.Logf("%d rotations the server issued but the daemon had not written (or not received) when killed; none was acknowledged in the log", len(lost))

	// After all that, a normal start brings every file to valid.
	h.mustRun("token-daemon", "start")
	eventually(t, 60*time.Second, "every file valid after the crashes", func() bool {
		st := h.status()
		valid := 0
		for _, tk := range st.Tokens {
			if tk.Status == "valid" {
				valid++
			}
		}
		return valid == len(current)
	})
	h.mustRun("token-daemon", "stop")
	noSecretsInHome(t, h, append(srv.issuedTokens(), initial...)...)
}

// Token server down, hanging (the client times out), resetting connections
// or answering garbage: the file is not written, the daemon stays up and
// waits its backoff (one request, next attempt ~30 s later, not
// needs_reauth), and a manual refresh recovers once the server is back.
// Backoff spacing itself is tested on the fake clock in internal/daemon
// (TestTransientBackoffThenSlowRetries).
func TestRobustNetworkFaults(t *testing.T) {
	for _, fault := range []string{"down", "hang", "reset", "garbage"} {
		t.Run(fault, func(t *testing.T) {
			t.Parallel()
			if fault == "hang" && testing.Short() {
				t.Skip("the hang case waits for the daemon's 30 s request timeout; skipped with -short")
			}
			const name = "qwen-oauth-1-net.json"
			oldAT, oldRT := "NET-AT-"+fault+"-SECRETVALUE", "NET-RT-"+fault+"-SECRETVALUE"
			srv := newFaultServer(t, oldRT)
			h := newHome(t).withRaceDaemon()
			h.writeConfig(srv.URL(), nil)
			h.writeToken(name, qwenFile(oldAT, oldRT, time.Now().Add(10*time.Minute)))
			before, _ := os.ReadFile(filepath.Join(h.auth, name))
			if fault == "down" {
				srv.down()
			} else {
				srv.setMode(fault)
			}

			h.mustRun("token-daemon", "start")
			var failedAt time.Time
			// The failure happened after the previous poll began: under load
			// a poll takes seconds, so the wait is bounded from both ends.
			prevPoll := time.Now()
			eventually(t, 50*time.Second, "the first failure", func() bool {
				pollStart := time.Now()
				defer func() { prevPoll = pollStart }()
				st := h.status()
				for _, tk := range st.Tokens {
					if tk.File == name && tk.Failures == 1 {
						failedAt = time.Now()
						if tk.Status != "expiring" || tk.NextRefreshAt == nil || tk.LastError == "" {
							t.Fatalf("after a %s failure: status %q, next %v, lastError %q; want expiring with a retry planned",
								fault, tk.Status, tk.NextRefreshAt, tk.LastError)
						}
						next, err := time.Parse(time.RFC3339, *tk.NextRefreshAt)
						if err != nil {
							t.Fatal(err)
						}
						// 30 s ± 20 %, seconds resolution on the wire.
						if least, most := next.Sub(failedAt), next.Sub(prevPoll); most < 22*time.Second || least > 37*time.Second {
							t.Fatalf("next attempt in %v to %v, want the first backoff step of 30 s ± 20%%", least, most)
						}
						t.Logf("%s: %s", fault, tk.LastError)
						return true
					}
				}
				return false
			})
			after, _ := os.ReadFile(filepath.Join(h.auth, name))
			if string(after) != string(before) {
				t.Fatalf("the token file was written after a %s failure", fault)
			}
			if fault != "down" && srv.count() != 1 {
				t.Fatalf("%d requests within the backoff, want 1", srv.count())
			}
			if st := h.status(); !st.Daemon.Running {
				t.Fatal("the daemon is not running after the fault")
			}

			// The server returns; a manual refresh recovers at once.
			if fault == "down" {
				srv.up()
			}
			srv.setMode("ok")
			r := h.run("token-daemon", "refresh", name)
			if r.code != 0 {
				t.Fatalf("refresh after recovery: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			tok := h.readToken(name)
			if tok["refresh_token"] == oldRT {
				t.Fatal("the rotated refresh token is not on disk after recovery")
			}
			if s, _, _, _ := h.status().token(name); s != "valid" {
				t.Fatalf("status after recovery %q", s)
			}
			h.mustRun("token-daemon", "stop")
			secrets := append(srv.issuedTokens(), oldAT, oldRT)
			noSecretsInHome(t, h, secrets...)
			noSecrets(t, "the refresh output", r.stdout+r.stderr, secrets...)
		})
	}
}

// malformedFiles generates n token files that must all be invalid: torn
// JSON, non-objects, random bytes, objects without any token, wrong types,
// invalid UTF-8, deep nesting, oversize. Deterministic for a seed.
func malformedFiles(rng *rand.Rand, n int) map[string][]byte {
	valid := qwenFile("BAD-AT-SECRETVALUE", "BAD-RT-SECRETVALUE", time.Now().Add(48*time.Hour))
	gens := []func() []byte{
		func() []byte { return []byte(valid[:1+rng.IntN(strings.LastIndex(valid, "}")-1)]) }, // torn
		func() []byte { return nil },
		func() []byte { return []byte(" \n\t ") },
		func() []byte {
			return []byte([]string{"[]", "[1,2]", "42", `"access_token"`, "null", "true", `[{"access_token":"x"}]`}[rng.IntN(7)])
		},
		func() []byte {
			b := make([]byte, 1+rng.IntN(600))
			for i := range b {
				b[i] = byte(rng.IntN(256))
			}
			return b
		},
		func() []byte { return []byte(`{"email":"a@b.c","type":"qwen","expires_at":4102444800000}`) },
		func() []byte { return []byte(`{"access_token":"","refresh_token":"","api_key":""}`) },
		func() []byte {
			k := []string{"access_token", "refresh_token", "api_key", "apiKey"}[rng.IntN(4)]
			v := []string{"123", "null", "[]", "{}", "true"}[rng.IntN(5)]
			return []byte(fmt.Sprintf(`{%q:%s,"type":"qwen"}`, k, v))
		},
		func() []byte { return []byte("{\"access_token\":\"\xff\xfe\",\"type\":\"qwen\"") },
		func() []byte { return []byte(strings.Repeat("[", 20000) + strings.Repeat("]", 20000)) },
		func() []byte { return []byte(`{"access_token":"x","access_token":`) },
		func() []byte { return []byte(valid + valid) }, // two objects
	}
	out := map[string][]byte{}
	for i := range n {
		prefix := []string{"qwen-oauth", "iflow-oauth", "gemini-oauth", "antigravity-oauth", "mystery"}[rng.IntN(5)]
		out[fmt.Sprintf("%s-%d-fuzz.json", prefix, i)] = gens[i%len(gens)]()
	}
	return out
}

// 1,000 malformed files arrive at once (the daemon already running, then a
// restart over them): the daemon stays up, lists each as invalid with its
// reason, writes none of them, and keeps serving the good file.
func TestRobustMalformedFiles(t *testing.T) {
	const n = 1000
	srv := newFaultServer(t, "GOOD-RT-SECRETVALUE")
	h := newHome(t).withRaceDaemon()
	h.writeConfig(srv.URL(), nil)
	h.writeToken("qwen-oauth-0-good.json", qwenFile("GOOD-AT-SECRETVALUE", "GOOD-RT-SECRETVALUE", time.Now().Add(48*time.Hour)))
	h.mustRun("token-daemon", "start")
	pid := h.pid()

	files := malformedFiles(rand.New(rand.NewPCG(6, 6)), n)
	// Written into a staging dir, then moved in all at once.
	stage := filepath.Join(h.dir, "stage")
	if err := os.Mkdir(stage, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(stage, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name := range files {
		if err := os.Rename(filepath.Join(stage, name), filepath.Join(h.auth, name)); err != nil {
			t.Fatal(err)
		}
	}
	mtimes := map[string]time.Time{}
	for name := range files {
		st, err := os.Stat(filepath.Join(h.auth, name))
		if err != nil {
			t.Fatal(err)
		}
		mtimes[name] = st.ModTime()
	}

	check := func(when string) {
		var st statusJSON
		eventually(t, 30*time.Second, when+": every malformed file listed", func() bool {
			st = h.status()
			return len(st.Tokens) == n+1
		})
		if !st.Daemon.Running || st.Daemon.PID != h.pid() {
			t.Fatalf("%s: daemon %+v", when, st.Daemon)
		}
		for _, tk := range st.Tokens {
			if tk.File == "qwen-oauth-0-good.json" {
				if tk.Status != "valid" {
					t.Errorf("%s: the good file is %q", when, tk.Status)
				}
				continue
			}
			if tk.Status != "invalid" || tk.Reason == "" {
				t.Errorf("%s: %s: status %q reason %q; want invalid with a reason (content %.60q)",
					when, tk.File, tk.Status, tk.Reason, files[tk.File])
			}
		}
	}
	check("while running")
	if h.pid() != pid {
		t.Fatalf("the daemon restarted (pid %d, was %d)", h.pid(), pid)
	}
	h.mustRun("token-daemon", "stop")
	h.mustRun("token-daemon", "start")
	check("after a restart")
	h.mustRun("token-daemon", "stop")

	for name, data := range files {
		got, err := os.ReadFile(filepath.Join(h.auth, name))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(filepath.Join(h.auth, name))
		if string(got) != string(data) || !st.ModTime().Equal(mtimes[name]) {
			t.Errorf("%s was written by the daemon", name)
		}
	}
	if srv.count() != 0 {
		t.Errorf("%d token requests; nothing was due", srv.count())
	}
	noSecretsInHome(t, h, "GOOD-AT-SECRETVALUE", "GOOD-RT-SECRETVALUE", "BAD-AT-SECRETVALUE", "BAD-RT-SECRETVALUE")
}

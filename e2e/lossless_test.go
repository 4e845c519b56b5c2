package e2e

// DESIGN.md section 10, "never losing a token", against the real binary and
// a token server that rotates refresh tokens (the old one dies the moment a
// new one is issued). Every scenario ends with the token chain checked: the
// refresh token on disk is one the server still accepts, and no external
// token newer than the daemon's parent was overwritten.

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
	"syscall"
	"testing"
	"time"
)

// rotServer is a qwen (and antigravity) token endpoint that rotates qwen
// refresh tokens, can hold requests, and answers a configurable expires_in.
type rotServer struct {
	*httptest.Server
	mu        sync.Mutex
	valid     map[string]bool // qwen refresh tokens it accepts now
	issued    []string
	requests  int
	answered  int         // 200 answers sent
	reqAt     []time.Time // arrival of each request
	delay     time.Duration
	expiresIn any
	seq       int
	// tolerant keeps superseded refresh tokens valid: for the stress test,
	// whose lock-free writer may put an older token back by itself.
	tolerant bool
}

func newRotServer(t *testing.T, refreshTokens ...string) *rotServer {
	s := &rotServer{valid: map[string]bool{}, expiresIn: 21600}
	for _, rt := range refreshTokens {
		s.valid[rt] = true
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *rotServer) handle(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	s.requests++
	s.reqAt = append(s.reqAt, time.Now())
	delay, expiresIn := s.delay, s.expiresIn
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	rt := r.PostForm.Get("refresh_token")
	switch r.URL.Path {
	case "/antigravity/token": // Google keeps the refresh token
		s.mu.Lock()
		s.seq++
		at := fmt.Sprintf("AG-AT-%d-SECRETVALUE", s.seq)
		s.issued = append(s.issued, at)
		s.answered++
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": at, "expires_in": expiresIn, "token_type": "Bearer"})
		return
	case "/qwen/token":
	default:
		http.Error(w, `{"error":"not_found"}`, http.StatusNotFound)
		return
	}
	at, nrt, ok := s.rotate(rt)
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_request","error_description":"Invalid refresh token or client_id"}`))
		return
	}
	s.mu.Lock()
	s.answered++
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": at, "refresh_token": nrt, "token_type": "Bearer",
		"expires_in": expiresIn, "resource_url": "portal.qwen.ai",
	})
}

// rotate is one refresh with rt, by the daemon or by "another program":
// rt dies, a new pair is issued.
func (s *rotServer) rotate(rt string) (at, nrt string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.valid[rt] {
		return "", "", false
	}
	if !s.tolerant {
		delete(s.valid, rt)
	}
	s.seq++
	at, nrt = fmt.Sprintf("ROT-AT-%d-SECRETVALUE", s.seq), fmt.Sprintf("ROT-RT-%d-SECRETVALUE", s.seq)
	s.valid[nrt] = true
	s.issued = append(s.issued, at, nrt)
	return at, nrt, true
}

func (s *rotServer) accepts(rt string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.valid[rt]
}

func (s *rotServer) count() (requests, answered int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.answered
}

func (s *rotServer) setDelay(d time.Duration) {
	s.mu.Lock()
	s.delay = d
	s.mu.Unlock()
}

func (s *rotServer) tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// extFile is a qwen token file as another program writes it, marked so
// that an overwrite of it can be told.
func extFile(access, refresh string, expires time.Time, marker string) string {
	return fmt.Sprintf(`{
  "access_token": %q,
  "refresh_token": %q,
  "expires_at": %d,
  "type": "qwen",
  "written_by": %q
}
`, access, refresh, expires.UnixMilli(), marker)
}

// checkChain asserts the end of every scenario: the refresh token on disk
// is one the server still accepts; marker, when given, is the last external
// write, which must not have been overwritten.
func checkChain(t *testing.T, h *home, srv *rotServer, name, marker string) {
	t.Helper()
	tok := h.readToken(name)
	rt, _ := tok["refresh_token"].(string)
	if !srv.accepts(rt) {
		t.Fatalf("%s: the refresh token on disk is dead on the server: the chain is lost", name)
	}
	if marker != "" && tok["written_by"] != marker {
		t.Fatalf("%s: the external write %q was overwritten (file says %v)", name, marker, tok["written_by"])
	}
}

// waitRequests waits until the server has received n requests.
func waitRequests(t *testing.T, srv *rotServer, n int) {
	t.Helper()
	eventually(t, 20*time.Second, fmt.Sprintf("%d token requests", n), func() bool {
		r, _ := srv.count()
		return r >= n
	})
}

// Case 1: while a refresh is in flight, another program truncates the file
// (a non-atomic writer caught mid-write) or deletes and re-creates it, and
// writes it back seconds later. The answer waits in .pending, `refresh`
// does not print success, and the new token is written once the file is
// back.
func TestLosslessFileBrieflyAbsent(t *testing.T) {
	for _, how := range []string{"truncated", "deleted"} {
		t.Run(how, func(t *testing.T) {
			srv := newRotServer(t, "RT-0-SECRETVALUE")
			h := losslessHome(t)
			h.writeConfig(srv.URL, nil)
			name := "qwen-oauth-1-work.json"
			path := filepath.Join(h.auth, name)
			orig := extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(48*time.Hour), "user")
			h.writeToken(name, orig)
			h.mustRun("token-daemon", "start")
			srv.setDelay(time.Second)
			refreshed := make(chan result, 1)
			go func() { refreshed <- h.run("token-daemon", "refresh", name) }()
			waitRequests(t, srv, 1)
			if how == "truncated" {
				if err := os.Truncate(path, 0); err != nil {
					t.Fatal(err)
				}
			} else if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			r := <-refreshed
			if r.code == 0 || !strings.Contains(r.stdout+r.stderr, "wait to be written") {
				t.Fatalf("refresh with the file %s: exit %d\n%s%s", how, r.code, r.stdout, r.stderr)
			}
			if _, err := os.Stat(tokenPending(h, name)); err != nil {
				t.Fatalf("no .pending file while the answer waits: %v", err)
			}
			st, reason, _, _ := h.status().token(name)
			if !strings.Contains(reason, "wait") {
				t.Fatalf("status %s %q does not say why it waits", st, reason)
			}
			h.writeToken(name, orig) // the other program finishes its write
			eventually(t, 10*time.Second, "the waiting answer written", func() bool {
				rt, _ := h.readToken(name)["refresh_token"].(string)
				return srv.accepts(rt) && rt != "RT-0-SECRETVALUE"
			})
			checkChain(t, h, srv, name, "user")
			eventually(t, 5*time.Second, "status valid", func() bool { s, _, _, _ := h.status().token(name); return s == "valid" })
			if _, err := os.Stat(tokenPending(h, name)); !os.IsNotExist(err) {
				t.Fatalf(".pending left after the write: %v", err)
			}
			h.mustRun("token-daemon", "stop")
			noSecretsInHome(t, h, srv.tokens()...)
		})
	}
}

// losslessHome is a home whose race-built processes exit without the race
// runtime's 1 s exit pause (GORACE atexit_sleep_ms), so that a test that
// runs many commands measures the daemon, not that pause.
func losslessHome(t *testing.T) *home {
	h := newHome(t).withRaceDaemon()
	h.extraEnv = append(h.extraEnv, "GORACE=atexit_sleep_ms=0")
	return h
}

// socketStatus reads GET /v1/status over the daemon's socket directly: the
// daemon's view at this instant, without a CLI process in between.
func socketStatus(t *testing.T, h *home) statusJSON {
	t.Helper()
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", h.socket())
	}}, Timeout: 5 * time.Second}
	resp, err := client.Get("http://token-daemon/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st statusJSON
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func tokenPending(h *home, name string) string { return filepath.Join(h.auth, "."+name+".pending") }

// Case 2: `stop` and SIGTERM during a refresh wait for the answer (the
// server already rotated) and write it; `stop` says that it waits.
func TestLosslessStopDuringRefresh(t *testing.T) {
	for _, how := range []string{"stop", "SIGTERM"} {
		t.Run(how, func(t *testing.T) {
			srv := newRotServer(t, "RT-0-SECRETVALUE")
			h := losslessHome(t)
			h.writeConfig(srv.URL, nil)
			name := "qwen-oauth-1-work.json"
			h.writeToken(name, extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(48*time.Hour), "user"))
			h.mustRun("token-daemon", "start")
			pid := h.pid()
			srv.setDelay(3 * time.Second)
			go h.run("token-daemon", "refresh", name)
			waitRequests(t, srv, 1)
			eventually(t, 5*time.Second, "status refreshing", func() bool { s, _, _, _ := h.status().token(name); return s == "refreshing" })
			if how == "stop" {
				r := h.mustRun("token-daemon", "stop")
				if !strings.Contains(r.stdout, "waiting for 1 token request") {
					t.Errorf("stop does not say that it waits:\n%s", r.stdout)
				}
			} else {
				if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				waitGone(t, pid)
			}
			if _, answered := srv.count(); answered != 1 {
				t.Fatalf("the server answered %d times", answered)
			}
			checkChain(t, h, srv, name, "user")
			if rt := h.readToken(name)["refresh_token"]; rt == "RT-0-SECRETVALUE" {
				t.Fatal("the answer was dropped at shutdown")
			}
			if !strings.Contains(h.logText(), "msg=refreshed file="+name) {
				t.Error("the log does not acknowledge the refresh")
			}
		})
	}
}

// Case 4: another program refreshes the same token while the daemon's
// request is in flight; the daemon's request fails permanently (its
// refresh token died). The file holds a fresh token: a conflict, not
// needs_reauth.
func TestLosslessPermanentErrorAfterOtherRefresh(t *testing.T) {
	srv := newRotServer(t, "RT-0-SECRETVALUE")
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(48*time.Hour), "user"))
	h.mustRun("token-daemon", "start")
	srv.setDelay(2 * time.Second)
	refreshed := make(chan result, 1)
	go func() { refreshed <- h.run("token-daemon", "refresh", name) }()
	waitRequests(t, srv, 1)
	at, rt, ok := srv.rotate("RT-0-SECRETVALUE") // RouteCodex refreshes first
	if !ok {
		t.Fatal("rotate")
	}
	writeAtomically(t, filepath.Join(h.auth, name), extFile(at, rt, time.Now().Add(6*time.Hour), "routecodex"))
	<-refreshed // the daemon's refresh is over: its outcome is settled
	if s, reason, _, _ := h.status().token(name); s != "valid" {
		t.Fatalf("status %s %q, want valid", s, reason)
	}
	if strings.Contains(h.logText(), "a new login is needed") {
		t.Fatal("the daemon declared needs_reauth although the file holds a fresh token")
	}
	checkChain(t, h, srv, name, "routecodex")
}

// writeAtomically writes as RouteCodex does: temp file, rename, no lock.
func writeAtomically(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".ext-tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// Case 5: an answer with expires_in 10000000000 is not written as a
// year-1759 expiry: one hour is assumed and the log says so.
func TestLosslessExpiresInOverflow(t *testing.T) {
	srv := newRotServer(t, "RT-0-SECRETVALUE")
	srv.expiresIn = 10000000000
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(5*time.Minute), "user"))
	h.mustRun("token-daemon", "start")
	eventually(t, 15*time.Second, "the refresh", func() bool {
		s, _, last, _ := h.status().token(name)
		return last != nil && s == "valid"
	})
	tok := h.readToken(name)
	exp := time.UnixMilli(int64(tok["expires_at"].(float64)))
	if d := time.Until(exp); d < 50*time.Minute || d > 61*time.Minute {
		t.Fatalf("expires_at %v (in %v), want about an hour", exp, d)
	}
	if tok["expires_in"].(float64) != 3600 {
		t.Fatalf("expires_in %v", tok["expires_in"])
	}
	if !strings.Contains(h.logText(), "outside 1 s") {
		t.Error("the log does not say the value was replaced")
	}
	if r, _ := srv.count(); r != 1 {
		t.Fatalf("%d requests: refreshed again", r)
	}
	checkChain(t, h, srv, name, "user")
}

// Case 6: symlinks created while the daemon runs obey the start-up rules:
// a link leaving the auth dir is skipped (the file outside is never
// refreshed, written or locked); a link to another token file of the dir is
// listed and never refreshed on its own.
func TestLosslessSymlinksCreatedWhileRunning(t *testing.T) {
	srv := newRotServer(t, "RT-0-SECRETVALUE", "RT-OUT-SECRETVALUE")
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(48*time.Hour), "user"))
	outside := filepath.Join(h.dir, "elsewhere")
	if err := os.MkdirAll(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(outside, "qwen-victim.json")
	victimContent := extFile("AT-OUT-SECRETVALUE", "RT-OUT-SECRETVALUE", time.Now().Add(2*time.Minute), "victim")
	if err := os.WriteFile(victim, []byte(victimContent), 0o600); err != nil {
		t.Fatal(err)
	}
	h.mustRun("token-daemon", "start")
	for link, target := range map[string]string{"qwen-oauth-2-out.json": victim, "qwen-oauth-3-link.json": name} {
		if err := os.Symlink(target, filepath.Join(h.auth, link)); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 5*time.Second, "the in-dir link listed", func() bool {
		_, _, _, ok := h.status().token("qwen-oauth-3-link.json")
		return ok
	})
	// The target comes due: one refresh, of the target, seen through the link.
	writeAtomically(t, filepath.Join(h.auth, name), extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(3*time.Minute), "user"))
	eventually(t, 15*time.Second, "the target refreshed", func() bool {
		s, _, last, _ := h.status().token(name)
		return s == "valid" && last != nil
	})
	// Both links were seen before the target changed (the in-dir one is
	// listed): a wrong refresh of either, due at sight, has reached the
	// server by now.
	st := h.status()
	if _, _, _, ok := st.token("qwen-oauth-2-out.json"); ok {
		t.Fatal("a link leaving the auth dir is listed")
	}
	if s, reason, last, _ := st.token("qwen-oauth-3-link.json"); s != "valid" || last != nil {
		t.Fatalf("the link: %s %q refreshed %v", s, reason, last)
	}
	if r, _ := srv.count(); r != 1 {
		t.Fatalf("%d token requests, want 1 (the target only)", r)
	}
	if got, _ := os.ReadFile(victim); string(got) != victimContent {
		t.Fatal("the file outside the auth dir was written")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Fatalf("files created outside the auth dir: %d", len(entries))
	}
	checkChain(t, h, srv, name, "user")
}

// Case 9: while a refresh is in flight (slow server), an external rewrite
// of the file shows in the status within a second; the answer is then
// merged into it (same refresh token: the newer write is kept).
func TestLosslessStatusDuringRefresh(t *testing.T) {
	srv := newRotServer(t, "RT-0-SECRETVALUE")
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(48*time.Hour), "user"))
	h.mustRun("token-daemon", "start")
	srv.setDelay(5 * time.Second)
	go h.run("token-daemon", "refresh", name)
	waitRequests(t, srv, 1)
	newExp := time.Now().Add(72 * time.Hour).Truncate(time.Second)
	writeAtomically(t, filepath.Join(h.auth, name), extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", newExp, "routecodex"))
	written := time.Now()
	want := newExp.UTC().Format(time.RFC3339)
	eventually(t, 5*time.Second, "the external write in the status", func() bool {
		for _, tk := range socketStatus(t, h).Tokens {
			if tk.File == name && tk.ExpiresAt != nil && *tk.ExpiresAt == want {
				return true
			}
		}
		return false
	})
	d := time.Since(written)
	t.Logf("the status showed the external write %v after it, the provider still holding the refresh", d.Round(time.Millisecond))
	if d > time.Second {
		t.Errorf("the status showed the external write after %v, want within 1 s", d.Round(time.Millisecond))
	}
	if _, answered := srv.count(); answered != 0 {
		t.Fatal("the server answered before the status was checked: the test proves nothing")
	}
	eventually(t, 15*time.Second, "the answer written", func() bool {
		rt, _ := h.readToken(name)["refresh_token"].(string)
		return rt != "RT-0-SECRETVALUE"
	})
	checkChain(t, h, srv, name, "routecodex")
}

// Case 10: an antigravity file with timestamp + expires_in keeps that pair
// consistent with the new expiry.
func TestLosslessAntigravityTimestamp(t *testing.T) {
	srv := newRotServer(t)
	srv.expiresIn = 3599
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "antigravity-oauth-1-work.json"
	old := time.Now().Add(-50 * time.Minute)
	h.writeToken(name, fmt.Sprintf(`{
  "type": "antigravity",
  "access_token": "AG-AT-0-SECRETVALUE",
  "refresh_token": "AG-RT-SECRETVALUE",
  "expires_in": 3599,
  "timestamp": %d,
  "email": "ag@example.com",
  "project_id": "p"
}
`, old.UnixMilli()))
	h.mustRun("token-daemon", "start")
	eventually(t, 15*time.Second, "the refresh", func() bool {
		_, _, last, _ := h.status().token(name)
		return last != nil
	})
	tok := h.readToken(name)
	ts := time.UnixMilli(int64(tok["timestamp"].(float64)))
	exp := time.UnixMilli(int64(tok["expires_at"].(float64)))
	in := time.Duration(tok["expires_in"].(float64)) * time.Second
	if !ts.Add(in).Equal(exp) {
		t.Fatalf("timestamp + expires_in = %v, expires_at = %v: a reader of the pair computes another expiry", ts.Add(in), exp)
	}
	if time.Since(ts) > time.Minute {
		t.Fatalf("timestamp kept its old value %v", ts)
	}
}

// Case 11: a token that lives 16 s (shorter than the 30 min lead) is
// refreshed at 75 % of its lifetime, before it expires, not once a minute;
// a file replaced from outside with a token 30 s from expiry is refreshed
// before that expiry, not held back by the old chain's floor.
func TestLosslessShortLivedTokens(t *testing.T) {
	srv := newRotServer(t, "RT-0-SECRETVALUE")
	srv.expiresIn = 16
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(16*time.Second), "user"))
	h.mustRun("token-daemon", "start")
	waitRequests(t, srv, 2)
	srv.mu.Lock()
	gap := srv.reqAt[1].Sub(srv.reqAt[0])
	srv.mu.Unlock()
	if gap < 10*time.Second || gap > 14*time.Second {
		t.Fatalf("second refresh %v after the first, want ~12 s (75 %% of 16 s)", gap.Round(time.Millisecond))
	}
	// Replaced from outside (RouteCodex refreshed it) with 30 s left.
	srv.mu.Lock()
	srv.expiresIn = 21600
	srv.mu.Unlock()
	eventually(t, 5*time.Second, "the second refresh written", func() bool {
		_, answered := srv.count()
		rt, _ := h.readToken(name)["refresh_token"].(string)
		return answered == 2 && srv.accepts(rt)
	})
	rt, _ := h.readToken(name)["refresh_token"].(string)
	at, nrt, ok := srv.rotate(rt)
	if !ok {
		t.Fatal("rotate")
	}
	replaced := time.Now()
	writeAtomically(t, filepath.Join(h.auth, name), extFile(at, nrt, replaced.Add(30*time.Second), "routecodex"))
	waitRequests(t, srv, 3)
	srv.mu.Lock()
	third := srv.reqAt[2]
	srv.mu.Unlock()
	if third.After(replaced.Add(30 * time.Second)) {
		t.Fatalf("refreshed %v after the external change, after its expiry", third.Sub(replaced))
	}
	eventually(t, 10*time.Second, "the third refresh written", func() bool {
		rt, _ := h.readToken(name)["refresh_token"].(string)
		return srv.accepts(rt) && rt != nrt
	})
	checkChain(t, h, srv, name, "routecodex")
}

//go:build cluster

package e2e

// Cluster mode (DESIGN.md section 16) end to end: three daemons (three
// homes, the real binary built with -tags cluster) on one real etcd — the
// etcd of PATH, Debian's etcd-server 3.4 in CI — and a local token server
// that rotates refresh tokens and logs every use.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func init() { buildFlags = append(buildFlags, "-tags", "cluster") }

const clusterLease = 3 // leaseSeconds of the test cluster

// etcdProc is a real etcd on free loopback ports.
type etcdProc struct {
	t                 *testing.T
	bin, dir          string
	client, peer, url string
	cmd               *exec.Cmd
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startRealEtcd(t *testing.T) *etcdProc {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		t.Skip("etcd is not installed (Debian: apt-get install etcd-server; .ci/run installs it)")
	}
	e := &etcdProc{t: t, bin: bin, dir: t.TempDir(), client: freeAddr(t), peer: freeAddr(t)}
	e.url = "http://" + e.client
	e.start()
	t.Cleanup(e.stop)
	return e
}

func (e *etcdProc) start() {
	e.t.Helper()
	e.cmd = exec.Command(e.bin, "--name", "e2e", "--data-dir", filepath.Join(e.dir, "data"),
		"--listen-client-urls", e.url, "--advertise-client-urls", e.url,
		"--listen-peer-urls", "http://"+e.peer, "--initial-advertise-peer-urls", "http://"+e.peer,
		"--initial-cluster", "e2e=http://"+e.peer)
	logf, err := os.OpenFile(filepath.Join(e.dir, "etcd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	e.cmd.Stdout, e.cmd.Stderr = logf, logf
	if err := e.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	eventually(e.t, 20*time.Second, "etcd to answer", func() bool {
		resp, err := http.Get(e.url + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func (e *etcdProc) stop() {
	if e.cmd == nil || e.cmd.Process == nil {
		return
	}
	_ = e.cmd.Process.Signal(syscall.SIGTERM)
	_ = e.cmd.Wait()
	e.cmd = nil
}

func (e *etcdProc) version(t *testing.T) string {
	out, _ := exec.Command(e.bin, "--version").Output()
	return strings.SplitN(string(out), "\n", 2)[0]
}

// useServer is a qwen token endpoint that rotates refresh tokens and logs
// every refresh token it was sent.
type useServer struct {
	*httptest.Server
	mu     sync.Mutex
	valid  map[string]bool
	uses   map[string]int
	issued []string
	seq    int
	gate   chan struct{} // non-nil: requests wait, unprocessed, until it closes
}

// closeGate holds every new request before it is looked at.
func (s *useServer) closeGate() {
	s.mu.Lock()
	s.gate = make(chan struct{})
	s.mu.Unlock()
}

// openGate lets requests in again; the ones that waited (sent by the node
// the test killed meanwhile) are answered 503 without being processed.
func (s *useServer) openGate() {
	s.mu.Lock()
	if s.gate != nil {
		close(s.gate)
		s.gate = nil
	}
	s.mu.Unlock()
}

// newRefreshTokens are the refresh tokens it issued.
func (s *useServer) newRefreshTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, v := range s.issued {
		if strings.HasPrefix(v, "CL-RT-") {
			out = append(out, v)
		}
	}
	return out
}

func newUseServer(t *testing.T) *useServer {
	s := &useServer{valid: map[string]bool{}, uses: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.handle))
	t.Cleanup(s.Close)
	return s
}

func (s *useServer) add(rt string) {
	s.mu.Lock()
	s.valid[rt] = true
	s.mu.Unlock()
}

func (s *useServer) handle(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	rt := r.PostForm.Get("refresh_token")
	w.Header().Set("Content-Type", "application/json")
	// The gate is looked at and the request processed under one lock: once
	// closeGate returned, nothing more is processed.
	s.mu.Lock()
	gate := s.gate
	var ok bool
	var at, nrt string
	if gate == nil {
		s.uses[rt]++
		ok = s.valid[rt]
		if ok {
			delete(s.valid, rt)
			s.seq++
			at, nrt = fmt.Sprintf("CL-AT-%d-SECRETVALUE", s.seq), fmt.Sprintf("CL-RT-%d-SECRETVALUE", s.seq)
			s.valid[nrt] = true
			s.issued = append(s.issued, at, nrt)
		}
	}
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		return // sent before the kill, never processed
	}
	if r.URL.Path != "/qwen/token" || !ok {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"invalid_grant","error_description":"Invalid refresh token"}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": at, "refresh_token": nrt, "token_type": "Bearer",
		"expires_in": 21600, "resource_url": "portal.qwen.ai"})
}

func (s *useServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.uses {
		n += c
	}
	return n
}

func (s *useServer) accepts(rt string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.valid[rt]
}

// reused lists the refresh tokens sent more than once.
func (s *useServer) reused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for rt, n := range s.uses {
		if n > 1 {
			out = append(out, fmt.Sprintf("%s×%d", rt, n))
		}
	}
	return out
}

type clusterStatus struct {
	Node    string   `json:"node"`
	Role    string   `json:"role"`
	Leader  string   `json:"leader"`
	Members []string `json:"members"`
}

func (h *home) cluster() clusterStatus {
	r := h.run("token-daemon", "status", "--json")
	var st struct {
		Daemon struct {
			Cluster *clusterStatus `json:"cluster"`
		} `json:"daemon"`
	}
	if json.Unmarshal([]byte(r.stdout), &st) != nil || st.Daemon.Cluster == nil {
		return clusterStatus{}
	}
	return *st.Daemon.Cluster
}

func fileRT(dir, name string) string {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	rt, _ := m["refresh_token"].(string)
	return rt
}

func TestClusterThreeNodesOnRealEtcd(t *testing.T) {
	etcd := startRealEtcd(t)
	t.Logf("etcd: %s", etcd.version(t))
	srv := newUseServer(t)
	homes := []*home{newHome(t), newHome(t), newHome(t)}
	// On a failure, the daemons' log lines about the files whose refresh
	// token was sent twice (before the homes are removed).
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, re := range srv.reused() {
			var i int
			if _, err := fmt.Sscanf(re, "RT0-%d-", &i); err != nil {
				continue
			}
			name := fmt.Sprintf("qwen-oauth-%d-c.json", i)
			for n, h := range homes {
				for _, line := range strings.Split(h.logText(), "\n") {
					if strings.Contains(line, "file="+name) || strings.Contains(line, "session") || strings.Contains(line, "role") {
						t.Logf("n%d: %s", n+1, line)
					}
				}
			}
		}
	})
	key := filepath.Join(homes[0].dir, "cluster.key")
	r := homes[0].mustRun("token-daemon", "cluster", "init", "--key", key, "--etcd", etcd.url)
	if !strings.Contains(r.stdout, key) || !strings.Contains(r.stdout, `"endpoints"`) {
		t.Fatalf("cluster init printed %q", r.stdout)
	}
	keyText, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range homes {
		k := filepath.Join(h.dir, "cluster.key")
		if i > 0 {
			if err := os.WriteFile(k, keyText, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		h.writeConfig(srv.URL, map[string]any{
			"refreshAheadMinutes": 2,
			"cluster": map[string]any{"etcd": map[string]any{"endpoints": []string{etcd.url}},
				"node": fmt.Sprintf("n%d", i+1), "leaseSeconds": clusterLease, "keyFile": "cluster.key"},
		})
		if r := h.mustRun("token-daemon", "cluster", "join"); !strings.Contains(r.stdout, "Ready to join") {
			t.Fatalf("cluster join: %q", r.stdout)
		}
	}
	n1 := homes[0]
	marker := filepath.Join(n1.dir, "held")
	n1.extraEnv = []string{"ROUTECODEX_TEST_HOLD_AFTER_ANSWER=" + marker}
	n1.mustRun("token-daemon", "start")
	eventually(t, 20*time.Second, "n1 to lead", func() bool { return n1.cluster().Role == "leader" })
	for _, h := range homes[1:] {
		h.mustRun("token-daemon", "start")
	}
	eventually(t, 20*time.Second, "three members and one leader", func() bool {
		for _, h := range homes {
			c := h.cluster()
			if len(c.Members) != 3 || c.Leader != "n1" {
				return false
			}
		}
		return true
	})
	if out := homes[1].run("token-daemon", "status").stdout; !strings.Contains(out, "cluster: follower (node n2, leader n1, members n1, n2, n3)") {
		t.Errorf("status has no cluster line: %s", out)
	}

	// Release n1's holds (after each answer is saved, before it is written)
	// until the test kills it at one.
	stopRelease := make(chan struct{})
	released := make(chan struct{})
	go func() {
		defer close(released)
		for {
			select {
			case <-stopRelease:
				return
			default:
			}
			_ = os.Remove(marker)
			time.Sleep(2 * time.Millisecond)
		}
	}()

	// 300 tokens due, logged in on a follower: published, refreshed by the leader.
	const storm = 300
	names := make([]string, storm)
	exp := time.Now().Add(100 * time.Second) // inside the 2-minute lead: due at once
	for i := range names {
		names[i] = fmt.Sprintf("qwen-oauth-%d-c.json", i)
		rt := fmt.Sprintf("RT0-%d-SECRETVALUE", i)
		srv.add(rt)
		homes[1].writeToken(names[i], qwenFile(fmt.Sprintf("AT0-%d-SECRETVALUE", i), rt, exp))
	}
	eventually(t, 60*time.Second, "a third of the storm refreshed", func() bool { return srv.requests() >= storm/3 })
	close(stopRelease)
	<-released
	var held string
	eventually(t, 20*time.Second, "n1 held after an answer", func() bool {
		b, err := os.ReadFile(marker) // the file's name, once written
		held = string(b)
		return err == nil && held != ""
	})
	// The kill lands when every answer n1 received is on its disk (written,
	// or saved in .pending as DESIGN.md section 10 has it): the server
	// processes nothing new meanwhile. An answer that only ever reached
	// memory dies with any process; that is the single-host limit.
	srv.closeGate()
	eventually(t, 20*time.Second, "every answer of n1 on its disk", func() bool {
		disk := answersOnDisk(t, n1.auth)
		for _, rt := range srv.newRefreshTokens() {
			if !bytes.Contains(disk, []byte(rt)) {
				return false
			}
		}
		return true
	})
	pid := n1.pid()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	waitGone(t, pid)
	srv.openGate()
	var newLeader *home
	eventually(t, 30*time.Second, "a new leader", func() bool {
		for _, h := range homes[1:] {
			if h.cluster().Role == "leader" {
				newLeader = h
				return true
			}
		}
		return false
	})
	// The election's own time, from the new leader's log: polling `status`
	// (a process per poll, slow under the race detector) would add its own.
	failover := electedAt(t, newLeader).Sub(killedAt)
	t.Logf("failover: new leader %s elected %.2fs after SIGKILL of the leader (bound leaseSeconds+2 = %ds)",
		newLeader.cluster().Node, failover.Seconds(), clusterLease+2)
	if failover > time.Duration(clusterLease+2)*time.Second { // the bound, no slack
		t.Errorf("failover took %v, more than leaseSeconds+2 = %ds", failover, clusterLease+2)
	}
	// n1 comes back (as after a reboot): its saved answer is written and published.
	n1.extraEnv = nil
	n1.mustRun("token-daemon", "start")

	waitUntil(t, 180*time.Second, "every token refreshed once and equal on every node", func() string {
		stale, dead, differ := 0, 0, 0
		example := ""
		for _, name := range names {
			ref, _ := os.ReadFile(filepath.Join(homes[0].auth, name))
			rt := fileRT(homes[0].auth, name)
			switch {
			case strings.HasPrefix(rt, "RT0-"):
				stale++
				example = name
			case !srv.accepts(rt):
				dead++
				example = name
			}
			for _, h := range homes[1:] {
				if b, _ := os.ReadFile(filepath.Join(h.auth, name)); !bytes.Equal(b, ref) {
					differ++
					example = name
					break
				}
			}
		}
		if stale+dead+differ == 0 {
			return ""
		}
		return fmt.Sprintf("%d not refreshed, %d with a dead refresh token, %d differing between nodes (e.g. %s); %d requests, reused %v",
			stale, dead, differ, example, srv.requests(), srv.reused())
	})
	if re := srv.reused(); len(re) > 0 {
		t.Fatalf("refresh tokens sent twice: %v", re)
	}
	if n := srv.requests(); n != storm {
		t.Errorf("%d token requests for %d tokens", n, storm)
	}
	t.Logf("held file at the kill: %s, refreshed once and written by the restarted node", held)
	reportLag(t, homes, names, held, killedAt)

	// etcd stopped for 30 s: nobody refreshes (not even tokens that come
	// due meanwhile), every node says unreachable, and all resume cleanly.
	const late = 5
	lateNames := make([]string, late)
	lateExp := time.Now().Add(2*time.Minute + 20*time.Second) // due 8–20 s from now
	for i := range lateNames {
		lateNames[i] = fmt.Sprintf("qwen-oauth-late%d-c.json", i)
		rt := fmt.Sprintf("RTL-%d-SECRETVALUE", i)
		srv.add(rt)
		homes[2].writeToken(lateNames[i], qwenFile("ATL-SECRETVALUE", rt, lateExp))
	}
	eventually(t, 20*time.Second, "the late files on every node", func() bool {
		for _, n := range lateNames {
			for _, h := range homes {
				if fileRT(h.auth, n) == "" {
					return false
				}
			}
		}
		return true
	})
	before := srv.requests()
	etcd.stop()
	down := time.Now()
	eventually(t, 20*time.Second, "every node unreachable", func() bool {
		for _, h := range homes {
			if h.cluster().Role != "unreachable" {
				return false
			}
		}
		return true
	})
	if out := homes[0].run("token-daemon", "status").stdout; !strings.Contains(out, "cluster: unreachable") {
		t.Errorf("status during the outage: %s", out)
	}
	for time.Since(down) < 30*time.Second {
		if n := srv.requests(); n != before {
			t.Fatalf("%d refreshes while etcd was down", n-before)
		}
		time.Sleep(200 * time.Millisecond)
	}
	etcd.start()
	eventually(t, 60*time.Second, "the late tokens refreshed after the outage", func() bool {
		for _, n := range lateNames {
			rt := fileRT(homes[0].auth, n)
			if !srv.accepts(rt) || strings.HasPrefix(rt, "RTL-") {
				return false
			}
			for _, h := range homes[1:] {
				if fileRT(h.auth, n) != rt {
					return false
				}
			}
		}
		return true
	})
	eventually(t, 20*time.Second, "one leader again", func() bool {
		leaders := 0
		for _, h := range homes {
			if h.cluster().Role == "leader" {
				leaders++
			}
		}
		return leaders == 1
	})
	if re := srv.reused(); len(re) > 0 {
		t.Fatalf("refresh tokens sent twice: %v", re)
	}
	if n := srv.requests(); n != storm+late {
		t.Errorf("%d token requests for %d tokens", n, storm+late)
	}

	// etcd holds no token in clear; no log has one either.
	for _, h := range homes {
		h.mustRun("token-daemon", "stop")
	}
	etcd.stop()
	etcdData := readTree(t, filepath.Join(etcd.dir, "data"))
	for _, v := range append(srv.issuedTokens(), "RT0-1-SECRETVALUE", "AT0-1-SECRETVALUE") {
		if bytes.Contains(etcdData, []byte(v)) {
			t.Fatalf("etcd's data holds a token in clear")
		}
	}
	for _, h := range homes {
		noSecrets(t, "daemon log", h.logText(), srv.issuedTokens()...)
	}
}

// waitUntil polls cond until it returns ""; on timeout it fails with the
// last answer (what is still missing).
func waitUntil(t *testing.T, within time.Duration, what string, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		why := cond()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s: %s", within, what, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// electedAt is when h's daemon logged its (last) election as leader.
func electedAt(t *testing.T, h *home) time.Time {
	t.Helper()
	var at time.Time
	for _, line := range strings.Split(h.logText(), "\n") {
		if !strings.Contains(line, `msg="elected cluster leader"`) {
			continue
		}
		f := strings.Fields(line)
		if len(f) > 0 {
			if ts, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(f[0], "time=")); err == nil {
				at = ts
			}
		}
	}
	if at.IsZero() {
		t.Fatal("no election in the new leader's log")
	}
	return at
}

func (s *useServer) issuedTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// answersOnDisk is the content of the token files and the .pending files
// of an auth dir: where a refresh answer survives a kill (not temporary
// files about to be renamed).
func answersOnDisk(t *testing.T, dir string) []byte {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && (strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".pending")) {
			b, _ := os.ReadFile(filepath.Join(dir, n))
			all = append(all, b...)
		}
	}
	return all
}

func readTree(t *testing.T, dir string) []byte {
	var all []byte
	_ = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			b, _ := os.ReadFile(p)
			all = append(all, b...)
		}
		return nil
	})
	if len(all) == 0 {
		t.Fatal("no etcd data read")
	}
	return all
}

// reportLag measures, per file, how long after the refresher's write the
// last node had the same content (file mtimes, one machine's clock) and
// reports the median, p99 and max. The bound of the issue is 1 s.
func reportLag(t *testing.T, homes []*home, names []string, skip string, killedAt time.Time) {
	var lags []time.Duration
	type slow struct {
		name, first, last string
		lag               time.Duration
		at                time.Time
	}
	var worst []slow
	interrupted := 0
	for _, name := range names {
		if name == skip {
			continue // waited, by design, for its node to come back
		}
		var first, last time.Time
		var firstNode, lastNode string
		for i, h := range homes {
			fi, err := os.Stat(filepath.Join(h.auth, name))
			if err != nil {
				continue
			}
			m := fi.ModTime()
			if h == homes[0] && m.After(killedAt) {
				continue // written when the killed node came back
			}
			if first.IsZero() || m.Before(first) {
				first, firstNode = m, fmt.Sprintf("n%d", i+1)
			}
			if m.After(last) {
				last, lastNode = m, fmt.Sprintf("n%d", i+1)
			}
		}
		if first.Before(killedAt) && last.After(killedAt) {
			interrupted++ // written by the killed leader, published when it came back
			continue
		}
		lags = append(lags, last.Sub(first))
		worst = append(worst, slow{name, firstNode, lastNode, last.Sub(first), first})
	}
	sort.Slice(worst, func(i, j int) bool { return worst[i].lag > worst[j].lag })
	for _, w := range worst[:min(3, len(worst))] {
		t.Logf("slowest: %s written by %s at %s (%+.1fs from the kill), last on %s %v later",
			w.name, w.first, w.at.Format("15:04:05.000"), w.at.Sub(killedAt).Seconds(), w.last, w.lag.Round(time.Millisecond))
	}
	sort.Slice(lags, func(i, j int) bool { return lags[i] < lags[j] })
	p := func(q float64) time.Duration { return lags[int(q*float64(len(lags)-1))] }
	t.Logf("follower lag behind the refresher's write over %d files: median %v, p99 %v, max %v (bound 1 s); "+
		"%d more were written by the leader just before its SIGKILL and published when it came back",
		len(lags), p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond), interrupted)
	// The bound on the p99. The race detector slows every write
	// and transaction several times (.ci/run runs this test without it);
	// under it only a follower that stopped following fails.
	bound := time.Second
	if raceEnabled {
		bound = 10 * time.Second
	}
	if p(0.99) > bound {
		t.Errorf("p99 lag %v, more than %v", p(0.99), bound)
	}
}

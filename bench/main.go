// Command bench measures the real routecodex binary as a user runs it: cold
// start, memory, idle CPU and wakeups, change-to-state latency, a refresh
// storm against a local token server, and the status round trip. It prints
// one table (what, value, target, met/missed) in Markdown.
//
//	go run ./bench              # the README figures (idle over 60 s)
//	go run ./bench -idle 10s    # shorter, for development
//
// Everything runs under os.TempDir() with a fresh ROUTECODEX_HOME; every
// provider endpoint points at a server of this process on 127.0.0.1.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/routecodex/token-daemon/internal/ipc"
)

func main() {
	idle := flag.Duration("idle", 60*time.Second, "how long to measure idle CPU and wakeups")
	changes := flag.Int("changes", 200, "external file changes for the latency figure")
	large := flag.Int("large", 10000, "the large token-file count")
	stormOnly := flag.Bool("storm-only", false, "run only the refresh storms")
	flag.Parse()
	if err := run(*idle, *changes, *large, *stormOnly); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// row is one line of the table.
type row struct{ what, value, target, verdict string }

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func run(idle time.Duration, changes, large int, stormOnly bool) error {
	bin, cleanup, err := build()
	if err != nil {
		return err
	}
	defer cleanup()
	srv := newTokenServer(50 * time.Millisecond)
	defer srv.Close()
	if *brokerOnly {
		return brokerBench(bin, srv.URL, nil) // bench/broker.go
	}

	var rows []row
	add := func(r row) {
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "  %s: %s\n", r.what, r.value)
	}

	// Cold start and peak RSS at 1,000 and 10,000 files; idle, latency and
	// status round trip on the 1,000-file daemon.
	sizes := []int{1000, large}
	if stormOnly {
		sizes = nil
	}
	for _, n := range sizes {
		fmt.Fprintf(os.Stderr, "== %d files\n", n)
		h, err := newHome(bin, srv.URL, nil)
		if err != nil {
			return err
		}
		if err := h.writeValidFiles(n); err != nil {
			return err
		}
		floor, err := catFloor(h.auth)
		if err != nil {
			return err
		}
		scanned, startWall, err := h.coldStart(n)
		if err != nil {
			h.close()
			return err
		}
		target, verdict := "—", "—"
		if n == large {
			target = "≤ 3× cat"
			verdict = met(float64(scanned) <= 3*float64(floor))
		}
		add(row{fmt.Sprintf("cold start: exec of `token-daemon start` → it returns (first scan done, socket answering), %d files; `cat` floor %s", n, ms(floor)),
			fmt.Sprintf("%s (%.1f× cat)", ms(scanned), float64(scanned)/float64(floor)), target, verdict})
		add(row{fmt.Sprintf("cold start: exec of `token-daemon start` → a `status --json` lists all %d files (both processes)", n),
			fmt.Sprintf("%s (%.1f× cat)", ms(startWall), float64(startWall)/float64(floor)), "—", "—"})

		if n == 1000 {
			if err := h.idleAndLatency(idle, changes, add); err != nil {
				h.close()
				return err
			}
		}
		rss, err := procKB(h.pid, "VmHWM")
		if err != nil {
			h.close()
			return err
		}
		limit := 30 << 10
		if n != 1000 {
			limit = 80 << 10
		}
		add(row{fmt.Sprintf("peak RSS (VmHWM) of the daemon, %d files", n),
			fmt.Sprintf("%.1f MB", float64(rss)/1024), fmt.Sprintf("< %d MB", limit>>10), met(rss < limit)})
		h.close()
	}

	// Refresh storms: 1,000 tokens inside the window at once.
	for _, mix := range []struct {
		label     string
		providers []string
	}{
		{"qwen only (per-provider limit 4)", []string{"qwen"}},
		{"qwen + generic corp (total limit 8)", []string{"qwen", "corp"}},
	} {
		fmt.Fprintf(os.Stderr, "== storm: %s\n", mix.label)
		r, err := storm(bin, srv, 1000, mix.providers)
		if err != nil {
			return err
		}
		add(r)
	}

	if err := brokerBench(bin, srv.URL, add); err != nil {
		return err
	}
	printTable(rows)
	return nil
}

func printTable(rows []row) {
	fmt.Println("| what | value | target | |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %s | %s |\n", r.what, r.value, r.target, r.verdict)
	}
}

func ms(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// build compiles the binary as users get it.
func build() (string, func(), error) {
	dir, err := os.MkdirTemp("", "rcbench")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "routecodex")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/routecodex/token-daemon/cmd/routecodex").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, func() { os.RemoveAll(dir) }, nil
}

// home is a temporary ROUTECODEX_HOME with its daemon.
type home struct {
	bin, dir, auth string
	pid            int
}

// newHome writes a config whose every provider endpoint is serverURL, plus
// a generic provider "corp" for the mixed storm.
func newHome(bin, serverURL string, extra map[string]any) (*home, error) {
	dir, err := os.MkdirTemp("", "rcb") // short: a socket path must stay under ~104 bytes
	if err != nil {
		return nil, err
	}
	h := &home{bin: bin, dir: dir, auth: filepath.Join(dir, "auth")}
	for _, d := range []string{h.auth, filepath.Join(dir, "user")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	ep := func(p string) map[string]any {
		return map[string]any{
			"tokenUrl": serverURL + "/" + p + "/token", "authUrl": serverURL + "/" + p + "/auth",
			"deviceCodeUrl": serverURL + "/" + p + "/device", "userInfoUrl": serverURL + "/" + p + "/userinfo",
		}
	}
	providers := map[string]any{}
	for _, p := range []string{"qwen", "iflow", "gemini-cli", "antigravity"} {
		providers[p] = ep(p)
	}
	for _, p := range []string{"iflow", "gemini-cli", "antigravity"} {
		providers[p].(map[string]any)["clientSecret"] = "bench-client-secret"
		if p == "iflow" {
			delete(providers[p].(map[string]any), "deviceCodeUrl")
		}
	}
	delete(providers["qwen"].(map[string]any), "authUrl")
	corp := ep("corp")
	delete(corp, "authUrl")
	corp["flow"], corp["clientId"], corp["filePrefix"] = "device_code", "bench-corp", "corp"
	providers["corp"] = corp
	td := map[string]any{"providers": providers, "language": "en",
		"notification": map[string]any{"showPopup": false, "sound": false}}
	for k, v := range extra {
		td[k] = v
	}
	data, err := json.MarshalIndent(map[string]any{"tokenDaemon": td}, "", "  ")
	if err != nil {
		return nil, err
	}
	return h, os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600)
}

func (h *home) env() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(h.dir, "user"),
		"ROUTECODEX_HOME=" + h.dir, "LANG=C"}
}

func (h *home) cmd(args ...string) *exec.Cmd {
	c := exec.Command(h.bin, args...)
	c.Env = h.env()
	return c
}

func (h *home) close() {
	_ = h.cmd("token-daemon", "stop").Run()
	if h.pid > 0 {
		if p, err := os.FindProcess(h.pid); err == nil {
			_ = p.Kill()
		}
	}
	os.RemoveAll(h.dir)
}

func (h *home) socket() string { return filepath.Join(h.dir, "run", "token-daemon.sock") }

// qwenFile is the shape RouteCodex writes for a qwen account.
func qwenFile(i int, provider string, expires time.Time) string {
	return fmt.Sprintf(`{
  "access_token": "BENCH-AT-%[1]d-0123456789abcdef0123456789abcdef",
  "refresh_token": "BENCH-RT-%[1]d-0123456789abcdef0123456789abcdef",
  "token_type": "Bearer",
  "expires_in": 21600,
  "expires_at": %[2]d,
  "expiry_date": %[2]d,
  "resource_url": "https://portal.qwen.ai",
  "email": "user%[1]d@company.com",
  "type": %[3]q
}
`, i, expires.UnixMilli(), provider)
}

func (h *home) writeValidFiles(n int) error {
	exp := time.Now().Add(10 * 24 * time.Hour)
	for i := range n {
		if err := os.WriteFile(filepath.Join(h.auth, fmt.Sprintf("qwen-oauth-%d.json", i+1)), []byte(qwenFile(i, "qwen", exp)), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// catFloor is the wall time of `cat <dir>/* > /dev/null`, the least any
// program can spend reading the files: the median of 5 warm runs.
func catFloor(dir string) (time.Duration, error) {
	var runs []time.Duration
	for range 5 {
		c := exec.Command("sh", "-c", "cat ./* > /dev/null")
		c.Dir = dir
		t0 := time.Now()
		if out, err := c.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("cat: %w: %s", err, out)
		}
		runs = append(runs, time.Since(t0))
	}
	return median(runs), nil
}

// coldStart is the wall time from the exec of `token-daemon start` until it
// returns (it waits for the socket, which answers once the first scan is
// done), and until a `status --json` lists all n files, both processes
// included. The daemon is left running.
func (h *home) coldStart(n int) (scanned, listed time.Duration, err error) {
	t0 := time.Now()
	if out, err := h.cmd("token-daemon", "start").CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("start: %w: %s", err, out)
	}
	scanned = time.Since(t0)
	deadline := t0.Add(2 * time.Minute)
	for {
		var out bytes.Buffer
		c := h.cmd("token-daemon", "status", "--json")
		c.Stdout = &out
		if err := c.Run(); err == nil {
			var st ipc.Status
			if err := json.Unmarshal(out.Bytes(), &st); err != nil {
				return 0, 0, fmt.Errorf("status --json: %w", err)
			}
			if st.Daemon.Running && len(st.Tokens) == n {
				h.pid = st.Daemon.PID
				return scanned, time.Since(t0), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("status never listed %d files", n)
		}
	}
}

// idleAndLatency measures idle CPU, wakeups and read syscalls over idle,
// then the change-to-state latency, then the status round trip.
func (h *home) idleAndLatency(idle time.Duration, changes int, add func(row)) error {
	// Let the start-up settle (first state save, GC) before measuring idle.
	time.Sleep(3 * time.Second)
	cpu0, err := procCPU(h.pid)
	if err != nil {
		return err
	}
	sw0, err := ctxSwitches(h.pid)
	if err != nil {
		return err
	}
	rd0, err := procIO(h.pid, "syscr")
	if err != nil {
		return err
	}
	time.Sleep(idle)
	cpu1, _ := procCPU(h.pid)
	sw1, _ := ctxSwitches(h.pid)
	rd1, _ := procIO(h.pid, "syscr")
	perMin := (cpu1 - cpu0) * float64(time.Minute) / float64(idle)
	add(row{fmt.Sprintf("idle CPU (utime+stime), 1000 files, over %v", idle),
		fmt.Sprintf("%.3f s/min", perMin), "< 0.05 s/min", met(perMin < 0.05)})
	wake := float64(sw1-sw0) / idle.Seconds()
	add(row{fmt.Sprintf("idle wakeups (context switches, all threads), over %v", idle),
		fmt.Sprintf("%.1f /s (%d)", wake, sw1-sw0), "—", "—"})
	add(row{fmt.Sprintf("read syscalls while idle (no file polling), over %v", idle),
		fmt.Sprintf("%d", rd1-rd0), "≪ 1000 (one poll of 1000 files)", met(rd1-rd0 < 100)})

	lat, err := h.changeLatency(changes)
	if err != nil {
		return err
	}
	latencyRows("event stream", lat, 0, add)
	polled, err := h.changeLatencyPolled(changes)
	if err != nil {
		return err
	}
	floor, err := h.pollFloor(changes)
	if err != nil {
		return err
	}
	latencyRows("GET /v1/status (1000 tokens) polled back to back", polled, floor, add)

	for _, args := range [][]string{{"status", "--json"}, {"status"}} {
		var runs []time.Duration
		for range 21 {
			t0 := time.Now()
			if out, err := h.cmd(append([]string{"token-daemon"}, args...)...).CombinedOutput(); err != nil {
				return fmt.Errorf("status: %w: %s", err, out)
			}
			runs = append(runs, time.Since(t0))
		}
		add(row{fmt.Sprintf("`token-daemon %s` round trip, 1000 tokens, median of 21", strings.Join(args, " ")),
			ms(median(runs)), "—", "—"})
	}
	return nil
}

// changeLatency rewrites one file at a time, as RouteCodex does (temp file
// and rename), with a new expiry, and times until the daemon's state holds
// that expiry: the event stream reports it, and GET /v1/status (the data of
// `status --json`) is checked to agree.
func (h *home) changeLatency(n int) ([]time.Duration, error) {
	client := ipc.NewClient(h.socket())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type seen struct {
		file, expires string
		at            time.Time
	}
	events := make(chan seen, 1024)
	go func() {
		for ev, err := range client.Events(ctx) {
			if err != nil {
				return
			}
			if ev.Token.ExpiresAt != nil {
				events <- seen{ev.Token.File, *ev.Token.ExpiresAt, time.Now()}
			}
		}
	}()
	// The stream starts with a snapshot; let it drain.
	time.Sleep(500 * time.Millisecond)
	for len(events) > 0 {
		<-events
	}
	base := time.Now().Add(20 * 24 * time.Hour).Truncate(time.Second)
	var out []time.Duration
	for i := range n {
		name := fmt.Sprintf("qwen-oauth-%d.json", i*5+1)
		exp := base.Add(time.Duration(i) * time.Minute)
		want := exp.UTC().Format(time.RFC3339)
		tmp := filepath.Join(h.auth, ".bench-tmp")
		if err := os.WriteFile(tmp, []byte(qwenFile(i*5, "qwen", exp)), 0o600); err != nil {
			return nil, err
		}
		t0 := time.Now()
		if err := os.Rename(tmp, filepath.Join(h.auth, name)); err != nil {
			return nil, err
		}
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case s := <-events:
				if s.file == name && s.expires == want {
					out = append(out, s.at.Sub(t0))
					break wait
				}
			case <-timeout:
				return nil, fmt.Errorf("change %d of %s not seen within 10 s", i, name)
			}
		}
		if i%50 == 0 {
			st, err := client.Status(ctx)
			if err != nil {
				return nil, err
			}
			ok := false
			for _, t := range st.Tokens {
				if t.File == name && t.ExpiresAt != nil && *t.ExpiresAt == want {
					ok = true
				}
			}
			if !ok {
				return nil, fmt.Errorf("status disagrees with the event for %s", name)
			}
		}
	}
	return out, nil
}

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

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

// procKB reads a "<key>: N kB" line of /proc/<pid>/status.
func procKB(pid int, key string) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", key, pid)
}

// procCPU is utime+stime of the whole process in seconds.
func procCPU(pid int) (float64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the ")" of the command name: state is field 3; utime 14, stime 15.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks, nil
}

// clockTicks is USER_HZ, 100 on every Linux the daemon targets.
const clockTicks = 100

// ctxSwitches sums voluntary and involuntary context switches over every
// thread: each is a wakeup of the process.
func ctxSwitches(pid int) (int, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no tasks of pid %d", pid)
	}
	total := 0
	for _, t := range tasks {
		data, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that just exited
		}
		for _, line := range strings.Split(string(data), "\n") {
			for _, k := range []string{"voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:"} {
				if v, ok := strings.CutPrefix(line, k); ok {
					n, _ := strconv.Atoi(strings.TrimSpace(v))
					total += n
				}
			}
		}
	}
	return total, nil
}

// procIO reads one counter of /proc/<pid>/io.
func procIO(pid int, key string) (int, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/io", key, pid)
}

func init() {
	if runtime.GOOS != "linux" {
		fmt.Fprintln(os.Stderr, "bench reads /proc: Linux only")
		os.Exit(2)
	}
}

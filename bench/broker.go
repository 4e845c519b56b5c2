package main

// The token broker's figures (DESIGN.md section 11, issue 11):
//
//	go run ./bench -broker-only
//
// - `token-daemon token` through a running daemon, process start included,
//   side by side with the binary's bare start (`--version`, or `--help`
//   where the binary has no --version yet), alternating runs in one loop;
// - GET /v1/token on the socket, paced at 200 requests/s over 1,000 tokens.
//
// The machine's load average is printed with the figures: these are wall
// times on a shared machine.

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/ipc"
)

var (
	brokerOnly  = flag.Bool("broker-only", false, "run only the token broker figures")
	brokerRuns  = flag.Int("broker-runs", 200, "process runs of each kind for the `token` figure")
	brokerRate  = flag.Int("broker-rate", 200, "GET /v1/token requests per second")
	brokerSpan  = flag.Duration("broker-span", 15*time.Second, "how long GET /v1/token is paced")
	brokerFiles = flag.Int("broker-files", 1000, "token files of the broker daemon")
)

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(p * float64(len(s)-1))
	return s[i]
}

// brokerBench measures the broker against a daemon over n valid files.
func brokerBench(bin, serverURL string, add func(row)) error {
	n := *brokerFiles
	fmt.Fprintf(os.Stderr, "== token broker, %d files (load %s)\n", n, loadavg())
	h, err := newHome(bin, serverURL, nil)
	if err != nil {
		return err
	}
	defer h.close()
	if err := h.writeValidFiles(n); err != nil {
		return err
	}
	if _, _, err := h.coldStart(n); err != nil {
		return err
	}

	// The bare start: --version where the binary has it, else --help.
	bare := []string{"--version"}
	if err := h.cmd(bare...).Run(); err != nil {
		bare = []string{"--help"}
	}
	run := func(args ...string) (time.Duration, error) {
		c := h.cmd(args...)
		var out bytes.Buffer
		c.Stdout = &out
		t0 := time.Now()
		err := c.Run()
		d := time.Since(t0)
		if err != nil {
			return 0, fmt.Errorf("%v: %w", args, err)
		}
		return d, nil
	}
	for range 5 { // warm the page cache and the daemon
		if _, err := run("token-daemon", "token", "qwen-oauth-1"); err != nil {
			return err
		}
	}
	load0 := loadavg()
	var bareRuns, tokenRuns []time.Duration
	for i := range *brokerRuns {
		d, err := run(bare...)
		if err != nil {
			return err
		}
		bareRuns = append(bareRuns, d)
		d, err = run("token-daemon", "token", fmt.Sprintf("qwen-oauth-%d", i%n+1), "--min-valid", "10m")
		if err != nil {
			return err
		}
		tokenRuns = append(tokenRuns, d)
	}
	bareP50, tokenP50 := median(bareRuns), median(tokenRuns)
	limit := 2*bareP50 + 3*time.Millisecond
	rows := []row{{
		fmt.Sprintf("`token-daemon token` through a running daemon, process start included, p50 of %d (bare start `routecodex %s` p50 %s, alternated in one loop; load %s)",
			*brokerRuns, strings.Join(bare, " "), ms(bareP50), load0),
		fmt.Sprintf("%s (p90 %s)", ms(tokenP50), ms(percentile(tokenRuns, 0.9))),
		fmt.Sprintf("≤ 2× bare + 3 ms = %s", ms(limit)), met(tokenP50 <= limit),
	}}

	// GET /v1/token, paced.
	c := ipc.NewClient(h.socket())
	ctx := context.Background()
	if _, err := c.Token(ctx, "qwen-oauth-1", 10*time.Minute); err != nil {
		return fmt.Errorf("GET /v1/token: %w", err)
	}
	load1 := loadavg()
	interval := time.Second / time.Duration(*brokerRate)
	total := int(*brokerSpan / interval)
	lat := make([]time.Duration, 0, total)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	rng := rand.New(rand.NewPCG(1, 2))
	for range total {
		<-tick.C
		name := fmt.Sprintf("qwen-oauth-%d.json", rng.IntN(n)+1)
		t0 := time.Now()
		if _, err := c.Token(ctx, name, 10*time.Minute); err != nil {
			return fmt.Errorf("GET /v1/token %s: %w", name, err)
		}
		lat = append(lat, time.Since(t0))
	}
	med, p99 := median(lat), percentile(lat, 0.99)
	rows = append(rows,
		row{fmt.Sprintf("GET /v1/token on the socket, %d requests at %d/s over %d tokens: median (load %s)", total, *brokerRate, n, load1),
			ms(med), "≤ 2 ms", met(med <= 2*time.Millisecond)},
		row{"GET /v1/token: p99", fmt.Sprintf("%s (%.1f× median)", ms(p99), float64(p99)/float64(med)),
			"≤ 3× median", met(p99 <= 3*med)},
	)
	for _, r := range rows {
		if add != nil {
			add(r)
		} else {
			fmt.Fprintf(os.Stderr, "  %s: %s\n", r.what, r.value)
		}
	}
	if add == nil {
		printTable(rows)
	}
	return nil
}

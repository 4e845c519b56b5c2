// Command bench measures the real routecodex binary as a user runs it: cold
// start, memory, idle CPU and wakeups, change-to-state latency, a refresh
// storm against a local token server, and the status round trip. It prints
// one table (what, value, target, met/missed) in Markdown.
//
//	go run ./bench              # the README figures (idle over 60 s)
//	go run ./bench -idle 10s    # shorter, for development
//	go run ./bench -only files,latency   # some parts only
//
// Everything runs under os.TempDir() with a fresh ROUTECODEX_HOME; every
// provider endpoint points at a server of this process on 127.0.0.1.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

func main() {
	idle := flag.Duration("idle", 60*time.Second, "how long to measure idle CPU and wakeups")
	changes := flag.Int("changes", 200, "external file changes for the latency figure")
	large := flag.Int("large", 10000, "the large token-file count")
	stormOnly := flag.Bool("storm-only", false, "run only the refresh storms (-only storm)")
	onlyFlag := flag.String("only", "", "comma-separated parts to run: "+strings.Join(parts, ",")+" (default all)")
	flag.Parse()
	only := map[string]bool{}
	for _, p := range strings.Split(*onlyFlag, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !slices.Contains(parts, p) {
			fmt.Fprintf(os.Stderr, "bench: -only %q: the parts are %s\n", p, strings.Join(parts, ","))
			os.Exit(2)
		}
		only[p] = true
	}
	if *stormOnly {
		only["storm"] = true
	}
	if *brokerOnly {
		only["broker"] = true
	}
	if len(only) == 0 {
		for _, p := range parts {
			only[p] = true
		}
	}
	if err := run(*idle, *changes, *large, only); err != nil {
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

// parts are the selectable parts of a run (-only).
var parts = []string{"files", "idle", "latency", "storm", "broker"}

func run(idle time.Duration, changes, large int, only map[string]bool) error {
	bin, cleanup, err := build()
	if err != nil {
		return err
	}
	defer cleanup()
	srv := newTokenServer(50 * time.Millisecond)
	defer srv.Close()
	fmt.Fprintf(os.Stderr, "load average at the start: %s\n", loadavg())
	if only["broker"] && len(only) == 1 {
		return brokerBench(bin, srv.URL, nil) // bench/broker.go
	}

	var rows []row
	add := func(r row) {
		rows = append(rows, r)
		fmt.Fprintf(os.Stderr, "  %s: %s\n", r.what, r.value)
	}

	// At 1,000 and 10,000 files: listing and cold start against cat of the
	// same files, peak RSS; idle, latency and status round trips on the
	// 1,000-file daemon.
	var sizes []int
	switch {
	case only["files"]:
		sizes = []int{1000, large}
	case only["idle"] || only["latency"]:
		sizes = []int{1000}
	}
	for _, n := range sizes {
		fmt.Fprintf(os.Stderr, "== %d files (load %s)\n", n, loadavg())
		h, err := newHome(bin, srv.URL, nil)
		if err != nil {
			return err
		}
		if err := h.writeValidFiles(n); err != nil {
			return err
		}
		if err := h.filesRows(n, n == large, only["files"], add); err != nil { // bench/list.go
			h.close()
			return err
		}
		if n == 1000 {
			if err := h.idleAndLatency(idle, changes, only["idle"], only["latency"], add); err != nil {
				h.close()
				return err
			}
		}
		rss, err := procKB(h.pid, "VmHWM")
		if err != nil {
			h.close()
			return err
		}
		limit := 30 << 10 // issue 17: today's figures stay the bound
		if n != 1000 {
			limit = 60 << 10
		}
		add(row{fmt.Sprintf("peak RSS (VmHWM) of the daemon, %d files, after all of the above", n),
			fmt.Sprintf("%.1f MB", float64(rss)/1024), fmt.Sprintf("≤ %d MB", limit>>10), met(rss <= limit)})
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
		if !only["storm"] {
			break
		}
		fmt.Fprintf(os.Stderr, "== storm: %s (load %s)\n", mix.label, loadavg())
		r, err := storm(bin, srv, 1000, mix.providers)
		if err != nil {
			return err
		}
		add(r)
	}

	if only["broker"] {
		if err := brokerBench(bin, srv.URL, add); err != nil {
			return err
		}
	}
	printTable(rows)
	fmt.Printf("\nload average at the end: %s\n", loadavg())
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

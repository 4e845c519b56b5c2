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
	"flag"
	"fmt"
	"os"
	"time"
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

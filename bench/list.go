package main

// The listing figures of issue 17 point 2, each side by side with `cat` of
// the same files in the same loop (the runs alternate, so that a change of
// the machine's load falls on both): `list --json` reading the files
// itself, exec of `start` until a `status --json` lists every file, and
// `list` / `status --json` through the running daemon; with the clients'
// peak RSS.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sideBySide is how many alternating runs a ratio is the median of.
const sideBySide = 7

// catOnce is the wall time of one `cat ./* > /dev/null` in the auth dir:
// the least any program can spend reading the files.
func (h *home) catOnce() (time.Duration, error) {
	c := exec.Command("sh", "-c", "cat ./* > /dev/null")
	c.Dir = h.auth
	t0 := time.Now()
	if out, err := c.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("cat: %w: %s", err, out)
	}
	return time.Since(t0), nil
}

// timed runs the binary with args to its exit and returns the wall time.
func (h *home) timed(args ...string) (time.Duration, error) {
	c := h.cmd(args...)
	var out, errOut bytes.Buffer
	c.Stdout, c.Stderr = &out, &errOut
	t0 := time.Now()
	err := c.Run()
	d := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("%v: %w: %s", args, err, errOut.Bytes())
	}
	return d, nil
}

// peakRSS is the peak RSS in kB of one more run of the binary with args,
// through /usr/bin/time (0 without it). Not our own getrusage of the
// child: Go starts children with CLONE_VM, so the child's maximum starts
// at this process's RSS.
func (h *home) peakRSS(args ...string) int64 {
	f, err := os.CreateTemp("", "rcb-rss")
	if err != nil {
		return 0
	}
	defer os.Remove(f.Name())
	f.Close()
	c := exec.Command("/usr/bin/time", append([]string{"-f", "%M", "-o", f.Name(), h.bin}, args...)...)
	c.Env = h.env()
	if c.Run() != nil {
		return 0
	}
	b, _ := os.ReadFile(f.Name())
	kb, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return kb
}

// versus alternates cat and the command sideBySide times: medians of both,
// the median of the per-pair ratios, and the command's peak RSS (one more run).
type versus struct {
	cat, cmd time.Duration
	ratio    float64
	rssKB    int64
}

func (h *home) versusCat(args ...string) (versus, error) {
	var v versus
	var cats, cmds []time.Duration
	var ratios []float64
	for range sideBySide {
		c, err := h.catOnce()
		if err != nil {
			return v, err
		}
		d, err := h.timed(args...)
		if err != nil {
			return v, err
		}
		cats, cmds, ratios = append(cats, c), append(cmds, d), append(ratios, float64(d)/float64(c))
	}
	v.rssKB = h.peakRSS(args...)
	slices.Sort(ratios)
	v.cat, v.cmd, v.ratio = median(cats), median(cmds), ratios[len(ratios)/2]
	return v, nil
}

// stop stops the daemon and waits until its process is gone.
func (h *home) stop() error {
	if out, err := h.cmd("token-daemon", "stop").CombinedOutput(); err != nil {
		return fmt.Errorf("stop: %w: %s", err, out)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", h.pid)); err != nil {
			h.pid = 0
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("daemon %d still running 30 s after stop", h.pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// filesRows adds the listing and cold-start rows of a home of n files and
// leaves its daemon running. Without rows it only starts the daemon.
func (h *home) filesRows(n int, large, rows bool, add func(row)) error {
	if !rows {
		_, _, err := h.coldStart(n)
		return err
	}
	if _, err := h.catOnce(); err != nil { // warm the page cache
		return err
	}
	target := func(limit float64, ratio float64) (string, string) {
		if !large {
			return "—", "—"
		}
		return fmt.Sprintf("≤ %.1f× cat", limit), met(ratio <= limit)
	}
	vsRow := func(what string, v versus, limit float64) row {
		t, verdict := target(limit, v.ratio)
		if limit == 0 {
			t, verdict = "—", "—"
		}
		return row{fmt.Sprintf("%s, %d files; `cat` of them %s (median of %d alternated runs; peak RSS of the command %.1f MB)", what, n, ms(v.cat), sideBySide, float64(v.rssKB)/1024),
			fmt.Sprintf("%s (%.2f× cat)", ms(v.cmd), v.ratio), t, verdict}
	}

	v, err := h.versusCat("token-daemon", "list", "--json")
	if err != nil {
		return err
	}
	add(vsRow("`list --json` without a daemon (reads the files itself)", v, 1.1))

	// Cold start, three times, each after a cat of the same files.
	var cats, scans, lists []time.Duration
	var rScan, rList []float64
	for i := range 3 {
		c, err := h.catOnce()
		if err != nil {
			return err
		}
		scanned, listed, err := h.coldStart(n)
		if err != nil {
			return err
		}
		cats, scans, lists = append(cats, c), append(scans, scanned), append(lists, listed)
		rScan, rList = append(rScan, float64(scanned)/float64(c)), append(rList, float64(listed)/float64(c))
		if i < 2 {
			if err := h.stop(); err != nil {
				return err
			}
		}
	}
	slices.Sort(rScan)
	slices.Sort(rList)
	t, verdict := target(3, rScan[1])
	add(row{fmt.Sprintf("cold start: exec of `token-daemon start` → it returns (first scan done, socket answering), %d files; `cat` %s (median of 3, each after a cat)", n, ms(median(cats))),
		fmt.Sprintf("%s (%.2f× cat)", ms(median(scans)), rScan[1]), t, verdict})
	t, verdict = target(2, rList[1])
	add(row{fmt.Sprintf("cold start: exec of `token-daemon start` → a `status --json` lists all %d files (both processes; median of 3)", n),
		fmt.Sprintf("%s (%.2f× cat)", ms(median(lists)), rList[1]), t, verdict})

	v, err = h.versusCat("token-daemon", "list", "--json")
	if err != nil {
		return err
	}
	add(vsRow("`list --json` through the running daemon", v, 0))
	v, err = h.versusCat("token-daemon", "status", "--json")
	if err != nil {
		return err
	}
	add(vsRow("`status --json` through the running daemon", v, 0))
	return nil
}

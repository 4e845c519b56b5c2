package main

// Idle CPU, wakeups and read syscalls of the 1,000-file daemon, then the
// change latency and the status round trips on that same daemon.

import (
	"fmt"
	"strings"
	"time"
)

// idleAndLatency measures idle CPU, wakeups and read syscalls over idle,
// then the change-to-state latency, then the status round trip.
func (h *home) idleAndLatency(idle time.Duration, changes int, doIdle, doLatency bool, add func(row)) error {
	if doIdle {
		if err := h.idle(idle, add); err != nil {
			return err
		}
	}
	if !doLatency {
		return nil
	}
	return h.latency(changes, add)
}

// idle measures idle CPU, wakeups and read syscalls over idle.
func (h *home) idle(idle time.Duration, add func(row)) error {
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
	return nil
}

// latency measures the change-to-state latency, then the status round
// trips.
func (h *home) latency(changes int, add func(row)) error {
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

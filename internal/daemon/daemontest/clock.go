// Package daemontest holds test helpers for driving the daemon core from
// other packages' tests: a fake clock whose timers fire only when the test
// advances it.
package daemontest

import (
	"sort"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
)

// Clock is a fake daemon.Clock. Wall time (Now) and timer time are kept
// apart, like a real machine's wall and monotonic clocks, so that Jump can
// simulate a resume from sleep: the wall clock moves, timers do not fire.
type Clock struct {
	mu     sync.Mutex
	wall   time.Time
	mono   time.Duration
	timers []*timer
}

// NewClock returns a fake clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{wall: start} }

// Now is the fake wall time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

// NewTimer returns a timer that fires when the clock is advanced past d.
func (c *Clock) NewTimer(d time.Duration) daemon.Timer {
	t := &timer{c: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

// Advance moves wall and timer time by d, firing due timers in order.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	target := c.mono + d
	for {
		var due []*timer
		for _, t := range c.timers {
			if t.active && t.at <= target {
				due = append(due, t)
			}
		}
		if len(due) == 0 {
			break
		}
		sort.SliceStable(due, func(i, j int) bool { return due[i].at < due[j].at })
		t := due[0]
		c.wall = c.wall.Add(t.at - c.mono)
		c.mono = t.at
		t.fireLocked()
	}
	c.wall = c.wall.Add(target - c.mono)
	c.mono = target
}

// Jump moves the wall clock by d without firing any timer (a resume from
// sleep, or the user setting the clock).
func (c *Clock) Jump(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = c.wall.Add(d)
}

// Pending reports how many timers are armed.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if t.active {
			n++
		}
	}
	return n
}

type timer struct {
	c      *Clock
	ch     chan time.Time
	at     time.Duration
	active bool
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) fireLocked() {
	t.active = false
	select {
	case t.ch <- t.c.wall:
	default:
	}
}

// Stop disarms the timer; like time.Timer since Go 1.23 no stale value is
// left in the channel.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	t.drain()
	return was
}

// Reset rearms the timer to fire d from now (at once when d <= 0).
func (t *timer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.drain()
	t.at = t.c.mono + d
	t.active = true
	if d <= 0 {
		t.fireLocked()
	}
}

func (t *timer) drain() {
	select {
	case <-t.ch:
	default:
	}
}

package daemon_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The core's side of cluster mode, against a fake port: a follower never
// refreshes, the leader asks before every request and tells every write, an
// unreachable node alerts once when a token comes due.

type fakeCluster struct {
	mu          sync.Mutex
	leader      bool
	unreachable bool
	refuse      bool
	begins      []string
	ends        []string
	changes     []string // name, "+" for a refresh write
}

func (c *fakeCluster) set(fn func(c *fakeCluster)) {
	c.mu.Lock()
	fn(c)
	c.mu.Unlock()
}

func (c *fakeCluster) MayRefresh() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.leader && !c.unreachable
}

func (c *fakeCluster) Unreachable() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unreachable
}

func (c *fakeCluster) BeginRefresh(name string, _ [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.begins = append(c.begins, name)
	return c.leader && !c.refuse && !c.unreachable
}

func (c *fakeCluster) EndRefresh(name string) {
	c.mu.Lock()
	c.ends = append(c.ends, name)
	c.mu.Unlock()
}

func (c *fakeCluster) Changed(name string, refreshed bool) {
	c.mu.Lock()
	if refreshed {
		name += "+"
	}
	c.changes = append(c.changes, name)
	c.mu.Unlock()
}

func (c *fakeCluster) count(list *[]string, name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range *list {
		if s == name {
			n++
		}
	}
	return n
}

func TestClusterFollowerWaitsLeaderRefreshes(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen"}
	c := &fakeCluster{}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cluster: c})
	h.advance(time.Hour)
	if p.Calls() != 0 || c.count(&c.begins, name) != 0 {
		t.Fatalf("a follower refreshed: %d calls", p.Calls())
	}
	if h.notes.count(daemon.NoticeRefreshFailed) != 0 {
		t.Fatal("a reachable follower alerted")
	}
	if c.count(&c.changes, name) != 1 {
		t.Fatalf("the new file was not passed to the cluster: %v", c.changes)
	}
	c.set(func(c *fakeCluster) { c.leader = true })
	h.d.ClusterChanged()
	h.waitFor("the leader's refresh", func() bool { return p.Calls() == 1 && h.state(name).Status == tokenfile.StatusValid })
	if c.count(&c.begins, name) != 1 || c.count(&c.changes, name+"+") != 1 {
		t.Fatalf("begins %v, changes %v", c.begins, c.changes)
	}
}

func TestClusterRefusedRefreshIsAskedAgain(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen"}
	c := &fakeCluster{leader: true, refuse: true}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cluster: c})
	h.waitFor("the first ask", func() bool { return c.count(&c.begins, name) >= 1 })
	h.d.Sync()
	if p.Calls() != 0 {
		t.Fatal("a refused refresh was sent")
	}
	asked := c.count(&c.begins, name)
	h.d.Sync()
	if c.count(&c.begins, name) != asked {
		t.Fatal("a refused file is asked again at once (a busy loop)")
	}
	c.set(func(c *fakeCluster) { c.refuse = false })
	h.advance(3 * time.Second)
	h.waitFor("the refresh", func() bool { return p.Calls() == 1 })
}

func TestClusterFailedRequestEndsTheRefresh(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(10*time.Minute)))
	p := &fakeProvider{name: "qwen", fn: func(int, *tokenfile.File) (tokenfile.Update, error) { return tokenfile.Update{}, transientErr() }}
	c := &fakeCluster{leader: true}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cluster: c})
	h.waitFor("the failed refresh", func() bool { return p.Calls() == 1 && c.count(&c.ends, name) == 1 })
	if c.count(&c.changes, name+"+") != 0 {
		t.Fatal("a failed refresh was published")
	}
}

func TestClusterUnreachableAlertsOnceWhenDue(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(2*time.Hour)))
	p := &fakeProvider{name: "qwen"}
	c := &fakeCluster{leader: true, unreachable: true}
	h := newHarness(t, dir, setup{provs: providers{"qwen": p}, cluster: c})
	h.advance(time.Hour)
	if h.notes.count(daemon.NoticeRefreshFailed) != 0 {
		t.Fatal("alerted before the token came due")
	}
	h.advance(40 * time.Minute)
	h.advance(time.Minute)
	if n := h.notes.count(daemon.NoticeRefreshFailed); n != 1 || p.Calls() != 0 {
		t.Fatalf("%d alerts, %d calls; want 1 alert and no refresh", n, p.Calls())
	}
	h.notes.mu.Lock()
	reason := h.notes.list[len(h.notes.list)-1].Reason
	h.notes.mu.Unlock()
	if daemon.ReasonCode(reason) != daemon.ReasonClusterUnreachable {
		t.Fatalf("reason %q", reason)
	}
	r := h.d.Refresh(t.Context(), []string{name}, false)
	if len(r) != 1 || !errors.Is(r[0].Err, daemon.ErrNotLeader) || p.Calls() != 0 {
		t.Fatalf("a refresh by hand on an unreachable node: %+v", r)
	}
}

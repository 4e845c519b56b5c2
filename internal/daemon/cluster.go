package daemon

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Cluster mode (DESIGN.md section 16): the port the core asks before every
// token request and tells of every change of a file. The core knows nothing
// of etcd; an adapter implements the port. Without it (nil) nothing changes.

// Cluster is the port of cluster mode.
type Cluster interface {
	// MayRefresh reports whether this node may refresh shared files now:
	// it is the leader and its lease is fresh.
	MayRefresh() bool
	// BeginRefresh is asked right before a token request for file name,
	// whose content on disk hashes to hash, is sent: false means it must not
	// be sent (another node leads, the lease is not fresh, the content is
	// not the cluster's latest, or another node has a refresh of it in
	// flight). It may block for a short network round trip.
	BeginRefresh(name string, hash [32]byte) bool
	// EndRefresh tells that the request allowed by BeginRefresh brought no
	// token (it failed): the file's in-flight mark may go. After an answer
	// the mark goes with the publication of the written file (Changed).
	// It must not block.
	EndRefresh(name string)
	// Changed tells that file name on disk changed: refreshed is true after
	// the core's own write of a refresh answer, false for any other change
	// (a login, another program). It must not block.
	Changed(name string, refreshed bool)
	// Unreachable reports that this node cannot reach the cluster: it
	// serves its local copies and alerts before they expire.
	Unreachable() bool
}

// ErrNotLeader means a refresh was not sent because another node of the
// cluster refreshes shared files.
var ErrNotLeader = errors.New("this node is not the cluster leader; the leader refreshes shared files")

// ReasonClusterUnreachable is the reason code of the alert of a node that
// cannot reach its cluster while a token comes due.
const ReasonClusterUnreachable = "cluster_unreachable"

const reasonClusterUnreachable = "the cluster (etcd) cannot be reached: this node does not refresh shared files until it can"

// clusterRefusedWait is how long a file whose refresh the cluster refused
// waits before it is asked again (the leader's view catches up meanwhile).
const clusterRefusedWait = 2 * time.Second

// clusterState is the core's side of the port. Its map is guarded by mu.
type clusterState struct {
	port    Cluster
	mu      sync.Mutex
	refused map[string]time.Time // refused until
}

// ClusterChanged tells the core that its role in the cluster changed
// (leader, follower, unreachable): every file is planned again.
func (d *Daemon) ClusterChanged() {
	if d.cl.port == nil {
		return
	}
	now := d.clock.Now()
	d.mu.Lock()
	for _, e := range d.entries {
		if e.flight == nil {
			d.planLocked(e, now)
			d.emitLocked(e, now)
		}
	}
	d.mu.Unlock()
	d.flush()
	d.signal()
}

// clusterWaitLocked reports whether the cluster keeps e from refreshing now,
// and if so when e wakes next (zero: not before a change).
func (d *Daemon) clusterWaitLocked(e *entry, due, now time.Time) (time.Time, bool) {
	c := d.cl.port
	if c == nil {
		return time.Time{}, false
	}
	if !c.MayRefresh() {
		// A follower waits for the leader's write; an unreachable node
		// wakes when the token comes due, to alert once.
		if c.Unreachable() && e.notified != NoticeRefreshFailed {
			return due, true
		}
		return time.Time{}, true
	}
	d.cl.mu.Lock()
	until, ok := d.cl.refused[e.name]
	if ok && !now.Before(until) {
		delete(d.cl.refused, e.name)
		ok = false
	}
	d.cl.mu.Unlock()
	if ok && due.Before(until) {
		return until, true
	}
	return time.Time{}, false
}

// clusterAlertLocked alerts once when a token comes due on a node that
// cannot reach its cluster (run when such an entry wakes).
func (d *Daemon) clusterAlertLocked(e *entry, now time.Time) {
	c := d.cl.port
	if c == nil || c.MayRefresh() || !c.Unreachable() || !e.file.Refreshable() || !e.missingSince.IsZero() {
		return
	}
	d.log.Warn("token due but the cluster cannot be reached; not refreshing a shared file", "file", e.name)
	d.noticeLocked(e, NoticeRefreshFailed, reasonClusterUnreachable)
}

// clusterBegin asks the cluster right before a token request. false: the
// request is not sent, and the file is asked again a little later.
func (d *Daemon) clusterBegin(e *entry, hash [32]byte) bool {
	c := d.cl.port
	if c == nil || c.BeginRefresh(e.name, hash) {
		return true
	}
	d.cl.mu.Lock()
	if d.cl.refused == nil {
		d.cl.refused = map[string]time.Time{}
	}
	d.cl.refused[e.name] = d.clock.Now().Add(clusterRefusedWait)
	d.cl.mu.Unlock()
	return false
}

// clusterChanged passes a change of a file to the cluster.
func (d *Daemon) clusterChanged(name string, refreshed bool) {
	if c := d.cl.port; c != nil {
		c.Changed(name, refreshed)
	}
}

func notLeaderError(name string) error {
	return fmt.Errorf("refresh %s: %w", name, ErrNotLeader)
}

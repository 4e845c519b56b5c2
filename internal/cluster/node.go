//go:build cluster

package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
	"go.uber.org/zap"
)

// Role of a node in its cluster.
type Role string

const (
	RoleLeader      Role = "leader"
	RoleFollower    Role = "follower"
	RoleUnreachable Role = "unreachable"
)

// Info is what `status` shows of the cluster.
type Info struct {
	Node    string
	Role    Role
	Leader  string // "" when unknown
	Members []string
}

// Options configure a Node.
type Options struct {
	Endpoints    []string
	Username     string
	Password     string
	TLS          *tls.Config // nil: plain http endpoints
	Prefix       string      // "/routecodex/"
	Node         string
	LeaseSeconds int
	Key          *Key
	AuthDir      string
	StateFile    string // <home>/state/cluster.json ("" keeps it in memory)
	Logger       *slog.Logger
	// DialTimeout bounds the first connection (default 5 s).
	DialTimeout time.Duration
}

// Node is this host's member of the cluster: it campaigns for leadership on
// an etcd lease, keeps the local token files equal to the cluster's and
// publishes local changes. It implements daemon.Cluster.
type Node struct {
	opt Options
	cli *clientv3.Client
	log *slog.Logger
	ttl time.Duration

	keys keys

	mu         sync.Mutex
	synced     map[string]syncedFile // what the local file and etcd agree on
	leading    bool
	leaderKey  string
	leaderRev  int64
	leader     string
	members    []string
	lastRenew  time.Time // monotonic; zero: no live session
	role       Role      // last role told to onRole
	onRole     func()
	blocked    map[string]string // file -> node whose in-flight mark holds it (logged once)
	locks      map[string]*sync.Mutex
	stateDirty bool
	saveMu     sync.Mutex // serialises saveState

	pub   *shards // files to publish
	apply *shards // remote values to write locally
}

type syncedFile struct {
	rev  int64    // etcd ModRevision of the value equal to the local file
	hash [32]byte // sha256 of that content
}

// keys are the etcd keys of a cluster under its prefix.
type keys struct{ files, leader, members, inflight string }

func keysOf(prefix string) keys {
	return keys{files: prefix + "files/", leader: prefix + "leader", members: prefix + "members/", inflight: prefix + "inflight/"}
}

// New makes a node; it does not wait for etcd (Run does).
func New(opt Options) (*Node, error) {
	if opt.Key == nil || len(opt.Endpoints) == 0 || opt.Node == "" || opt.AuthDir == "" {
		return nil, errors.New("cluster: key, endpoints, node name and auth dir are required")
	}
	if opt.LeaseSeconds <= 0 {
		opt.LeaseSeconds = 10
	}
	if opt.Prefix == "" {
		opt.Prefix = "/routecodex/"
	}
	if opt.DialTimeout <= 0 {
		opt.DialTimeout = 5 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:            opt.Endpoints,
		Username:             opt.Username,
		Password:             opt.Password,
		TLS:                  opt.TLS,
		DialTimeout:          opt.DialTimeout,
		DialKeepAliveTime:    time.Duration(opt.LeaseSeconds) * time.Second,
		DialKeepAliveTimeout: time.Duration(opt.LeaseSeconds) * time.Second,
		Logger:               zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: etcd client: %w", err)
	}
	n := &Node{
		opt: opt, cli: cli, log: opt.Logger.With("cluster", opt.Node),
		ttl:  time.Duration(opt.LeaseSeconds) * time.Second,
		keys: keysOf(opt.Prefix), synced: map[string]syncedFile{}, role: RoleUnreachable,
		blocked: map[string]string{},
	}
	n.loadState()
	n.pub = newShards(8)
	n.apply = newShards(8)
	return n, nil
}

// OnRole sets what is called when the node's role changes (the core's
// ClusterChanged). Set it before Run.
func (n *Node) OnRole(fn func()) { n.onRole = fn }

// Close releases the etcd client (after Run returned).
func (n *Node) Close() error { return n.cli.Close() }

// freshLocked reports whether the lease was renewed recently enough that it
// cannot lapse before a refresh begun now is published: a leader stops
// refreshing after two thirds of its TTL without a renewal.
func (n *Node) freshLocked() bool {
	return !n.lastRenew.IsZero() && time.Since(n.lastRenew) < n.ttl*2/3
}

func (n *Node) roleLocked() Role {
	switch {
	case !n.freshLocked():
		return RoleUnreachable
	case n.leading:
		return RoleLeader
	default:
		return RoleFollower
	}
}

// MayRefresh implements daemon.Cluster.
func (n *Node) MayRefresh() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.leading && n.freshLocked()
}

// Unreachable implements daemon.Cluster.
func (n *Node) Unreachable() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return !n.freshLocked()
}

// Info is the node's view of the cluster.
func (n *Node) Info() Info {
	n.mu.Lock()
	defer n.mu.Unlock()
	in := Info{Node: n.opt.Node, Role: n.roleLocked(), Members: append([]string{}, n.members...)}
	if in.Role != RoleUnreachable {
		in.Leader = n.leader
	}
	return in
}

// tellRole calls onRole when the role changed since it was last told.
func (n *Node) tellRole() {
	n.mu.Lock()
	r := n.roleLocked()
	changed := r != n.role
	n.role = r
	n.mu.Unlock()
	if changed {
		n.log.Info("cluster role", "role", string(r))
		if n.onRole != nil {
			n.onRole()
		}
	}
}

// Run keeps the node in the cluster until ctx ends: a session on a lease,
// the campaign, the watch of the files and the publication of local
// changes. etcd being away is no error: the node is unreachable meanwhile
// and tries again.
func (n *Node) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(4)
	go func() { defer wg.Done(); n.saveLoop(ctx) }()
	go func() { defer wg.Done(); n.pub.run(ctx, n.publishOne) }()
	go func() { defer wg.Done(); n.apply.run(ctx, n.applyOne) }()
	go func() { defer wg.Done(); n.watchRole(ctx) }()
	defer wg.Wait()
	wait := time.Second
	for ctx.Err() == nil {
		err := n.session(ctx)
		n.mu.Lock()
		n.leading, n.lastRenew, n.leader = false, time.Time{}, ""
		n.mu.Unlock()
		n.tellRole()
		if ctx.Err() != nil {
			break
		}
		n.log.Warn("cluster session ended; trying again", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	return nil
}

// watchRole turns a lapse of freshness (no renewal for a while) and its end
// into role changes, even while the session lives on.
func (n *Node) watchRole(ctx context.Context) {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.tellRole()
		}
	}
}

func (n *Node) renewed() {
	n.mu.Lock()
	n.lastRenew = time.Now()
	n.mu.Unlock()
}

// session is one life of the node in the cluster, until its lease is lost.
func (n *Node) session(ctx context.Context) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sess, err := concurrency.NewSession(n.cli, concurrency.WithTTL(n.opt.LeaseSeconds), concurrency.WithContext(sctx))
	if err != nil {
		return fmt.Errorf("session: %w", err)
	}
	defer func() {
		// Resign quickly: the next leader need not wait for the TTL.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_, _ = n.cli.Revoke(rctx, sess.Lease())
		rcancel()
		sess.Orphan()
	}()
	ka, err := n.cli.KeepAlive(sctx, sess.Lease())
	if err != nil {
		return fmt.Errorf("keepalive: %w", err)
	}
	n.renewed()
	kaDone := make(chan struct{})
	go func() {
		defer close(kaDone)
		for range ka {
			n.renewed()
		}
	}()
	if _, err := n.cli.Put(sctx, n.keys.members+n.opt.Node, n.opt.Node, clientv3.WithLease(sess.Lease())); err != nil {
		return fmt.Errorf("membership: %w", err)
	}
	rev, err := n.syncAll(sctx)
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	n.tellRole()
	watchDone := make(chan error, 1)
	go func() { watchDone <- n.watchFiles(sctx, rev) }()
	go n.watchMembers(sctx)
	elect := concurrency.NewElection(sess, n.keys.leader)
	go n.observe(sctx, elect)
	go func() {
		if err := elect.Campaign(sctx, n.opt.Node); err != nil {
			return
		}
		n.mu.Lock()
		n.leading, n.leaderKey, n.leaderRev, n.leader = true, elect.Key(), elect.Rev(), n.opt.Node
		n.mu.Unlock()
		n.log.Info("elected cluster leader")
		n.tellRole()
	}()
	select {
	case <-sess.Done():
		return errors.New("lease lost")
	case <-kaDone:
		return errors.New("lease keepalive ended")
	case err := <-watchDone:
		return fmt.Errorf("watch: %w", err)
	case <-ctx.Done():
		return nil
	}
}

func (n *Node) observe(ctx context.Context, e *concurrency.Election) {
	for resp := range e.Observe(ctx) {
		if len(resp.Kvs) == 0 {
			continue
		}
		n.mu.Lock()
		n.leader = string(resp.Kvs[0].Value)
		n.mu.Unlock()
	}
}

// watchMembers keeps the member list of `status` current.
func (n *Node) watchMembers(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		gctx, cancel := context.WithTimeout(ctx, time.Second)
		resp, err := n.cli.Get(gctx, n.keys.members, clientv3.WithPrefix(), clientv3.WithKeysOnly())
		cancel()
		if err == nil {
			var ms []string
			for _, kv := range resp.Kvs {
				ms = append(ms, strings.TrimPrefix(string(kv.Key), n.keys.members))
			}
			sort.Strings(ms)
			n.mu.Lock()
			n.members = ms
			n.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// watchFiles applies every change of the cluster's files after rev.
func (n *Node) watchFiles(ctx context.Context, rev int64) error {
	wch := n.cli.Watch(clientv3.WithRequireLeader(ctx), n.keys.files, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
	for resp := range wch {
		if err := resp.Err(); err != nil {
			return err
		}
		for _, ev := range resp.Events {
			if ev.Type != clientv3.EventTypePut {
				continue // a delete is never propagated to the local files
			}
			name := strings.TrimPrefix(string(ev.Kv.Key), n.keys.files)
			n.apply.add(name, remoteValue{rev: ev.Kv.ModRevision, value: ev.Kv.Value})
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("watch closed")
}

// opCtx bounds one etcd operation by a third of the TTL.
func (n *Node) opCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, max(n.ttl/3, 500*time.Millisecond))
}

// CheckResult is what `cluster join` found.
type CheckResult struct {
	Version string // of the etcd server
	Files   int    // token files the cluster holds
}

// ErrWrongKey means the key does not open the cluster's files.
var ErrWrongKey = errors.New("the key does not open the cluster's files")

// Check connects to etcd and opens one of the cluster's files with the key:
// what a node needs before it joins. An error other than ErrWrongKey means
// etcd did not answer.
func Check(ctx context.Context, opt Options) (CheckResult, error) {
	n, err := New(opt)
	if err != nil {
		return CheckResult{}, err
	}
	defer n.Close()
	ctx, cancel := context.WithTimeout(ctx, opt.DialTimeout)
	defer cancel()
	var res CheckResult
	for _, ep := range opt.Endpoints {
		st, err := n.cli.Status(ctx, ep)
		if err == nil {
			res.Version = st.Version
			break
		}
		if ctx.Err() != nil {
			return res, err
		}
	}
	resp, err := n.cli.Get(ctx, n.keys.files, clientv3.WithPrefix())
	if err != nil {
		return res, err
	}
	res.Files = len(resp.Kvs)
	for _, kv := range resp.Kvs {
		if _, err := opt.Key.Open(kv.Value); err != nil {
			return res, ErrWrongKey
		}
		break
	}
	return res, nil
}

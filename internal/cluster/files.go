//go:build cluster

package cluster

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The files: etcd holds each token file's content under <prefix>files/<name>,
// encrypted with the shared key; the local file and etcd are kept equal in
// both directions, a revision-checked transaction deciding every race.

// fileLock serialises the work on one local file (a remote value being
// written, a local change being published).
func (n *Node) fileLock(name string) func() {
	n.mu.Lock()
	if n.locks == nil {
		n.locks = map[string]*sync.Mutex{}
	}
	l := n.locks[name]
	if l == nil {
		l = &sync.Mutex{}
		n.locks[name] = l
	}
	n.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// safeName reports whether a name from etcd is a token file of the auth dir
// (never a path that leaves it).
func safeName(name string) bool {
	return name != "" && name == filepath.Base(name) && !strings.ContainsAny(name, `/\`) &&
		strings.HasSuffix(name, ".json") && !tokenfile.Skip(name)
}

// syncAll brings the local files and etcd together at the start of a
// session: the cluster's values are written locally (the cluster wins over
// a local copy that differs, as for a node that joins); local files the
// cluster lacks are published (the first node seeds etcd). It returns the
// revision to watch from.
func (n *Node) syncAll(ctx context.Context) (int64, error) {
	gctx, cancel := context.WithTimeout(ctx, n.ttl)
	// One consistent read of the files and the in-flight marks.
	resp, err := n.cli.Txn(gctx).Then(
		clientv3.OpGet(n.keys.files, clientv3.WithPrefix()),
		clientv3.OpGet(n.keys.inflight, clientv3.WithPrefix()),
	).Commit()
	cancel()
	if err != nil {
		return 0, err
	}
	// This node's own marks: refreshes it began and may not have published
	// (it was killed or cut off). Where the cluster's value is older than
	// the mark, nobody published since the refresh began, so the local file
	// holds its answer (or still the content it began from), never an older
	// one: it is published rather than overwritten.
	own := map[string]int64{}
	for _, kv := range resp.Responses[1].GetResponseRange().Kvs {
		name := strings.TrimPrefix(string(kv.Key), n.keys.inflight)
		if string(kv.Value) == n.opt.Node && safeName(name) {
			own[name] = kv.CreateRevision
		}
	}
	for _, kv := range resp.Responses[0].GetResponseRange().Kvs {
		name := strings.TrimPrefix(string(kv.Key), n.keys.files)
		rv := remoteValue{rev: kv.ModRevision, value: kv.Value}
		if markRev, ok := own[name]; ok && kv.ModRevision < markRev {
			n.adoptLocal(name, rv)
			continue
		}
		n.applyOne(ctx, name, rv)
	}
	entries, err := os.ReadDir(n.opt.AuthDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return 0, err
	}
	// Every local file is offered for publication: one the cluster lacks
	// seeds it, one changed here since the last agreement (while the
	// daemon was down or cut off) is published with the revision check; the
	// others are equal and skipped.
	for _, e := range entries {
		if e.Type().IsRegular() && safeName(e.Name()) {
			n.pub.add(e.Name(), false)
		}
	}
	n.clearOwnMarks(ctx, own)
	return resp.Header.Revision, nil
}

// adoptLocal records the cluster's value of name as the base of the local
// file without writing it, so that the local file is published over it with
// the revision check.
func (n *Node) adoptLocal(name string, rv remoteValue) {
	data, err := n.opt.Key.Open(rv.value)
	if err != nil {
		n.log.Error("cluster value cannot be decrypted", "file", name, "err", err)
		return
	}
	n.log.Info("keeping the local file of an interrupted refresh of this node; publishing it", "file", name)
	n.setSynced(name, rv.rev, sha256.Sum256(data))
}

// clearOwnMarks removes the in-flight marks this node left behind (it was
// killed during a refresh) unless the answer waits in a .pending file: the
// core writes that one and its publication removes the mark.
//
// A mark also stays while the local file differs from the cluster's value
// (an answer written but not yet published): its publication removes it.
func (n *Node) clearOwnMarks(ctx context.Context, own map[string]int64) {
	for name := range own {
		path := filepath.Join(n.opt.AuthDir, name)
		if _, err := os.Stat(tokenfile.PendingPath(path)); err == nil {
			n.log.Info("refreshed tokens of an interrupted refresh wait to be written; keeping the in-flight mark", "file", name)
			continue
		}
		data, err := os.ReadFile(path)
		n.mu.Lock()
		s, known := n.synced[name]
		n.mu.Unlock()
		if err != nil || !known || sha256.Sum256(data) != s.hash {
			continue
		}
		n.dropMark(ctx, name)
	}
}

func (n *Node) dropMark(ctx context.Context, name string) {
	key := n.keys.inflight + name
	gctx, cancel := n.opCtx(context.WithoutCancel(ctx))
	defer cancel()
	_, _ = n.cli.Txn(gctx).If(clientv3.Compare(clientv3.Value(key), "=", n.opt.Node)).Then(clientv3.OpDelete(key)).Commit()
}

// applyOne writes a value of the cluster into the local file, by the write
// of DESIGN.md section 3 (tokenfile.Put: locked, atomic, and only over the
// content just read).
func (n *Node) applyOne(ctx context.Context, name string, item any) (retry bool) {
	rv, ok := item.(remoteValue)
	if !ok || !safeName(name) {
		n.log.Warn("ignoring a cluster value that is no token file name", "name", name)
		return false
	}
	unlock := n.fileLock(name)
	defer unlock()
	return n.applyLocked(name, rv)
}

func (n *Node) applyLocked(name string, rv remoteValue) (retry bool) {
	n.mu.Lock()
	s, known := n.synced[name]
	n.mu.Unlock()
	if known && rv.rev <= s.rev {
		return false // already agreed (a local change since is published by syncAll)
	}
	data, err := n.opt.Key.Open(rv.value)
	if err != nil {
		n.log.Error("cluster value cannot be decrypted; not writing it", "file", name, "err", err)
		return false
	}
	h := sha256.Sum256(data)
	path := filepath.Join(n.opt.AuthDir, name)
	var expect *[32]byte
	mode := fs.FileMode(0o600)
	cur, err := os.ReadFile(path)
	switch {
	case err == nil:
		ch := sha256.Sum256(cur)
		if ch == h {
			n.setSynced(name, rv.rev, h)
			return false
		}
		if known && ch != s.hash {
			n.log.Warn("cluster conflict: the file changed here and in the cluster; the cluster's newer version wins", "file", name)
		}
		expect = &ch
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(n.opt.AuthDir, 0o700); err != nil {
			n.log.Error("cannot create the auth dir", "err", err)
			return true
		}
	default:
		return true
	}
	if _, err := tokenfile.Put(path, data, mode, expect); err != nil {
		if errors.Is(err, tokenfile.ErrConflict) || errors.Is(err, fs.ErrExist) {
			return n.applyLocked(name, rv) // changed under us: read again
		}
		n.log.Error("cannot write the cluster's version of a token file", "file", name, "err", err)
		return true
	}
	n.setSynced(name, rv.rev, h)
	n.log.Debug("wrote the cluster's version", "file", name, "rev", rv.rev)
	return false
}

// setSynced records an agreement (saved within a moment by saveLoop; a
// node killed before that still keeps the answer of its own interrupted
// refresh, by its in-flight mark: see syncAll).
func (n *Node) setSynced(name string, rev int64, h [32]byte) {
	n.mu.Lock()
	if s, ok := n.synced[name]; !ok || rev >= s.rev {
		n.synced[name] = syncedFile{rev: rev, hash: h}
		n.stateDirty = true
	}
	n.mu.Unlock()
}

// Changed implements daemon.Cluster: the file is published by a worker.
func (n *Node) Changed(name string, refreshed bool) {
	if safeName(name) {
		n.pub.add(name, refreshed)
	}
}

// publishOne publishes the local file name when it differs from what the
// cluster holds: a transaction that checks the key's revision is still the
// one the local copy came from and, for a refresh, that this node still
// holds its leadership key (fencing). The in-flight mark of the refresh goes
// in the same transaction.
func (n *Node) publishOne(ctx context.Context, name string, item any) (retry bool) {
	refreshed, _ := item.(bool)
	unlock := n.fileLock(name)
	defer unlock()
	return n.publishLocked(ctx, name, refreshed)
}

func (n *Node) publishLocked(ctx context.Context, name string, refreshed bool) (retry bool) {
	path := filepath.Join(n.opt.AuthDir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false // a removal is never propagated
	}
	if err != nil {
		return true
	}
	if !json.Valid(data) {
		return false // being rewritten; its next change is published
	}
	h := sha256.Sum256(data)
	n.mu.Lock()
	s := n.synced[name]
	_, known := n.synced[name]
	leading, lk, lr := n.leading, n.leaderKey, n.leaderRev
	n.mu.Unlock()
	if known && s.hash == h {
		return false
	}
	enc, err := n.opt.Key.Seal(data)
	if err != nil {
		n.log.Error("cannot encrypt a token file for the cluster", "file", name, "err", err)
		return false
	}
	key, mark := n.keys.files+name, n.keys.inflight+name
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(key), "=", s.rev)}
	fenced := refreshed && leading
	if fenced {
		cmps = append(cmps, clientv3.Compare(clientv3.CreateRevision(lk), "=", lr))
	}
	tctx, cancel := n.opCtx(ctx)
	resp, err := n.cli.Txn(tctx).If(cmps...).Then(
		clientv3.OpPut(key, string(enc)),
		clientv3.OpTxn([]clientv3.Cmp{clientv3.Compare(clientv3.Value(mark), "=", n.opt.Node)},
			[]clientv3.Op{clientv3.OpDelete(mark)}, nil),
	).Else(clientv3.OpGet(key)).Commit()
	cancel()
	if err != nil {
		n.log.Warn("cannot publish a token file to the cluster yet; retrying", "file", name, "err", err)
		return true
	}
	if resp.Succeeded {
		n.setSynced(name, resp.Header.Revision, h)
		n.log.Info("published to the cluster", "file", name, "refresh", refreshed, "rev", resp.Header.Revision)
		return false
	}
	var cur *remoteValue
	if rr := resp.Responses[0].GetResponseRange(); rr != nil && len(rr.Kvs) > 0 {
		cur = &remoteValue{rev: rr.Kvs[0].ModRevision, value: rr.Kvs[0].Value}
	}
	if fenced && ((cur == nil && s.rev == 0) || (cur != nil && cur.rev == s.rev)) {
		// Only the leadership check failed: nobody changed the file since, so
		// it is published as any local change is (its token is the latest).
		n.log.Warn("leadership lost before a refresh was published; publishing it as a local change", "file", name)
		return n.publishLocked(ctx, name, false)
	}
	if cur == nil {
		return true
	}
	n.log.Warn("cluster conflict: the cluster holds a newer version of the file; keeping it", "file", name)
	return n.applyLocked(name, *cur)
}

// BeginRefresh implements daemon.Cluster: only the leader with a fresh
// lease, and only for the content the cluster holds, and only while no other
// node has a refresh of the file in flight. The in-flight mark it puts (in
// a transaction fenced by the leadership key) keeps a new leader from
// refreshing with the same refresh token after this node died mid-refresh.
func (n *Node) BeginRefresh(name string, hash [32]byte) bool {
	n.mu.Lock()
	s, known := n.synced[name]
	leading, fresh, lk, lr := n.leading, n.freshLocked(), n.leaderKey, n.leaderRev
	n.mu.Unlock()
	if !leading || !fresh || !known || s.hash != hash {
		return false
	}
	key, mark := n.keys.files+name, n.keys.inflight+name
	try := func(markCmp clientv3.Cmp) (bool, string, error) {
		ctx, cancel := n.opCtx(context.Background())
		defer cancel()
		resp, err := n.cli.Txn(ctx).If(
			clientv3.Compare(clientv3.CreateRevision(lk), "=", lr),
			clientv3.Compare(clientv3.ModRevision(key), "=", s.rev),
			markCmp,
		).Then(clientv3.OpPut(mark, n.opt.Node)).Else(clientv3.OpGet(mark)).Commit()
		if err != nil {
			return false, "", err
		}
		holder := ""
		if !resp.Succeeded {
			if rr := resp.Responses[0].GetResponseRange(); rr != nil && len(rr.Kvs) > 0 {
				holder = string(rr.Kvs[0].Value)
			}
		}
		return resp.Succeeded, holder, nil
	}
	ok, holder, err := try(clientv3.Compare(clientv3.Version(mark), "=", 0))
	if err == nil && !ok && holder == n.opt.Node {
		ok, holder, err = try(clientv3.Compare(clientv3.Value(mark), "=", n.opt.Node))
	}
	if err != nil || !ok {
		if holder != "" && holder != n.opt.Node {
			n.mu.Lock()
			first := n.blocked[name] != holder
			n.blocked[name] = holder
			n.mu.Unlock()
			if first {
				n.log.Warn("not refreshing: another node had a refresh of this file in flight and has not published it",
					"file", name, "node", holder)
			}
		}
		return false
	}
	n.mu.Lock()
	delete(n.blocked, name)
	fresh = n.freshLocked() && n.leading
	n.mu.Unlock()
	return fresh
}

// EndRefresh implements daemon.Cluster.
func (n *Node) EndRefresh(name string) {
	if safeName(name) {
		go n.dropMark(context.Background(), name)
	}
}

//go:build cluster

package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Tests against a real etcd, embedded (go.etcd.io/etcd/server/v3/embed).

func freeURL(t *testing.T) url.URL {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	u, _ := url.Parse("http://" + addr)
	return *u
}

// startEtcd runs an embedded single-member etcd and returns its client URL.
func startEtcd(t *testing.T) string {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Dir = t.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	client, peer := freeURL(t), freeURL(t)
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		t.Fatal("embedded etcd did not start")
	}
	return client.String()
}

type testNode struct {
	*Node
	auth   string
	cancel context.CancelFunc
	done   chan struct{}
}

func newKey(t *testing.T) *Key {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cluster.key")
	if _, err := GenerateKey(p); err != nil {
		t.Fatal(err)
	}
	k, err := LoadKey(p)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func startNode(t *testing.T, endpoint, name string, key *Key, auth string) *testNode {
	t.Helper()
	if auth == "" {
		auth = t.TempDir()
	}
	n, err := New(Options{Endpoints: []string{endpoint}, Node: name, LeaseSeconds: 2, Key: key, AuthDir: auth,
		Prefix: "/rc-test/", StateFile: auth + ".state.json", Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tn := &testNode{Node: n, auth: auth, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(tn.done); _ = n.Run(ctx) }()
	t.Cleanup(tn.stop)
	return tn
}

func (tn *testNode) stop() {
	tn.cancel()
	<-tn.done
	_ = tn.Close()
}

type testWriter struct{ t *testing.T }

var logMu sync.Mutex

func (w testWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	if os.Getenv("CLUSTER_TEST_LOG") != "" {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second) // bounds a failure only
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func leaders(nodes ...*testNode) []*testNode {
	var out []*testNode
	for _, n := range nodes {
		if n.MayRefresh() {
			out = append(out, n)
		}
	}
	return out
}

func tokenJSON(at, rt string) []byte {
	return fmt.Appendf(nil, "{\n  \"type\": \"qwen\",\n  \"access_token\": %q,\n  \"refresh_token\": %q,\n  \"expires_at\": %d\n}\n",
		at, rt, time.Now().Add(time.Hour).UnixMilli())
}

func writeFile(t *testing.T, dir, name string, data []byte) [32]byte {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(data)
}

func readFile(dir, name string) []byte {
	b, _ := os.ReadFile(filepath.Join(dir, name))
	return b
}

func TestElectionOneLeaderAndFailover(t *testing.T) {
	ep := startEtcd(t)
	key := newKey(t)
	a, b, c := startNode(t, ep, "a", key, ""), startNode(t, ep, "b", key, ""), startNode(t, ep, "c", key, "")
	waitFor(t, "one leader", func() bool { return len(leaders(a, b, c)) == 1 })
	waitFor(t, "three members", func() bool { return len(a.Info().Members) == 3 })
	first := leaders(a, b, c)[0]
	for _, n := range []*testNode{a, b, c} {
		in := n.Info()
		if n == first && in.Role != RoleLeader || n != first && in.Role != RoleFollower {
			t.Errorf("%s: role %s", in.Node, in.Role)
		}
	}
	waitFor(t, "everyone knows the leader", func() bool {
		return a.Info().Leader == first.opt.Node && b.Info().Leader == first.opt.Node && c.Info().Leader == first.opt.Node
	})
	first.stop()
	if first.MayRefresh() {
		t.Fatal("a stopped node may still refresh")
	}
	rest := []*testNode{}
	for _, n := range []*testNode{a, b, c} {
		if n != first {
			rest = append(rest, n)
		}
	}
	waitFor(t, "a new leader", func() bool { return len(leaders(rest...)) == 1 })
}

func TestReplicationEncryptedAndBothWays(t *testing.T) {
	ep := startEtcd(t)
	key := newKey(t)
	a := startNode(t, ep, "a", key, "")
	// a seeds the cluster from its files; b joins with a stale copy.
	writeFile(t, a.auth, "qwen-1.json", tokenJSON("AT-CLEAR-1", "RT-CLEAR-1"))
	waitFor(t, "a leads", a.MayRefresh)
	a.Changed("qwen-1.json", false)
	bAuth := t.TempDir()
	writeFile(t, bAuth, "qwen-1.json", tokenJSON("AT-OLD", "RT-OLD"))
	b := startNode(t, ep, "b", key, bAuth)
	waitFor(t, "b has a's file", func() bool { return bytes.Equal(readFile(b.auth, "qwen-1.json"), readFile(a.auth, "qwen-1.json")) })

	// A change on the follower (its proxy refreshed) reaches the leader.
	writeFile(t, b.auth, "qwen-1.json", tokenJSON("AT-CLEAR-2", "RT-CLEAR-2"))
	b.Changed("qwen-1.json", false)
	waitFor(t, "a has b's change", func() bool { return bytes.Contains(readFile(a.auth, "qwen-1.json"), []byte("RT-CLEAR-2")) })

	// A login on the follower (a new file) is published too.
	writeFile(t, b.auth, "gemini-cli-new.json", tokenJSON("AT-CLEAR-3", "RT-CLEAR-3"))
	b.Changed("gemini-cli-new.json", false)
	waitFor(t, "a has the new file", func() bool { return bytes.Contains(readFile(a.auth, "gemini-cli-new.json"), []byte("RT-CLEAR-3")) })

	// etcd holds no token in clear.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{ep}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	resp, err := cli.Get(context.Background(), "/rc-test/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) < 2 {
		t.Fatalf("only %d keys in etcd", len(resp.Kvs))
	}
	for _, kv := range resp.Kvs {
		if bytes.Contains(kv.Value, []byte("CLEAR")) || bytes.Contains(kv.Value, []byte("token")) {
			t.Errorf("etcd key %s holds a token in clear", kv.Key)
		}
	}
}

func TestRefreshIsFencedAndRevisionChecked(t *testing.T) {
	ep := startEtcd(t)
	key := newKey(t)
	a := startNode(t, ep, "a", key, "")
	waitFor(t, "a leads", a.MayRefresh)
	b := startNode(t, ep, "b", key, "")
	h := writeFile(t, a.auth, "qwen-1.json", tokenJSON("AT-1", "RT-1"))
	a.Changed("qwen-1.json", false)
	waitFor(t, "b has the file", func() bool { return bytes.Equal(readFile(b.auth, "qwen-1.json"), readFile(a.auth, "qwen-1.json")) })

	// A follower never refreshes; the leader only for the cluster's content.
	if b.BeginRefresh("qwen-1.json", h) {
		t.Fatal("a follower was allowed to refresh")
	}
	if a.BeginRefresh("qwen-1.json", sha256.Sum256([]byte("other content"))) {
		t.Fatal("the leader was allowed to refresh content the cluster does not hold")
	}
	if !a.BeginRefresh("qwen-1.json", h) {
		t.Fatal("the leader was not allowed to refresh")
	}

	// a dies with the refresh in flight (its answer never published): the
	// new leader must not refresh with the same refresh token.
	a.stop()
	waitFor(t, "b leads", b.MayRefresh)
	if b.BeginRefresh("qwen-1.json", sha256.Sum256(readFile(b.auth, "qwen-1.json"))) {
		t.Fatal("the new leader refreshed a file whose refresh was in flight on the dead leader")
	}
	// a comes back with the answer (the core writes its .pending): its
	// publication removes the mark and reaches b.
	a2 := startNode(t, ep, "a", key, a.auth)
	writeFile(t, a2.auth, "qwen-1.json", tokenJSON("AT-2", "RT-2"))
	a2.Changed("qwen-1.json", true)
	waitFor(t, "b has a's answer", func() bool { return bytes.Contains(readFile(b.auth, "qwen-1.json"), []byte("RT-2")) })
	h2 := sha256.Sum256(readFile(b.auth, "qwen-1.json"))
	waitFor(t, "b may refresh again", func() bool { return b.BeginRefresh("qwen-1.json", h2) })

	// A publication against a stale revision loses: the cluster's version wins locally.
	writeFile(t, b.auth, "qwen-1.json", tokenJSON("AT-3", "RT-3"))
	b.Changed("qwen-1.json", true)
	waitFor(t, "a2 has RT-3", func() bool { return bytes.Contains(readFile(a2.auth, "qwen-1.json"), []byte("RT-3")) })
	a2.mu.Lock()
	a2.synced["qwen-1.json"] = syncedFile{rev: 1, hash: a2.synced["qwen-1.json"].hash} // pretend a2 missed a revision
	a2.mu.Unlock()
	writeFile(t, a2.auth, "qwen-1.json", tokenJSON("AT-STALE", "RT-STALE"))
	if retry := a2.publishOne(context.Background(), "qwen-1.json", false); retry {
		t.Fatal("a lost race asked for a retry")
	}
	if got := readFile(a2.auth, "qwen-1.json"); !bytes.Contains(got, []byte("RT-3")) {
		t.Fatalf("the stale local write was kept over the cluster's newer version")
	}
	if bytes.Contains(readFile(b.auth, "qwen-1.json"), []byte("RT-STALE")) {
		t.Fatal("a stale publication reached the leader")
	}
}

func TestLeaderWithoutRenewalStopsRefreshing(t *testing.T) {
	ep := startEtcd(t)
	key := newKey(t)
	a := startNode(t, ep, "a", key, "")
	waitFor(t, "a leads", a.MayRefresh)
	// No renewal for two thirds of the TTL: no refresh, even before the
	// lease could lapse.
	a.mu.Lock()
	a.lastRenew = time.Now().Add(-a.ttl * 2 / 3)
	a.mu.Unlock()
	if a.MayRefresh() || a.BeginRefresh("x.json", [32]byte{}) {
		t.Fatal("a leader without a recent renewal may refresh")
	}
	if a.Info().Role != RoleUnreachable {
		t.Fatalf("role %s, want unreachable", a.Info().Role)
	}
}

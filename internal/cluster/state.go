//go:build cluster

package cluster

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"time"
)

// The node's memory of what each local file and etcd agreed on (revision
// and content hash), kept in <home>/state/cluster.json across restarts: it
// tells a local change made while the daemon was down or cut off (publish
// it) from a stale copy (the cluster's newer value wins). It holds no token,
// only sha256 hashes of whole files.

type stateFile struct {
	Version int                   `json:"version"`
	Files   map[string]stateEntry `json:"files"`
}

type stateEntry struct {
	Rev  int64  `json:"rev"`
	Hash string `json:"sha256"`
}

func (n *Node) loadState() {
	if n.opt.StateFile == "" {
		return
	}
	data, err := os.ReadFile(n.opt.StateFile)
	if err != nil {
		return
	}
	var st stateFile
	if json.Unmarshal(data, &st) != nil || st.Version != 1 {
		n.log.Warn("cluster state unreadable; starting afresh", "path", n.opt.StateFile)
		return
	}
	for name, e := range st.Files {
		b, err := hex.DecodeString(e.Hash)
		if err != nil || len(b) != 32 || !safeName(name) {
			continue
		}
		var h [32]byte
		copy(h[:], b)
		n.synced[name] = syncedFile{rev: e.Rev, hash: h}
	}
}

func (n *Node) saveState() {
	if n.opt.StateFile == "" {
		return
	}
	n.saveMu.Lock()
	defer n.saveMu.Unlock()
	n.mu.Lock()
	if !n.stateDirty {
		n.mu.Unlock()
		return
	}
	n.stateDirty = false
	st := stateFile{Version: 1, Files: make(map[string]stateEntry, len(n.synced))}
	for name, s := range n.synced {
		st.Files[name] = stateEntry{Rev: s.rev, Hash: hex.EncodeToString(s.hash[:])}
	}
	n.mu.Unlock()
	data, _ := json.MarshalIndent(st, "", "  ")
	dir := filepath.Dir(n.opt.StateFile)
	_ = os.MkdirAll(dir, 0o700)
	tmp, err := os.CreateTemp(dir, ".cluster-state-*")
	if err == nil {
		// No fsync: the state must survive the process (a kill), and a
		// crash of the machine only costs a conflict resolved by etcd.
		_, err = tmp.Write(data)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), n.opt.StateFile)
		}
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}
	if err != nil {
		n.log.Warn("cannot save the cluster state", "path", n.opt.StateFile, "err", err)
		n.mu.Lock()
		n.stateDirty = true
		n.mu.Unlock()
	}
}

// saveLoop writes the state a moment after it changed, and at the end.
func (n *Node) saveLoop(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			n.saveState()
			return
		case <-t.C:
			n.saveState()
		}
	}
}

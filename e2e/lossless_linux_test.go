package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The kill test extended to pending answers: SIGKILL between the provider's
// answer and its write (the binary holds there when the test asks), then a
// restart writes the answer from its .pending file, before any refresh.
func TestLosslessKillBetweenAnswerAndWrite(t *testing.T) {
	srv := newRotServer(t, "RT-0-SECRETVALUE")
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, extFile("AT-0-SECRETVALUE", "RT-0-SECRETVALUE", time.Now().Add(5*time.Minute), "user"))
	marker := filepath.Join(h.dir, "held")
	plain := h.extraEnv
	h.extraEnv = append(append([]string(nil), plain...), "ROUTECODEX_TEST_HOLD_AFTER_ANSWER="+marker)
	h.mustRun("token-daemon", "start")
	pid := h.pid()
	eventually(t, 15*time.Second, "the daemon held after the answer", func() bool {
		_, err := os.Stat(marker)
		return err == nil
	})
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)
	if rt := h.readToken(name)["refresh_token"]; rt != "RT-0-SECRETVALUE" {
		t.Fatalf("written before the hold: %v", rt)
	}
	if srv.accepts("RT-0-SECRETVALUE") {
		t.Fatal("the server did not rotate: the test proves nothing")
	}
	fi, err := os.Stat(tokenPending(h, name))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf(".pending after the kill: %v %v", fi, err)
	}

	h.extraEnv = plain
	h.mustRun("token-daemon", "start")
	eventually(t, 10*time.Second, "the answer written from .pending", func() bool {
		rt, _ := h.readToken(name)["refresh_token"].(string)
		return srv.accepts(rt)
	})
	checkChain(t, h, srv, name, "user")
	if r, _ := srv.count(); r != 1 {
		t.Fatalf("%d token requests, want 1: the restart refreshed with a dead token", r)
	}
	if _, err := os.Stat(tokenPending(h, name)); !os.IsNotExist(err) {
		t.Fatalf(".pending left: %v", err)
	}
	if s, reason, _, _ := h.status().token(name); s != "valid" {
		t.Fatalf("status %s %q", s, reason)
	}
	h.mustRun("token-daemon", "stop")
	noSecretsInHome(t, h, srv.tokens()...)
}

// At least 20 s (and 100 daemon writes) of a writer that takes no lock (temp file + rename every 2–20 ms,
// bumping a counter in the file each time) against refreshes on demand:
// no daemon write replaces an external version it did not read (zero
// overwrites of a newer token), with the number of daemon writes reported.
func TestLosslessStressLockFreeWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("20 s stress test")
	}
	srv := newRotServer(t, "RT-0-SECRETVALUE")
	srv.tolerant = true
	h := losslessHome(t)
	h.writeConfig(srv.URL, nil)
	name := "qwen-oauth-1-work.json"
	path := filepath.Join(h.auth, name)
	h.writeToken(name, `{"access_token": "AT-0-SECRETVALUE", "refresh_token": "RT-0-SECRETVALUE", "type": "qwen", "ext_seq": 0}`)
	h.mustRun("token-daemon", "start")
	logStart := len(h.logText())

	const duration = 20 * time.Second
	var stop atomic.Bool
	var extWrites, overwrites, flickers atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the other program
		defer wg.Done()
		rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
		last := 0.0
		read := func() map[string]any {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("read: %v", err)
				return nil
			}
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				t.Errorf("a reader saw a torn file")
				return nil
			}
			return m
		}
		for i := 0; !stop.Load(); i++ {
			m := read()
			if m == nil {
				return
			}
			if m["ext_seq"].(float64) < last {
				// An older version in place: the instant of a swap-back, or
				// an overwrite. A swap-back restores it at once.
				restored := false
				for range 50 {
					time.Sleep(100 * time.Microsecond)
					if m = read(); m == nil {
						return
					}
					if m["ext_seq"].(float64) >= last {
						restored = true
						break
					}
				}
				if restored {
					flickers.Add(1)
				} else {
					overwrites.Add(1)
				}
			}
			last++
			m["ext_seq"] = last
			out, _ := json.Marshal(m)
			tmp := filepath.Join(h.auth, fmt.Sprintf("ext-%d.tmp", i))
			if err := os.WriteFile(tmp, out, 0o600); err != nil {
				t.Errorf("write: %v", err)
				return
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Errorf("rename: %v", err)
				return
			}
			extWrites.Add(1)
			time.Sleep(time.Duration(2+rng.IntN(19)) * time.Millisecond)
		}
	}()
	daemonWrites := func() int {
		log := h.logText()[logStart:]
		return strings.Count(log, "msg=refreshed file="+name) + strings.Count(log, `msg="pending write done" file=`+name)
	}
	// At least 20 s and at least 100 daemon writes: a loaded machine runs
	// longer instead of failing; the bound only ends a run that cannot.
	refreshes, failed, writes := 0, 0, 0
	start := time.Now()
	for time.Since(start) < 3*time.Minute {
		if r := h.run("token-daemon", "refresh", name); r.code != 0 {
			failed++
		}
		refreshes++
		if time.Since(start) >= duration && refreshes%10 == 0 {
			if writes = daemonWrites(); writes >= 100 {
				break
			}
		}
	}
	stop.Store(true)
	wg.Wait()
	writes = daemonWrites()
	t.Logf("%v: %d refreshes on demand (%d not written at once), %d daemon writes, %d external renames; "+
		"%d overwrites of a newer external version, %d momentary swap-backs seen by the reader",
		time.Since(start).Round(time.Second), refreshes, failed, writes, extWrites.Load(), overwrites.Load(), flickers.Load())
	if overwrites.Load() != 0 {
		t.Fatalf("%d newer external versions overwritten", overwrites.Load())
	}
	if writes < 100 {
		t.Fatalf("only %d daemon writes: the race was not exercised", writes)
	}
	h.mustRun("token-daemon", "stop")
	noSecretsInHome(t, h, srv.tokens()...)
}

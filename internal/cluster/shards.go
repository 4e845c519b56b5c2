//go:build cluster

package cluster

import (
	"context"
	"hash/fnv"
	"sync"
	"time"
)

// shards is work by file name, spread over a few goroutines: the work of
// one file runs in order on one goroutine, files run side by side, and a
// file queued twice is done once with the latest item (merge).
type shards struct {
	s     []*shard
	merge func(old, new any) any
}

type shard struct {
	mu      sync.Mutex
	pending map[string]any
	order   []string
	wake    chan struct{}
}

func newShards(n int) *shards {
	ss := &shards{merge: func(old, new any) any { return mergeItems(old, new) }}
	for range n {
		ss.s = append(ss.s, &shard{pending: map[string]any{}, wake: make(chan struct{}, 1)})
	}
	return ss
}

// remoteValue is a value of a file as the watch or a read saw it.
type remoteValue struct {
	rev   int64
	value []byte
}

// mergeItems keeps the newer remote value, and a publication is one of a
// refresh when either was.
func mergeItems(old, new any) any {
	switch o := old.(type) {
	case remoteValue:
		if n, ok := new.(remoteValue); ok && n.rev < o.rev {
			return o
		}
	case bool:
		if n, ok := new.(bool); ok {
			return o || n
		}
	}
	return new
}

func (ss *shards) of(name string) *shard {
	h := fnv.New32a()
	_, _ = h.Write([]byte(name))
	return ss.s[int(h.Sum32()%uint32(len(ss.s)))]
}

// add queues item for name; it never blocks.
func (ss *shards) add(name string, item any) {
	s := ss.of(name)
	s.mu.Lock()
	if old, ok := s.pending[name]; ok {
		s.pending[name] = ss.merge(old, item)
	} else {
		s.pending[name] = item
		s.order = append(s.order, name)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run does the work until ctx ends; work that fails with retry set is
// queued again after a short wait.
func (ss *shards) run(ctx context.Context, do func(ctx context.Context, name string, item any) (retry bool)) {
	var wg sync.WaitGroup
	for _, s := range ss.s {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-s.wake:
				}
				for {
					s.mu.Lock()
					if len(s.order) == 0 {
						s.mu.Unlock()
						break
					}
					name := s.order[0]
					s.order = s.order[1:]
					item := s.pending[name]
					delete(s.pending, name)
					s.mu.Unlock()
					if do(ctx, name, item) && ctx.Err() == nil {
						go func() {
							select {
							case <-ctx.Done():
							case <-time.After(500 * time.Millisecond):
								ss.add(name, item)
							}
						}()
					}
				}
			}
		}()
	}
	wg.Wait()
}

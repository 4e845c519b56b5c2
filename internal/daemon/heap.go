package daemon

import (
	"container/heap"
	"time"
)

// dueHeap orders entries by their next due time so the loop needs one timer
// for the earliest entry instead of a scan of every file.
type dueHeap []*entry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *dueHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *dueHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.index = -1
	*h = old[:n-1]
	return e
}

// set puts e in the heap at due, moves it, or (zero due) takes it out.
func (h *dueHeap) set(e *entry, due time.Time) {
	if due.IsZero() {
		if e.index >= 0 {
			heap.Remove(h, e.index)
		}
		e.due = time.Time{}
		return
	}
	e.due = due
	if e.index >= 0 {
		heap.Fix(h, e.index)
		return
	}
	heap.Push(h, e)
}

// peek returns the earliest entry, nil when empty.
func (h dueHeap) peek() *entry {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}

// popDue removes and returns the entries due at or before now.
func (h *dueHeap) popDue(now time.Time) []*entry {
	var out []*entry
	for len(*h) > 0 && !(*h)[0].due.After(now) {
		out = append(out, heap.Pop(h).(*entry))
	}
	return out
}

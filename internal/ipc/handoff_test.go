package ipc

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/routecodex/token-daemon/internal/daemon"
)

var _ HandoffCore = (*daemon.Daemon)(nil)

type handoffCore struct {
	*fakeCore
	mu  sync.Mutex
	set map[string][32]byte
}

func (h *handoffCore) HandOff(_ context.Context, set map[string][32]byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.set = set
	return nil
}

func TestHandoffRoute(t *testing.T) {
	core := &handoffCore{fakeCore: newFakeCore()}
	r := serve(t, core, nil)
	sum := sha256.Sum256([]byte("x"))
	if err := r.client.Handoff(context.Background(), map[string][32]byte{"a.json": sum}); err != nil {
		t.Fatal(err)
	}
	core.mu.Lock()
	got := core.set["a.json"]
	core.mu.Unlock()
	if got != sum {
		t.Fatalf("the core got %x", got)
	}
	if code, _, body := r.raw(t, http.MethodPost, "/v1/handoff", `{"files":{"a.json":"zz"}}`); code != 400 {
		t.Fatalf("bad hash: %d %s", code, body)
	}
	plain := serve(t, newFakeCore(), nil)
	err := plain.client.Handoff(context.Background(), nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotImplemented {
		t.Fatalf("a core without handoff: %v", err)
	}
}

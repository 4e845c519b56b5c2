package ipc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
)

// brokerCore is a fakeCore that hands out tokens and remembers the requests.
type brokerCore struct {
	*fakeCore
	mu   sync.Mutex
	reqs []daemon.TokenRequest
	err  error
}

func (b *brokerCore) Token(_ context.Context, req daemon.TokenRequest) (daemon.Credential, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reqs = append(b.reqs, req)
	if b.err != nil {
		return daemon.Credential{}, b.err
	}
	return daemon.Credential{File: "qwen-oauth-1-work.json", Provider: "qwen", Token: "AT-SECRETVALUE", TokenType: "Bearer",
		ExpiresAt: testNow.Add(time.Hour)}, nil
}

func TestTokenRoute(t *testing.T) {
	core := &brokerCore{fakeCore: newFakeCore()}
	r := serve(t, core, nil)
	ans, err := r.client.Token(context.Background(), "work", 15*time.Minute)
	if err != nil || ans.Token != "AT-SECRETVALUE" || ans.ExpiresAt != testNow.Add(time.Hour).UTC().Format(time.RFC3339) {
		t.Fatalf("Token: %+v, %v", ans, err)
	}
	req := core.reqs[0]
	if req.Name != "work" || req.MinValid != 15*time.Minute {
		t.Errorf("request %+v", req)
	}
	// The caller is this process, seen through the socket.
	if runtime.GOOS == "linux" {
		exe, _ := os.Executable()
		exe, _ = filepath.EvalSymlinks(exe)
		if req.By.PID != os.Getpid() || req.By.UID != os.Getuid() || req.By.Exe != exe || req.By.ParentPID != os.Getppid() {
			t.Errorf("caller %+v, want pid %d uid %d exe %s", req.By, os.Getpid(), os.Getuid(), exe)
		}
	}

	for _, c := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("x: %w", daemon.ErrNotFound), http.StatusNotFound},
		{&daemon.AmbiguousError{Query: "work", Candidates: []string{"a.json", "b.json"}}, http.StatusConflict},
		{fmt.Errorf("token a.json: %w: no refresh token", daemon.ErrLoginNeeded), http.StatusUnauthorized},
		{fmt.Errorf("token a.json: %w: invalid", daemon.ErrNoToken), http.StatusUnprocessableEntity},
		{fmt.Errorf("token a.json: %w", daemon.ErrStopped), http.StatusServiceUnavailable},
	} {
		core.mu.Lock()
		core.err = c.err
		core.mu.Unlock()
		_, err := r.client.Token(context.Background(), "work", time.Minute)
		var apiErr *APIError
		if !errors.As(err, &apiErr) || apiErr.Status != c.code {
			t.Errorf("%v: got %v, want %d", c.err, err, c.code)
		}
		if (c.code == http.StatusUnauthorized) != IsLoginNeeded(err) {
			t.Errorf("%v: IsLoginNeeded = %v", c.err, IsLoginNeeded(err))
		}
	}
	for _, path := range []string{"/v1/token", "/v1/token?name=work&minValid=soon"} {
		if code, _, _ := r.raw(t, http.MethodGet, path, ""); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", path, code)
		}
	}
	// A core without a broker says so.
	if code, _, _ := serve(t, newFakeCore(), nil).raw(t, http.MethodGet, "/v1/token?name=work", ""); code != http.StatusNotImplemented {
		t.Errorf("no broker: %d", code)
	}
}

func TestParseMinValid(t *testing.T) {
	for in, want := range map[string]time.Duration{"10m": 10 * time.Minute, "90s": 90 * time.Second, "600": 10 * time.Minute, "0": 0} {
		if got, err := ParseMinValid(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "soon", "-5m"} {
		if _, err := ParseMinValid(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

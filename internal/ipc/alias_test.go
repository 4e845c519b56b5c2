package ipc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The real core keeps histories.
var _ HistoryCore = (*daemon.Daemon)(nil)

// historyCore is a fakeCore with refresh histories.
type historyCore struct {
	*fakeCore
	history map[string][]daemon.Attempt
}

func (h *historyCore) History(file string) []daemon.Attempt { return h.history[file] }

func TestHistoryRoute(t *testing.T) {
	core := &historyCore{fakeCore: newFakeCore(), history: map[string][]daemon.Attempt{
		"qwen-oauth-1-work.json": {
			{At: testNow.Add(-time.Hour), Status: tokenfile.StatusExpiring, Error: "qwen: 503 busy"},
			{At: testNow, Manual: true, Status: tokenfile.StatusNeedsReauth, Error: "qwen: invalid_grant"},
		},
	}}
	r := serve(t, core, nil)
	ctx := context.Background()

	h, err := r.client.History(ctx, "qwen-oauth-1-work")
	if err != nil {
		t.Fatal(err)
	}
	want := History{File: "qwen-oauth-1-work.json", Attempts: []Attempt{
		{At: "2026-05-01T11:00:00Z", Status: "expiring", Error: "qwen: 503 busy"},
		{At: "2026-05-01T12:00:00Z", Manual: true, Status: "needs_reauth", Error: "qwen: invalid_grant"},
	}}
	if fmt.Sprint(h) != fmt.Sprint(want) {
		t.Fatalf("history = %+v\nwant %+v", h, want)
	}

	// Never refreshed: an empty list, not null.
	code, _, body := r.raw(t, http.MethodGet, "/v1/history?file=gemini-oauth-1.json", "")
	if code != 200 || string(body) != "{\"file\":\"gemini-oauth-1.json\",\"attempts\":[]}\n" {
		t.Fatalf("empty history: %d %s", code, body)
	}

	tests := []struct {
		name, path string
		code       int
	}{
		{"unknown file", "/v1/history?file=nope.json", 404},
		{"no file", "/v1/history", 404},
		{"by alias is not a file name", "/v1/history?file=work", 404},
		{"wrong method", "/v1/history?file=gemini-oauth-1.json", 405},
	}
	for _, tc := range tests {
		method := http.MethodGet
		if tc.code == 405 {
			method = http.MethodPost
		}
		if code, _, body := r.raw(t, method, tc.path, ""); code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, code, body, tc.code)
		}
	}

	// A core without histories: 501.
	plain := serve(t, newFakeCore(), nil)
	var apiErr *APIError
	if _, err := plain.client.History(ctx, "gemini-oauth-1.json"); !errors.As(err, &apiErr) || apiErr.Status != 501 {
		t.Fatalf("history without support: %v", err)
	}
}

func TestAliasRoute(t *testing.T) {
	type call struct{ file, alias string }
	var (
		mu    sync.Mutex
		calls []call
	)
	setter := func(_ context.Context, file, alias string) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, call{file, alias})
		if alias == "bad" {
			return fmt.Errorf("set alias: %w: nope", ErrBadAlias)
		}
		if alias == "disk" {
			return errors.New("write config: disk full")
		}
		return nil
	}
	r := serve(t, newFakeCore(), func(s *Server) { s.opts.SetAlias = setter })
	ctx := context.Background()

	tests := []struct {
		name, file, alias string
		wantStatus        int // 0: success
		wantCall          *call
	}{
		{"set", "gemini-oauth-1.json", "个人", 0, &call{"gemini-oauth-1.json", "个人"}},
		{"without .json", "gemini-oauth-1", "x", 0, &call{"gemini-oauth-1.json", "x"}},
		{"remove", "gemini-oauth-1.json", "", 0, &call{"gemini-oauth-1.json", ""}},
		{"unknown file", "nope.json", "x", 404, nil},
		{"alias is not a file", "work", "x", 404, nil},
		{"refused alias", "gemini-oauth-1.json", "bad", 400, &call{"gemini-oauth-1.json", "bad"}},
		{"write failure", "gemini-oauth-1.json", "disk", 500, &call{"gemini-oauth-1.json", "disk"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			calls = nil
			mu.Unlock()
			err := r.client.SetAlias(ctx, tc.file, tc.alias)
			var apiErr *APIError
			switch {
			case tc.wantStatus == 0 && err != nil:
				t.Fatalf("SetAlias: %v", err)
			case tc.wantStatus != 0 && (!errors.As(err, &apiErr) || apiErr.Status != tc.wantStatus):
				t.Fatalf("SetAlias: %v, want status %d", err, tc.wantStatus)
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.wantCall == nil && len(calls) != 0 || tc.wantCall != nil && (len(calls) != 1 || calls[0] != *tc.wantCall) {
				t.Fatalf("setter calls %v, want %v", calls, tc.wantCall)
			}
		})
	}
	if code, _, _ := r.raw(t, http.MethodPost, "/v1/alias", `{"file":"gemini-oauth-1.json","alias":"x","extra":1}`); code != 400 {
		t.Errorf("unknown field: %d, want 400", code)
	}

	none := serve(t, newFakeCore(), nil)
	var apiErr *APIError
	if err := none.client.SetAlias(ctx, "gemini-oauth-1.json", "x"); !errors.As(err, &apiErr) || apiErr.Status != 501 {
		t.Fatalf("alias without a setter: %v", err)
	}
}

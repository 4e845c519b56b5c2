package daemon_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

func TestResolve(t *testing.T) {
	states := []daemon.TokenState{
		{File: "qwen-oauth-1-work.json", Alias: "work", Email: "Me@Company.com"},
		{File: "iflow-oauth-1-work.json", Alias: "work", Email: "other@x.com"},
		{File: "gemini-oauth-2-dev.json", Alias: "dev", Email: "me@company.com"},
	}
	tests := []struct {
		query     string
		want      string
		ambiguous bool
		notFound  bool
	}{
		{query: "qwen-oauth-1-work.json", want: "qwen-oauth-1-work.json"},
		{query: "qwen-oauth-1-work", want: "qwen-oauth-1-work.json"},
		{query: "dev", want: "gemini-oauth-2-dev.json"},
		{query: "OTHER@x.com", want: "iflow-oauth-1-work.json"},
		{query: "work", ambiguous: true},
		{query: "me@company.com", ambiguous: true},
		{query: "nobody", notFound: true},
		{query: "", notFound: true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := daemon.Resolve(states, tt.query)
			var amb *daemon.AmbiguousError
			switch {
			case tt.ambiguous:
				if !errors.As(err, &amb) || len(amb.Candidates) != 2 || !strings.Contains(err.Error(), amb.Candidates[1]) {
					t.Fatalf("want ambiguity listing candidates, got %v", err)
				}
			case tt.notFound:
				if !errors.Is(err, daemon.ErrNotFound) {
					t.Fatalf("want ErrNotFound, got %v", err)
				}
			default:
				if err != nil || got.File != tt.want {
					t.Fatalf("got %q, %v; want %q", got.File, err, tt.want)
				}
			}
		})
	}
}

func TestStateOfFixtures(t *testing.T) {
	files, err := tokenfile.Scan(filepath.Join("..", "..", "testdata", "fixtures", "auth"), tokenfile.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		status      tokenfile.Status
		refreshable bool
	}{
		"qwen-oauth-1-default.json": {tokenfile.StatusExpired, true},
		"qwen-oauth-2-static.json":  {tokenfile.StatusStatic, false},
		"broken.json":               {tokenfile.StatusInvalid, false},
		"mystery-provider.json":     {tokenfile.StatusValid, false},
	}
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	seen := 0
	for _, f := range files {
		w, ok := want[f.Name]
		if !ok {
			continue
		}
		seen++
		s := daemon.StateOf(f, now, 30*time.Minute)
		if s.Status != w.status || s.Refreshable != w.refreshable || s.File != f.Name {
			t.Errorf("%s: %s refreshable=%v, want %s %v", f.Name, s.Status, s.Refreshable, w.status, w.refreshable)
		}
	}
	if seen != len(want) {
		t.Fatalf("saw %d of %d fixtures", seen, len(want))
	}
}

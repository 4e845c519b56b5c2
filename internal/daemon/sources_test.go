package daemon_test

import (
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// fakeSources is the Sources port over files held in memory.
type fakeSources struct {
	mu     sync.Mutex
	files  map[string]*tokenfile.File // by name
	writes []string                   // paths written
}

func (s *fakeSources) copyOf(f *tokenfile.File) *tokenfile.File { c := *f; return &c }

func (s *fakeSources) Scan() []*tokenfile.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*tokenfile.File
	for _, f := range s.files {
		out = append(out, s.copyOf(f))
	}
	return out
}

func (s *fakeSources) Load(name string) (*tokenfile.File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !strings.Contains(name, "/") {
		return nil, false
	}
	if f := s.files[name]; f != nil {
		return s.copyOf(f), true
	}
	return nil, true
}

func (s *fakeSources) byPath(path string) *tokenfile.File {
	for _, f := range s.files {
		if f.Path == path {
			return f
		}
	}
	return nil
}

func (s *fakeSources) Read(path string) (*tokenfile.File, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.byPath(path); f != nil {
		return s.copyOf(f), true
	}
	return nil, false
}

func (s *fakeSources) Parse(path string, data []byte) (*tokenfile.File, bool) { return s.Read(path) }

func (s *fakeSources) Write(path string, u tokenfile.Update, ifRT *string) (tokenfile.WriteResult, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.byPath(path)
	if f == nil {
		return tokenfile.WriteResult{}, false, nil
	}
	if ifRT != nil && *ifRT != f.RefreshToken {
		return tokenfile.WriteResult{}, true, tokenfile.ErrConflict
	}
	f.AccessToken, f.ExpiresAt = u.AccessToken, u.ExpiresAt
	if u.RefreshToken != "" {
		f.RefreshToken = u.RefreshToken
	}
	f.Hash = sha256.Sum256([]byte(f.AccessToken))
	s.writes = append(s.writes, path)
	return tokenfile.WriteResult{Hash: f.Hash, Data: []byte("{}")}, true, nil
}

func (s *fakeSources) Pending() map[string]string { return nil }

func sourceFile(name, path, prov string, n int, exp time.Time, watch bool) *tokenfile.File {
	return &tokenfile.File{Name: name, Path: path, Provider: prov, DisplayName: name, Source: strings.Split(name, "/")[0],
		AccessToken: tok("at", n), RefreshToken: tok("rt", n), ExpiresAt: exp, Watch: watch, Login: "tool login",
		Hash: sha256.Sum256([]byte(name + tok("at", n)))}
}

// A source file in auto mode is refreshed and written through the port; a
// watched one is never refreshed, and its expiry is told once, with its
// tool's login.
func TestSourcesThroughThePort(t *testing.T) {
	src := &fakeSources{files: map[string]*tokenfile.File{
		"tool/auto.json":  sourceFile("tool/auto.json", "/elsewhere/auto.json", "qwen", 0, t0.Add(10*time.Minute), false),
		"tool/watch.json": sourceFile("tool/watch.json", "/elsewhere/watch.json", "qwen", 0, t0.Add(10*time.Minute), true),
	}}
	prov := &fakeProvider{name: "qwen"}
	h := newHarness(t, t.TempDir(), setup{provs: providers{"qwen": prov}, sources: src})
	h.waitFor("the auto file refreshed", func() bool { return h.state("tool/auto.json").Status == tokenfile.StatusValid && prov.Calls() == 1 })
	src.mu.Lock()
	writes := append([]string(nil), src.writes...)
	src.mu.Unlock()
	if len(writes) != 1 || writes[0] != "/elsewhere/auto.json" {
		t.Fatalf("writes %v", writes)
	}
	if st := h.state("tool/watch.json"); st.Refreshable || !st.Watch || st.Source != "tool" || st.Login != "tool login" {
		t.Errorf("watched state %+v", st)
	}
	h.advanceTo(t0.Add(11 * time.Minute))
	h.waitFor("the expired notice", func() bool { return h.notes.count(daemon.NoticeExpired) == 1 })
	h.notes.mu.Lock()
	var n daemon.Notice
	for _, x := range h.notes.list {
		if x.Kind == daemon.NoticeExpired {
			n = x
		}
	}
	h.notes.mu.Unlock()
	if n.File != "tool/watch.json" || !n.Watch || n.Login != "tool login" || daemon.ReasonCode(n.Reason) != daemon.ReasonWatchExpired {
		t.Errorf("notice %+v", n)
	}
	for _, f := range prov.Files() {
		if f == "tool/watch.json" {
			t.Error("the watched file was refreshed")
		}
	}
	// A manual refresh of the watched file is refused with its reason.
	res := h.d.Refresh(t.Context(), []string{"tool/watch.json"}, false)
	if len(res) != 1 || res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "watched only") {
		t.Errorf("manual refresh: %+v", res)
	}
	h.advance(time.Hour)
	if c := h.notes.count(daemon.NoticeExpired); c != 1 {
		t.Errorf("%d expired notices, want one", c)
	}
}

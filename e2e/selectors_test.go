package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// providerServer answers qwen's refresh (rotating) and counts every
// request by provider path, so that a test sees which providers were asked.
type providerServer struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int // "qwen", "iflow", "gemini-cli", …
	seq  int
}

func newProviderServer(t *testing.T) *providerServer {
	s := &providerServer{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
		s.mu.Lock()
		s.hits[p]++
		s.seq++
		seq := s.seq
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if p != "qwen" {
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(`{"error":"server_error"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"access_token": fmt.Sprintf("QWEN-AT-N%d-SECRETVALUE", seq), "refresh_token": fmt.Sprintf("QWEN-RT-N%d-SECRETVALUE", seq),
			"token_type": "Bearer", "expires_in": 21600,
		})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *providerServer) counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.hits {
		out[k] = v
	}
	return out
}

// mixedFiles: providers and statuses side by side.
func mixedFiles(h *home) {
	soon := time.Now().Add(10 * time.Minute)
	far := time.Now().Add(50 * time.Hour)
	h.writeToken("qwen-oauth-1-a.json", qwenFile("QWEN-AT-A-SECRETVALUE", "QWEN-RT-A-SECRETVALUE", far))
	h.writeToken("qwen-oauth-2-b.json", qwenFile("QWEN-AT-B-SECRETVALUE", "QWEN-RT-B-SECRETVALUE", soon))
	h.writeToken("qwen-oauth-3-dead.json", fmt.Sprintf(`{"access_token":"QWEN-AT-D-SECRETVALUE","expires_at":%d,"type":"qwen"}`, time.Now().Add(-time.Hour).UnixMilli()))
	h.writeToken("iflow-oauth-1-c.json", fmt.Sprintf(`{"access_token":"IFLOW-AT-SECRETVALUE","refresh_token":"IFLOW-RT-SECRETVALUE","expires_at":%d,"type":"iflow"}`, soon.UnixMilli()))
	h.writeToken("gemini-oauth-1-d.json", fmt.Sprintf(`{"access_token":"GEM-AT-SECRETVALUE","refresh_token":"GEM-RT-SECRETVALUE","expiry_date":%d,"type":"gemini-cli"}`, far.UnixMilli()))
	h.writeToken("broken.json", `{"access_token":`)
}

func listNames(t *testing.T, h *home, args ...string) []string {
	t.Helper()
	r := h.mustRun(append([]string{"token-daemon", "list", "--json"}, args...)...)
	var l struct {
		Tokens []struct {
			File   string `json:"file"`
			Health struct {
				Score int    `json:"score"`
				Grade string `json:"grade"`
			} `json:"health"`
		} `json:"tokens"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatalf("list --json: %v\n%s", err, r.stdout)
	}
	names := []string{}
	for _, tk := range l.Tokens {
		if tk.Health.Grade == "" {
			t.Errorf("%s has no health in list --json", tk.File)
		}
		names = append(names, tk.File)
	}
	return names
}

// Issue 12: selectors over mixed fixtures, without and with a daemon;
// `refresh --provider qwen` sends requests only for qwen files.
func TestSelectorsOverMixedFiles(t *testing.T) {
	srv := newProviderServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"autoRefresh": map[string]any{"enabled": false}})
	mixedFiles(h)

	for _, mode := range []string{"files", "daemon"} {
		if mode == "daemon" {
			h.mustRun("token-daemon", "start")
		}
		t.Run(mode, func(t *testing.T) {
			for _, c := range []struct {
				args []string
				want []string
			}{
				{[]string{"--provider", "qwen"}, []string{"qwen-oauth-1-a.json", "qwen-oauth-2-b.json", "qwen-oauth-3-dead.json"}},
				{[]string{"--status", "expiring,invalid"}, []string{"broken.json", "iflow-oauth-1-c.json", "qwen-oauth-2-b.json"}},
				{[]string{"--status", "needs_reauth", "--provider", "qwen"}, []string{"qwen-oauth-3-dead.json"}},
				{[]string{"--expiring", "--within", "1h", "--provider", "iflow"}, []string{"iflow-oauth-1-c.json"}},
				{[]string{"--health-below", "50"}, []string{"broken.json", "qwen-oauth-3-dead.json"}},
				{[]string{"--health-below", "50", "--sort", "health"}, []string{"broken.json", "qwen-oauth-3-dead.json"}},
				{[]string{"a", "qwen-oauth-2-b"}, []string{"qwen-oauth-1-a.json", "qwen-oauth-2-b.json"}},
			} {
				if got := listNames(t, h, c.args...); !slices.Equal(got, c.want) {
					t.Errorf("list %v: %v, want %v", c.args, got, c.want)
				}
			}
		})
	}

	before := srv.counts()
	r := h.run("token-daemon", "refresh", "--provider", "qwen")
	if r.code != 0 {
		t.Fatalf("refresh --provider qwen: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	after := srv.counts()
	// The two refreshable qwen files, nothing else (the dead one has no
	// refresh token; iflow and gemini are not asked).
	if after["qwen"]-before["qwen"] != 2 {
		t.Errorf("qwen requests: %d, want 2", after["qwen"]-before["qwen"])
	}
	for p, n := range after {
		if p != "qwen" && n != before[p] {
			t.Errorf("refresh --provider qwen sent %d requests to %s", n-before[p], p)
		}
	}
	if strings.Count(r.stdout, "\n") != 2 || !strings.Contains(r.stdout, "qwen-oauth-1-a.json") || !strings.Contains(r.stdout, "qwen-oauth-2-b.json") {
		t.Errorf("refresh output, want one line for each refreshed qwen file:\n%s", r.stdout)
	}
	if got := h.readToken("qwen-oauth-1-a.json")["refresh_token"]; !strings.HasPrefix(got.(string), "QWEN-RT-N") {
		t.Errorf("qwen-oauth-1-a.json not refreshed: %v", got)
	}

	// Bad selectors: one sentence, nothing sent.
	r = h.run("token-daemon", "refresh", "--status", "bogus")
	if r.code == 0 || !strings.Contains(r.stderr, `unknown status "bogus"`) {
		t.Errorf("refresh --status bogus: exit %d, %q", r.code, r.stderr)
	}
	if r := h.run("token-daemon", "refresh", "--provider", "antigravity"); r.code != 0 || !strings.Contains(r.stdout, "no token can be refreshed") {
		t.Errorf("refresh of an empty selection: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if got := srv.counts(); got["qwen"] != after["qwen"] {
		t.Errorf("bad or empty selections sent requests: %v", got)
	}
	noSecrets(t, "daemon log", h.logText(), "QWEN-AT-A-SECRETVALUE", "QWEN-RT-A-SECRETVALUE", "GEM-RT-SECRETVALUE")
}

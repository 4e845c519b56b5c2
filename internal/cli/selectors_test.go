package cli

import (
	"reflect"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/health"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The pure part of the selectors, over a daemon's list (statuses that only a
// running daemon knows, the refresh record and usage).
func TestSelectorSelect(t *testing.T) {
	now := fixedNow
	states := []daemon.TokenState{
		{File: "qwen-oauth-1-a.json", Provider: "qwen", Alias: "a", Status: tokenfile.StatusValid, ExpiresAt: now.Add(5 * time.Hour), Refreshable: true, Health: health.Report{Score: 100}},
		{File: "qwen-oauth-2-b.json", Provider: "qwen", Email: "b@x.test", Status: tokenfile.StatusRefreshFailed, Refreshable: true, Failures: 3, Health: health.Report{Score: 30}},
		{File: "iflow-oauth-1-c.json", Provider: "iflow", Status: tokenfile.StatusMissing, Health: health.Report{Score: 30}},
		{File: "iflow-oauth-2-d.json", Provider: "iflow", Status: tokenfile.StatusRefreshing, ExpiresAt: now.Add(time.Minute), Refreshable: true, Health: health.Report{Score: 90}},
		{File: "gemini-oauth-1-e.json", Provider: "gemini-cli", Status: tokenfile.StatusNeedsReauth, Refreshable: true,
			Usage: daemon.Usage{Last24h: 4, Last7d: 9}, Health: health.Report{Score: 12}},
	}
	s := &Settings{Config: &config.TokenDaemon{}, Lang: i18n.EN}
	tests := []struct {
		name string
		sel  Selector
		want []string
	}{
		{"nothing given: every token", Selector{}, []string{"qwen-oauth-1-a.json", "qwen-oauth-2-b.json", "iflow-oauth-1-c.json", "iflow-oauth-2-d.json", "gemini-oauth-1-e.json"}},
		{"alias and email, in the order given", Selector{Names: []string{"B@X.test", "a"}}, []string{"qwen-oauth-2-b.json", "qwen-oauth-1-a.json"}},
		{"daemon statuses", Selector{Statuses: []string{"missing", "refresh_failed", "refreshing"}}, []string{"qwen-oauth-2-b.json", "iflow-oauth-1-c.json", "iflow-oauth-2-d.json"}},
		{"expiring keeps what stopped working", Selector{Expiring: true}, []string{"qwen-oauth-2-b.json", "iflow-oauth-1-c.json", "gemini-oauth-1-e.json"}},
		{"expiring within 2m", Selector{Expiring: true, Within: "2m", Provider: "iflow"}, []string{"iflow-oauth-1-c.json"}},
		{"health below 50", Selector{HealthBelow: 50}, []string{"qwen-oauth-2-b.json", "iflow-oauth-1-c.json", "gemini-oauth-1-e.json"}},
		{"health below 13", Selector{HealthBelow: 13}, []string{"gemini-oauth-1-e.json"}},
		{"health below 101: every token", Selector{HealthBelow: 101}, []string{"qwen-oauth-1-a.json", "qwen-oauth-2-b.json", "iflow-oauth-1-c.json", "iflow-oauth-2-d.json", "gemini-oauth-1-e.json"}},
		{"all and a provider", Selector{All: true, Provider: "qwen"}, []string{"qwen-oauth-1-a.json", "qwen-oauth-2-b.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sel.Select(s, states, now)
			if err != nil {
				t.Fatal(err)
			}
			files := []string{}
			for _, st := range got {
				files = append(files, st.File)
			}
			if !reflect.DeepEqual(files, tt.want) {
				t.Errorf("got  %v\nwant %v", files, tt.want)
			}
		})
	}
	if _, err := (&Selector{Names: []string{"nope"}}).Select(s, states, now); err == nil || err.Error() != "no token file matches “nope”" {
		t.Errorf("unknown name: %v", err)
	}
}

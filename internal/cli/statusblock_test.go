package cli

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/ipc"
)

// Issue 10 point 2: the status block line by line as the plan prints it,
// in both languages, the watched dir under the home written with "~".
func TestStatusBlockAsThePlanPrintsIt(t *testing.T) {
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{"🌙 Token Refresh Daemon 运行中", "PID: 12345", "📁 监控目录: ~/.routecodex/auth/", ""}},
		{"en", []string{"🌙 Token Refresh Daemon running", "PID: 12345", "📁 Watched dir: ~/.routecodex/auth/", ""}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			f, te := newTestFactory(t, nil, "")
			authDir := filepath.Join(f.Env.UserHome, ".routecodex", "auth")
			f.DaemonStatus = func(context.Context, config.Paths) (*ipc.Status, error) {
				return &ipc.Status{Daemon: ipc.DaemonInfo{Running: true, PID: 12345, AuthDir: authDir, WebURL: "http://127.0.0.1:38421"}, Tokens: []ipc.TokenDetail{}}, nil
			}
			if err := run(t, f, "token-daemon", "status", "--lang", tc.lang); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(te.out.String(), "\n")
			if len(lines) < len(tc.want) {
				t.Fatalf("output:\n%s", te.out.String())
			}
			for i, want := range tc.want {
				if lines[i] != want {
					t.Errorf("line %d: %q, want %q", i+1, lines[i], want)
				}
			}
			if !strings.Contains(te.out.String(), "http://127.0.0.1:38421") {
				t.Errorf("the web page is not shown:\n%s", te.out.String())
			}
		})
	}
}

func TestAbbreviateHome(t *testing.T) {
	for _, c := range []struct{ dir, home, want string }{
		{"/home/u/.routecodex/auth", "/home/u", "~/.routecodex/auth/"},
		{"/home/u/.routecodex/auth/", "/home/u/", "~/.routecodex/auth/"},
		{"/home/user2/auth", "/home/u", "/home/user2/auth/"},
		{"/srv/auth", "", "/srv/auth/"},
		{"/home/u", "/home/u", "~/"},
	} {
		if got := abbreviateHome(filepath.Clean(c.dir), c.home); got != c.want {
			t.Errorf("abbreviateHome(%q, %q) = %q, want %q", c.dir, c.home, got, c.want)
		}
	}
}

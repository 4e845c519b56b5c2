//go:build linux

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/dbustest"
)

// The misconfiguration notice on a desktop bus, full body, both languages:
// "fix the configuration" (never "retrying later"), and the env names and
// config keys it tells the user to set stay whole (point 8).
func TestMisconfigurationNotificationKeepsItsInstructions(t *testing.T) {
	for _, tt := range []struct{ lang, head, reason, fix, tail string }{
		{"en", "⚙️ Token refresh failed - fix the configuration", "Reason: ", "Fix: check the client id and secret: env ROUTECODEX_GEMINI_CLI_CLIENT_ID and ROUTECODEX_GEMINI_CLI_CLIENT_SECRET or ROUTECODEX_GEMINI_CLI_GOOGLE_CLIENT_SECRET, tokenDaemon.providers.gemini-cli.clientId and .clientSecret in config.json, or ", " — the daemon tries again once the configuration changes"},
		// The fix in the user's language, the names in it whole (issue 10 point 4).
		{"zh", "⚙️ Token 刷新失败 - 请修正配置", "原因：", "修正：请检查 client id 和 secret：环境变量 ROUTECODEX_GEMINI_CLI_CLIENT_ID 和 ROUTECODEX_GEMINI_CLI_CLIENT_SECRET 或 ROUTECODEX_GEMINI_CLI_GOOGLE_CLIENT_SECRET、config.json 中的 tokenDaemon.providers.gemini-cli.clientId 与 .clientSecret，或 ", "（配置修改后守护进程会自动重试）"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			bus := dbustest.StartBus(t)
			desktop := dbustest.StartNotifications(t, bus)
			srv := newGoogleTokenServer(t, "never", 401, `{"error":"invalid_client","error_description":"The OAuth client was not found."}`)
			h := newHome(t)
			h.extraEnv = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}
			h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off", "language": tt.lang})
			name := "gemini-cli-oauth-1-dev.json"
			h.writeToken(name, geminiToken(time.Now().Add(5*time.Minute)))
			h.mustRun("token-daemon", "start")
			n := desktop.WaitFor(t, name)
			clients := filepath.Join(h.auth, "oauth-clients.local.json")
			want := strings.Join([]string{
				tt.head,
				map[string]string{"en": "File: ", "zh": "文件："}[tt.lang] + name,
				map[string]string{"en": "Account: ", "zh": "账号："}[tt.lang] + "dev (dev@gmail.com)",
				tt.reason + "gemini-cli: invalid_client: The OAuth client was not found. (HTTP 401)",
				tt.fix + clients + tt.tail,
			}, "\n")
			if n.Body != want {
				t.Errorf("body\n got %q\nwant %q", n.Body, want)
			}
			if strings.Contains(n.Body, "ROUT…") || strings.Contains(n.Body, "retry") && tt.lang == "en" && !strings.Contains(n.Body, "tries again once") {
				t.Errorf("garbled or misleading body %q", n.Body)
			}
			h.mustRun("token-daemon", "stop")
			if got := len(desktop.Received()); got != 1 {
				t.Errorf("%d notifications, want 1", got)
			}
		})
	}
}

// With autoRefresh.enabled=false, a token that has expired still tells
// the user once, and is not refreshed (point 10).
func TestAutoRefreshOffExpiredTokenNotifiesOnce(t *testing.T) {
	bus := dbustest.StartBus(t)
	desktop := dbustest.StartNotifications(t, bus)
	srv := newQwenServer(t, "Q-RT-SECRETVALUE")
	h := newHome(t)
	h.extraEnv = []string{"DBUS_SESSION_BUS_ADDRESS=" + bus}
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off",
		"autoRefresh": map[string]any{"enabled": false}})
	name := "qwen-oauth-1-home.json"
	h.writeToken(name, qwenFile("Q-AT-SECRETVALUE", "Q-RT-SECRETVALUE", time.Now().Add(-time.Minute)))
	h.mustRun("token-daemon", "start")
	n := desktop.WaitFor(t, name)
	want := "⏰ Token expired - automatic refresh is off\nFile: " + name + "\nAccount: home (e2e@example.com)\nRefresh: routecodex token-daemon refresh qwen-oauth-1-home"
	if n.Body != want {
		t.Errorf("body\n got %q\nwant %q", n.Body, want)
	}
	// A restart does not tell it again (the notice is remembered).
	h.mustRun("token-daemon", "stop")
	h.mustRun("token-daemon", "start")
	h.mustRun("token-daemon", "status")
	h.mustRun("token-daemon", "stop")
	if got := len(desktop.Received()); got != 1 {
		t.Errorf("%d notifications, want exactly 1", got)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.requests != 0 {
		t.Errorf("%d refreshes with autoRefresh off", srv.requests)
	}
}

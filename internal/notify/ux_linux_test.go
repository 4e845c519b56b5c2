//go:build linux

package notify

import (
	"testing"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// The notices of issue 10 on a private bus, full body text, both
// languages: a misconfiguration says "fix the configuration" (not
// "retrying later") and keeps the env names it tells the user to set
// whole; an expiry with automatic refresh off names the refresh command.
func TestDBusInstructionsStayWhole(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr)
	const f = "gemini-cli-oauth-1-work.json"
	fix := "check the client id and secret: env ROUTECODEX_GEMINI_CLI_CLIENT_ID and ROUTECODEX_GEMINI_CLI_CLIENT_SECRET or ROUTECODEX_GEMINI_CLI_GOOGLE_CLIENT_SECRET, tokenDaemon.providers.gemini-cli.clientId and .clientSecret in config.json, or /home/u/.routecodex/auth/oauth-clients.local.json"
	reason := "gemini-cli: invalid_client: The OAuth client was not found. (HTTP 401)"
	misconf := daemon.Notice{Kind: daemon.NoticeMisconfigured, File: f, Reason: reason, Fix: fix}
	secret := daemon.Notice{Kind: daemon.NoticeMisconfigured, File: "qwen-oauth-2.json",
		Reason: "qwen: no client secret (ROUTECODEX_QWEN_CLIENT_SECRET=sk-5f2b9c1e8d7a4b3c6e0f1a2b3c4d5e6f rejected)", Fix: "set env ROUTECODEX_QWEN_CLIENT_SECRET"}
	expired := daemon.Notice{Kind: daemon.NoticeExpired, File: "qwen-oauth-3-home.json", Reason: "automatic refresh is off"}
	tests := []struct {
		lang i18n.Lang
		n    daemon.Notice
		body string
	}{
		{i18n.EN, misconf, "⚙️ Token refresh failed - fix the configuration\nFile: " + f + "\nReason: " + reason +
			"\nFix: " + fix + " — the daemon tries again once the configuration changes"},
		{i18n.ZH, misconf, "⚙️ Token 刷新失败 - 请修正配置\n文件：" + f + "\n原因：" + reason +
			"\n修正：" + fix + "（配置修改后守护进程会自动重试）"},
		{i18n.EN, secret, "⚙️ Token refresh failed - fix the configuration\nFile: qwen-oauth-2.json" +
			"\nReason: qwen: no client secret (ROUTECODEX_QWEN_CLIENT_SECRET=sk-5… rejected)" +
			"\nFix: set env ROUTECODEX_QWEN_CLIENT_SECRET — the daemon tries again once the configuration changes"},
		{i18n.EN, expired, "⏰ Token expired - automatic refresh is off\nFile: qwen-oauth-3-home.json\nRefresh: routecodex token-daemon refresh qwen-oauth-3-home"},
		{i18n.ZH, expired, "⏰ Token 已过期 - 自动刷新已关闭\n文件：qwen-oauth-3-home.json\n手动刷新：routecodex token-daemon refresh qwen-oauth-3-home"},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang)+" "+string(tt.n.Kind), func(t *testing.T) {
			srv.reset()
			d := newBusDesktop(t, Options{Lang: tt.lang})
			d.Notify(tt.n)
			calls := srv.recorded()
			if len(calls) != 1 {
				t.Fatalf("%d calls", len(calls))
			}
			if calls[0].Body != tt.body {
				t.Errorf("body\n got %q\nwant %q", calls[0].Body, tt.body)
			}
		})
	}
}

// A reload of config.json changes the language and the popups of the
// running notifier.
func TestDBusReconfigure(t *testing.T) {
	addr := startBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	srv := startServer(t, addr)
	d := newBusDesktop(t, Options{Lang: i18n.EN})
	d.Reconfigure(Settings{Lang: i18n.ZH, ShowPopup: true})
	d.Notify(notice(daemon.NoticeNeedsReauth, "qwen-a.json"))
	if calls := srv.recorded(); len(calls) != 1 || calls[0].Body[:len("⚠️ Token 失效")] != "⚠️ Token 失效" {
		t.Fatalf("after switching to zh: %+v", calls)
	}
	d.Reconfigure(Settings{Lang: i18n.ZH, ShowPopup: false})
	d.Notify(notice(daemon.NoticeMissing, "qwen-a.json"))
	if calls := srv.recorded(); len(calls) != 1 {
		t.Fatalf("popups off, still %d calls", len(calls))
	}
	d.Reconfigure(Settings{Lang: i18n.EN, ShowPopup: true})
	d.Notify(notice(daemon.NoticeMissing, "qwen-b.json"))
	if calls := srv.recorded(); len(calls) != 2 {
		t.Fatalf("popups on again: %d calls", len(calls))
	}
}

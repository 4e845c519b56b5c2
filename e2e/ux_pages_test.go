package e2e

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// sendAcceptLanguage makes the browser send header as Accept-Language.
func sendAcceptLanguage(header string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders,
			network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": header}})
		return err
	})
}

func textOf(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// The real daemon's pages in headless Chromium, with no language in
// config.json: each follows the browser's Accept-Language (zh, then en).
// The auth page as the plan draws it, the login, the success page, the
// accounts page and the dashboard; screenshots in testdata/artifacts
// (points 3 and 5).
func TestPagesInTheBrowsersLanguage(t *testing.T) {
	for _, tt := range []struct {
		lang, accept                                             string
		title, summary, button, hint, success, updated, closeMsg string
		back, accounts, dashboard                                string
	}{
		{"zh", "zh-CN,zh;q=0.9", "🌙 Routecodex Token 认证", "Refresh Token 已过期", "🔐 使用 Google 账号登录",
			"💡 提示: 认证完成后 Token 文件将自动更新", "✅ 认证成功", "🎉 Token 已更新!", "此窗口可以关闭，Daemon 已恢复监控",
			"返回终端", "RouteCodex 账号", "RouteCodex 令牌控制台"},
		{"en", "en-US,en;q=0.9", "🌙 Routecodex Token Authentication", "Refresh Token expired or revoked",
			"🔐 Sign in with your Google account", "💡 Tip: once you have signed in, the token file is updated automatically",
			"✅ Authentication succeeded", "🎉 Token updated!", "You can close this window; the daemon is monitoring again.",
			"Back to the terminal", "RouteCodex accounts", "RouteCodex token dashboard"},
	} {
		t.Run(tt.lang, func(t *testing.T) {
			ctx := headless(t)
			idp := fakeGoogle(t, "dev@gmail.com") // refreshes get invalid_grant
			h := newHome(t)
			h.writeConfig(idp.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off", "language": nil})
			name := "gemini-cli-oauth-1-dev.json"
			h.writeToken(name, geminiToken(time.Now().Add(10*time.Minute)))
			h.mustRun("token-daemon", "start")
			eventually(t, 10*time.Second, "needs_reauth", func() bool {
				st, _, _, _ := h.status().token(name)
				return st == "needs_reauth"
			})
			ui := h.uiURL()
			u, _ := url.Parse(ui)
			base := u.Scheme + "://" + u.Host

			// The dashboard (the secret in the URL gives the session cookie).
			if err := chromedp.Do(ctx, sendAcceptLanguage(tt.accept), chromedp.Navigate(ui)); err != nil {
				t.Fatal(err)
			}
			if err := waitJS(ctx, 10*time.Second, `document.querySelectorAll("#rows tr").length > 0`); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "e2e-dashboard-"+tt.lang+".png")
			if got := textOf(t, ctx, "h1"); got != tt.dashboard {
				t.Errorf("dashboard title %q, want %q", got, tt.dashboard)
			}

			// The auth page.
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/auth/"+name), chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "e2e-auth-"+tt.lang+".png")
			for css, want := range map[string]string{"h1": tt.title, "#summary": tt.summary, "#login": tt.button, "#hint": tt.hint, "#file": name} {
				if got := textOf(t, ctx, css); got != want {
					t.Errorf("auth page %s: %q, want %q", css, got, want)
				}
			}
			// The login at the (local) provider, then the success page.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("success"))); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "e2e-success-"+tt.lang+".png")
			for css, want := range map[string]string{"#success h1": tt.success, "#updated": tt.updated, "#file": name,
				"#account": "dev@gmail.com", "#close-hint": tt.closeMsg, "#back": tt.back} {
				if got := textOf(t, ctx, css); got != want {
					t.Errorf("success page %s: %q, want %q", css, got, want)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("back")), chromedp.WaitVisible(chromedp.ID("close-by-hand"))); err != nil {
				t.Fatal(err)
			}

			// The accounts page.
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
				t.Fatal(err)
			}
			screenshot(t, ctx, "e2e-accounts-"+tt.lang+".png")
			if got := textOf(t, ctx, "h1"); got != tt.accounts {
				t.Errorf("accounts title %q, want %q", got, tt.accounts)
			}
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
			if strings.Contains(html, "LOGIN-AT-SECRETVALUE") || strings.Contains(html, "G-RT-1-SECRETVALUE") {
				t.Error("a token on the accounts page")
			}
			h.mustRun("token-daemon", "stop")
		})
	}
}

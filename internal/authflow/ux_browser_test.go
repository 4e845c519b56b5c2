package authflow

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// acceptLanguage makes the browser send header as Accept-Language.
func acceptLanguage(header string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.SetExtraHTTPHeaders,
			network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": header}})
		return err
	})
}

// pageText is the visible text of the page.
func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// attr is an attribute of the first element that matches css.
func attr(t *testing.T, ctx context.Context, css, name string) string {
	t.Helper()
	a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(css), name))
	if err != nil {
		t.Fatal(err)
	}
	return a.Value
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The auth and success pages as the plan draws them, in the language the
// browser asks for (no language configured): title, target file, account,
// status with the reason, the provider's login button, the tip; then the
// success page with its "back to the terminal" button, which says the tab
// can be closed where a script may not close it.
func TestBrowserPlanPages(t *testing.T) {
	type want struct {
		title, file, account, status, summary, button, hint         string
		success, updated, closeHint, back, byHand, htmlLang, detail string
	}
	for _, tt := range []struct {
		accept string
		w      want
	}{
		{"zh-CN,zh;q=0.9,en;q=0.8", want{
			title: "🌙 Routecodex Token 认证", file: "📄 目标文件", account: "👤 账号", status: "📊 状态",
			summary: "Refresh Token 已过期", button: "🔐 使用 Google 账号登录", hint: "💡 提示: 认证完成后 Token 文件将自动更新",
			success: "✅ 认证成功", updated: "🎉 Token 已更新!", closeHint: "此窗口可以关闭，Daemon 已恢复监控",
			back: "返回终端", byHand: "请手动关闭", htmlLang: "zh-CN", detail: "invalid_grant",
		}},
		{"en-US,en;q=0.9", want{
			title: "🌙 Routecodex Token Authentication", file: "📄 Target file", account: "👤 Account", status: "📊 Status",
			summary: "Refresh Token expired or revoked", button: "🔐 Sign in with your Google account",
			hint:    "💡 Tip: once you have signed in, the token file is updated automatically",
			success: "✅ Authentication succeeded", updated: "🎉 Token updated!",
			closeHint: "You can close this window; the daemon is monitoring again.", back: "Back to the terminal",
			byHand: "close it yourself", htmlLang: "en", detail: "invalid_grant",
		}},
	} {
		t.Run(tt.w.htmlLang, func(t *testing.T) {
			ctx := browser(t)
			e := newEnvWith(t, i18n.EN, func(o *Options) { o.Language = i18n.NewSetting("", i18n.EN) })
			e.core.override = map[string]daemon.TokenState{geminiFile: {Status: tokenfile.StatusNeedsReauth,
				Reason: "gemini-cli: invalid_grant: Token has been expired or revoked. (HTTP 400)"}}
			if err := chromedp.Do(ctx, acceptLanguage(tt.accept),
				chromedp.Navigate(e.base+"/auth/"+geminiFile+"?k="+testSecret),
				chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
				t.Fatal(err)
			}
			shot(t, ctx, "plan-auth-"+tt.w.htmlLang+".png")
			page := pageText(t, ctx)
			for _, s := range []string{tt.w.title, tt.w.file, tt.w.account, tt.w.status, tt.w.hint, geminiFile, "dev (dev@gmail.com)"} {
				if !strings.Contains(page, s) {
					t.Errorf("auth page lacks %q:\n%s", s, page)
				}
			}
			if got := text(t, ctx, "summary"); got != tt.w.summary {
				t.Errorf("summary %q, want %q", got, tt.w.summary)
			}
			if got := text(t, ctx, "detail"); !strings.Contains(got, tt.w.detail) {
				t.Errorf("detail %q", got)
			}
			if got := text(t, ctx, "login"); got != tt.w.button {
				t.Errorf("button %q, want %q", got, tt.w.button)
			}
			if lang := attr(t, ctx, "html", "lang"); lang != tt.w.htmlLang {
				t.Errorf("html lang %q", lang)
			}

			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("success"))); err != nil {
				t.Fatal(err)
			}
			if got := text(t, ctx, "success"); !strings.HasPrefix(got, tt.w.success) {
				t.Errorf("success page starts %q, want %q", got, tt.w.success)
			}
			if got := text(t, ctx, "updated"); got != tt.w.updated {
				t.Errorf("headline %q", got)
			}
			if f, a := text(t, ctx, "file"), text(t, ctx, "account"); f != geminiFile || a != "dev@gmail.com" {
				t.Errorf("file %q account %q", f, a)
			}
			if got := text(t, ctx, "close-hint"); got != tt.w.closeHint {
				t.Errorf("close hint %q", got)
			}
			if got := text(t, ctx, "back"); got != tt.w.back {
				t.Errorf("back button %q", got)
			}
			shot(t, ctx, "plan-success-"+tt.w.htmlLang+".png")
			// The tab was not opened by a script: it stays, and says so.
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("back")), chromedp.WaitVisible(chromedp.ID("close-by-hand"))); err != nil {
				t.Fatal(err)
			}
			if got := text(t, ctx, "close-by-hand"); !strings.Contains(got, tt.w.byHand) {
				t.Errorf("close-by-hand %q", got)
			}
			shot(t, ctx, "plan-success-back-"+tt.w.htmlLang+".png")
			noSecrets(t, pageHTML(t, ctx))

			if err := chromedp.Do(ctx, chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
				t.Fatal(err)
			}
			shot(t, ctx, "plan-accounts-"+tt.w.htmlLang+".png")
			if lang := attr(t, ctx, "html", "lang"); lang != tt.w.htmlLang {
				t.Errorf("accounts page html lang %q", lang)
			}
		})
	}
}

// A tab the page's own script opened is closed by "back to the terminal".
func TestBrowserBackClosesAScriptOpenedTab(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, i18n.ZH)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/auth/"+geminiFile+"?k="+testSecret),
		chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("success"))); err != nil {
		t.Fatal(err)
	}
	// Open the success page in a window of our own, click back, and see it gone.
	closed, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(resolve => {
		const w = window.open(location.href);
		w.addEventListener("load", () => {
			w.document.getElementById("back").click();
			setTimeout(() => resolve(w.closed), 500);
		});
	})`, chromedp.EvalAwaitPromise, func(p *runtime.EvaluateParams) { gesture := true; p.UserGesture = &gesture }))
	if err != nil {
		t.Fatal(err)
	}
	if !closed {
		t.Error("a script-opened success tab stayed open after 'back to the terminal'")
	}
}

// A configured language wins over the browser's; without one the page
// follows Accept-Language, and answers vary by it.
func TestPagesFollowAcceptLanguage(t *testing.T) {
	for _, tt := range []struct {
		configured i18n.Lang
		accept     string
		want       string
	}{
		{"", "zh-CN,zh;q=0.9", "🌙 Routecodex Token 认证"},
		{"", "en-GB,en;q=0.8,zh;q=0.5", "🌙 Routecodex Token Authentication"},
		{"", "fr-FR,de;q=0.9", "🌙 Routecodex Token Authentication"}, // the locale's (en)
		{"", "fr, zh;q=0.3", "🌙 Routecodex Token 认证"},
		{i18n.EN, "zh-CN", "🌙 Routecodex Token Authentication"},
		{i18n.ZH, "en-US", "🌙 Routecodex Token 认证"},
	} {
		e := newEnvWith(t, i18n.EN, func(o *Options) { o.Language = i18n.NewSetting(tt.configured, i18n.EN) })
		c := e.client()
		e.do(c, http.MethodGet, "/auth/"+geminiFile+"?k="+testSecret, nil) // the cookie
		req, _ := http.NewRequest(http.MethodGet, e.base+"/auth/"+geminiFile, nil)
		req.Header.Set("Accept-Language", tt.accept)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		if !strings.Contains(body, "<h1>"+tt.want+"</h1>") {
			t.Errorf("configured %q, Accept-Language %q: page lacks %q", tt.configured, tt.accept, tt.want)
		}
		if v := resp.Header.Values("Vary"); !slices.Contains(v, "Accept-Language") {
			t.Errorf("Vary %v", v)
		}
	}
}

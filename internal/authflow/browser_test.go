package authflow

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/routecodex/token-daemon/internal/browsertest"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// browser starts a headless Chromium for the test, or skips (fails under
// CI=true) when there is none.
func browser(t *testing.T) context.Context {
	return browsertest.Start(t, 1000, 760, 60*time.Second)
}

// shot saves a screenshot to testdata/artifacts (gitignored).
func shot(t *testing.T, ctx context.Context, name string) {
	browsertest.Screenshot(t, ctx, filepath.Join("..", "..", "testdata", "artifacts"), name)
}

func pageHTML(t *testing.T, ctx context.Context) string {
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	return html
}

func TestBrowserAuthorizationCode(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, i18n.ZH)
	var account, button string
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/auth/"+geminiFile+"?k="+testSecret),
		chromedp.WaitVisible(chromedp.ID("login")),
	)
	if err != nil {
		t.Fatal(err)
	}
	button = text(t, ctx, "login")
	shot(t, ctx, "auth-zh.png")
	if button != "🔐 使用 Google 账号登录" {
		t.Errorf("button %q", button)
	}
	if url, err := chromedp.Run(ctx, chromedp.Location()); err != nil || strings.Contains(url, "k=") {
		t.Errorf("the secret stayed in the URL")
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("success")),
	)
	if err != nil {
		t.Fatal(err)
	}
	account = text(t, ctx, "account")
	shot(t, ctx, "success-zh.png")
	noSecrets(t, pageHTML(t, ctx))
	if account != "dev@gmail.com" {
		t.Errorf("account %q", account)
	}
	m := e.readJSON(geminiFile)
	if m["access_token"] != newAccess || m["project_id"] != "fixture-project-123" || m["disabled"] != false {
		t.Errorf("file after browser login: %v", keys(m))
	}

	// The index page, for a look.
	if err := chromedp.Do(ctx, chromedp.Navigate(e.base+"/"), chromedp.WaitVisible(chromedp.CSS("main"))); err != nil {
		t.Fatal(err)
	}
	shot(t, ctx, "index-zh.png")
}

func TestBrowserDenied(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, i18n.ZH)
	e.idp.set(func(p *fakeIdP) { p.deny = true })
	var reason string
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/auth/"+geminiFile+"?k="+testSecret),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("error")),
	)
	if err != nil {
		t.Fatal(err)
	}
	reason = text(t, ctx, "reason")
	shot(t, ctx, "error-zh.png")
	if !strings.Contains(reason, "拒绝") {
		t.Errorf("reason %q", reason)
	}
	// Retry goes back to the auth page.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("retry")), chromedp.WaitVisible(chromedp.ID("login"))); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserDeviceFlow(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, i18n.ZH)
	const file = "qwen-oauth-1-default.json"
	p, err := e.srv.Login(context.Background(), LoginRequest{File: file})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	if err := chromedp.Do(ctx,
		chromedp.Navigate(p.URL),
		chromedp.WaitVisible(chromedp.ID("user-code")),
	); err != nil {
		t.Fatal(err)
	}
	code = text(t, ctx, "user-code")
	shot(t, ctx, "device-zh.png")
	if code != "QWEN-4242" {
		t.Errorf("user code %q", code)
	}
	e.idp.set(func(p *fakeIdP) { p.approved = true }) // the user approves after seeing the page
	var fileShown string
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("success")),
	); err != nil {
		t.Fatal(err)
	}
	fileShown = text(t, ctx, "file")
	if fileShown != file {
		t.Errorf("success names %q", fileShown)
	}
	if o := <-p.Done; o.Err != nil {
		t.Errorf("outcome %+v", o)
	}
	if m := e.readJSON(file); m["access_token"] != newAccess {
		t.Error("qwen file not updated")
	}
}

func TestBrowserAccountMismatch(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, i18n.ZH)
	e.idp.set(func(p *fakeIdP) { p.email = "other@gmail.com" })
	var newAcc string
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.base+"/auth/"+geminiFile+"?k="+testSecret),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("mismatch")),
	)
	if err != nil {
		t.Fatal(err)
	}
	newAcc = text(t, ctx, "new-account")
	shot(t, ctx, "mismatch-zh.png")
	if newAcc != "other@gmail.com" {
		t.Errorf("new account %q", newAcc)
	}
	if m := e.readJSON(geminiFile); m["access_token"] == newAccess {
		t.Fatal("mismatched login overwrote the file")
	}
	var fileShown string
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("save-new")),
		chromedp.WaitVisible(chromedp.ID("success")),
	)
	if err != nil {
		t.Fatal(err)
	}
	fileShown = text(t, ctx, "file")
	shot(t, ctx, "saved-new-zh.png")
	if fileShown != "gemini-oauth-4.json" {
		t.Errorf("new file %q", fileShown)
	}
	if m := e.readJSON("gemini-oauth-4.json"); m["email"] != "other@gmail.com" || m["access_token"] != newAccess {
		t.Errorf("new file %v", keys(m))
	}
}

// text reads the text of the element with id.
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
	if err != nil {
		t.Fatalf("text of #%s: %v", id, err)
	}
	return s
}

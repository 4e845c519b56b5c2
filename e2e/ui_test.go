package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/routecodex/token-daemon/internal/browsertest"
)

// headless starts a headless Chromium for the test, or skips (fails under
// CI=true) when there is none.
func headless(t *testing.T) context.Context {
	return browsertest.Start(t, 1400, 900, 120*time.Second)
}

// screenshot saves the page to testdata/artifacts (gitignored).
func screenshot(t *testing.T, ctx context.Context, name string) {
	browsertest.Screenshot(t, ctx, filepath.Join("..", "testdata", "artifacts"), name)
}

// copyFixtures copies testdata/fixtures/auth into the home's auth dir and
// returns every token value found in the JSON files, for leak checks.
func (h *home) copyFixtures() []string {
	h.t.Helper()
	src := filepath.Join("..", "testdata", "fixtures", "auth")
	entries, err := os.ReadDir(src)
	if err != nil {
		h.t.Fatal(err)
	}
	var secrets []string
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			h.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h.auth, e.Name()), data, 0o600); err != nil {
			h.t.Fatal(err)
		}
		var m map[string]any
		if json.Unmarshal(data, &m) == nil {
			for k, v := range m {
				k = strings.ToLower(k)
				if s, ok := v.(string); ok && len(s) > 8 && (strings.Contains(k, "token") || strings.Contains(k, "key") || strings.Contains(k, "secret")) {
					secrets = append(secrets, s)
				}
			}
		}
	}
	return secrets
}

// uiURL runs `token-daemon ui --no-browser` and returns the URL it prints.
func (h *home) uiURL() string {
	h.t.Helper()
	r := h.mustRun("token-daemon", "ui", "--no-browser")
	for _, f := range strings.Fields(r.stdout) {
		if strings.HasPrefix(f, "http://127.0.0.1:") && strings.Contains(f, "/ui?k=") {
			return f
		}
	}
	h.t.Fatalf("ui printed no URL: %q", r.stdout)
	return ""
}

// rowStatuses are the file → status pairs of the dashboard's rows.
func rowStatuses(t *testing.T, ctx context.Context) map[string]string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll("#rows tr")].map(tr => [tr.dataset.file, tr.dataset.status]))`))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func waitJS(ctx context.Context, within time.Duration, expr string) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(25*time.Millisecond)))
	return err
}

// The web dashboard of the real daemon in a real headless Chromium: the
// fixtures with their statuses (zh and en), a refresh by the daemon shown
// live, "refresh now", "set alias" into config.json, the details page with
// the refresh history, and actions refused without the session cookie.
func TestWebDashboard(t *testing.T) {
	ctx := headless(t)
	const uiFile = "qwen-oauth-9-ui.json"
	srv := newQwenServer(t, "UI-RT-0-SECRETVALUE")
	h := newHome(t)
	secrets := append(h.copyFixtures(), "UI-AT-0-SECRETVALUE", "UI-RT-0-SECRETVALUE")
	h.writeToken(uiFile, qwenFile("UI-AT-0-SECRETVALUE", "UI-RT-0-SECRETVALUE", time.Now().Add(240*time.Hour)))
	port := freePort(t)
	// Automatic refresh off: the fixtures keep the statuses of their
	// content, and the only refreshes are the ones this test asks for.
	config := func(lang string) {
		h.writeConfig(srv.URL, map[string]any{
			"callbackPorts": []int{port}, "language": lang, "autoRefresh": map[string]any{"enabled": false},
		})
	}

	var expected map[string]json.RawMessage
	data, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", "expected-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &expected); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{uiFile: "valid"}
	for file, raw := range expected {
		if strings.HasPrefix(file, "_") {
			continue
		}
		var e struct{ Status string }
		_ = json.Unmarshal(raw, &e)
		want[file] = e.Status
	}

	openDashboard := func(lang string) {
		t.Helper()
		u := h.uiURL()
		if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(ctx, 10*time.Second, `document.querySelectorAll("#rows tr").length > 0 && document.getElementById("live").classList.contains("on")`); err != nil {
			t.Fatalf("%s dashboard did not load: %v", lang, err)
		}
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		if strings.Contains(loc, "k=") || !strings.HasSuffix(loc, "/ui") {
			t.Errorf("address bar after login: %q, want /ui without the secret", loc)
		}
		if got := rowStatuses(t, ctx); !reflect.DeepEqual(got, want) {
			t.Errorf("%s dashboard statuses:\n got %v\nwant %v", lang, got, want)
		}
	}

	// zh first.
	config("zh")
	h.mustRun("token-daemon", "start")
	openDashboard("zh")
	zh, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-file="iflow-oauth-1-work.json"] td.status`)))
	if !strings.Contains(zh, "有效") {
		t.Errorf("zh status cell %q", zh)
	}
	screenshot(t, ctx, "ui-dashboard-zh.png")
	h.mustRun("token-daemon", "stop")

	// Then en, where the actions are tried.
	config("en")
	before, _ := os.ReadFile(filepath.Join(h.dir, "config.json"))
	h.mustRun("token-daemon", "start")
	openDashboard("en")
	en, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-file="iflow-oauth-1-work.json"] td.status`)))
	if !strings.Contains(en, "valid") {
		t.Errorf("en status cell %q", en)
	}
	row := `document.querySelector('tr[data-file="` + uiFile + `"]')`

	// A refresh by the daemon (asked from the command line) shows without
	// a reload, within 2 s.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.__noReload = true`)); err != nil {
		t.Fatal(err)
	}
	h.mustRun("token-daemon", "refresh", uiFile)
	refreshed := time.Now()
	if err := waitJS(ctx, 2*time.Second, row+`.dataset.lastRefresh !== ""`); err != nil {
		t.Fatalf("the refreshed row did not change within 2 s: %v", err)
	}
	t.Logf("row updated %v after the refresh command returned", time.Since(refreshed).Round(time.Millisecond))
	first, _ := chromedp.Run(ctx, chromedp.Evaluate[string](row+`.dataset.lastRefresh`))
	if still, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload === true`)); !still {
		t.Error("the page was reloaded")
	}

	// "Refresh now" on the row: the token server gets the request and the
	// row shows the new refresh.
	srv.mu.Lock()
	n := srv.requests
	srv.mu.Unlock()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`tr[data-file="`+uiFile+`"] button.refresh`))); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the token server to get the refresh", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return srv.requests == n+1
	})
	if err := waitJS(ctx, 5*time.Second, row+`.dataset.lastRefresh !== "`+first+`" && `+row+`.dataset.status === "valid"`); err != nil {
		// lastRefreshAt has a one-second resolution: a click in the same
		// second as the first refresh leaves it equal.
		if at := h.readToken(uiFile)["access_token"]; at != "QWEN-AT-2-SECRETVALUE" {
			t.Fatalf("refresh now: row unchanged (%v) and file has %v", err, at)
		}
	}
	if toast, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("toast"))); !strings.Contains(toast, "Refreshed: "+uiFile) {
		t.Errorf("toast after refresh now: %q", toast)
	}

	// "Set alias": written into config.json, shown in the row.
	const alias = "界面 UI"
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](row+`.querySelector("button.alias").click()`)); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, 5*time.Second, `document.getElementById("alias-dialog").open`); err != nil {
		screenshot(t, ctx, "ui-alias-failed.png")
		t.Fatalf("alias dialog did not open: %v", err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("alias-input"), alias),
		chromedp.Click(chromedp.ID("alias-save")),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, 5*time.Second, row+`.querySelector(".display").textContent.startsWith("`+alias+` (")`); err != nil {
		t.Fatalf("alias not shown: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(h.dir, "config.json"))
	var cfgBefore, cfgAfter map[string]any
	_ = json.Unmarshal(before, &cfgBefore)
	if err := json.Unmarshal(after, &cfgAfter); err != nil {
		t.Fatalf("config.json after set alias: %v\n%s", err, after)
	}
	td := cfgAfter["tokenDaemon"].(map[string]any)
	if got := td["aliases"].(map[string]any)[uiFile]; got != alias {
		t.Errorf("config aliases[%s] = %v", uiFile, got)
	}
	delete(td, "aliases")
	if !reflect.DeepEqual(cfgBefore, cfgAfter) || !reflect.DeepEqual(topLevelKeys(t, before), topLevelKeys(t, after)) {
		t.Errorf("set alias changed more than tokenDaemon.aliases:\nbefore %s\nafter %s", before, after)
	}
	if !strings.HasPrefix(string(after), strings.TrimRight(string(before), "\n} ")) {
		t.Errorf("the bytes before the new alias changed:\nbefore %s\nafter %s", before, after)
	}
	screenshot(t, ctx, "ui-dashboard-en.png")
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	noSecrets(t, "dashboard", html, append(secrets, srv.issuedTokens()...)...)

	// The details page: state and refresh history (two manual refreshes).
	base := strings.TrimSuffix(h.status().Daemon.WebURL, "/")
	err = chromedp.Do(ctx, chromedp.Navigate(base+"/ui/token/"+uiFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, 5*time.Second, `document.querySelectorAll("#history-rows tr").length === 2`); err != nil {
		t.Fatalf("details page history: %v", err)
	}
	name, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("name")))
	if !strings.HasPrefix(name, alias) {
		t.Errorf("details title %q", name)
	}
	screenshot(t, ctx, "ui-details-en.png")
	html, _ = chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	noSecrets(t, "details page", html, append(secrets, srv.issuedTokens()...)...)

	// Actions without the session cookie, or without the CSRF token: 403.
	resp, err := http.Post(base+"/ui/api/refresh", "application/json", strings.NewReader(`{"all":true}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST without cookie: %d, want 403", resp.StatusCode)
	}
	code, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`fetch("/ui/api/alias", {method: "POST", headers: {"Content-Type": "application/json"}, body: '{"file":"`+uiFile+`","alias":"x"}'}).then(r => r.status)`,
		chromedp.EvalAwaitPromise))
	if err != nil || code != http.StatusForbidden {
		t.Errorf("POST with cookie but without CSRF token: %d (%v), want 403", code, err)
	}
	srv.mu.Lock()
	if srv.requests != n+1 {
		t.Errorf("token server got %d requests, want %d", srv.requests, n+1)
	}
	srv.mu.Unlock()
	noSecrets(t, "daemon log", h.logText(), append(secrets, srv.issuedTokens()...)...)
}

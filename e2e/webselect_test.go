package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Issue 12 points 2 and 4 in the web UI: the health score with its grade
// colour on the dashboard and its factors on the details page; several
// rows selected and refreshed, then logged in again in one tab.
func TestWebHealthAndSelection(t *testing.T) {
	ctx := headless(t)
	srv := newQwenServer(t, "QWEN-RT-A-SECRETVALUE", "QWEN-RT-B-SECRETVALUE")
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "autoRefresh": map[string]any{"enabled": false}})
	far := time.Now().Add(50 * time.Hour)
	h.writeToken("qwen-oauth-1-a.json", qwenFile("QWEN-AT-A-SECRETVALUE", "QWEN-RT-A-SECRETVALUE", far))
	h.writeToken("qwen-oauth-2-b.json", qwenFile("QWEN-AT-B-SECRETVALUE", "QWEN-RT-B-SECRETVALUE", far))
	for i := 1; i <= 2; i++ {
		h.writeToken(fmt.Sprintf("gemini-oauth-%d-dead.json", i),
			fmt.Sprintf(`{"access_token":"DEAD-AT-%d-SECRETVALUE","expires_at":1577836800000,"email":"dead%d@gmail.com"}`, i, i))
	}
	h.mustRun("token-daemon", "start")
	if err := chromedp.Do(ctx, chromedp.Navigate(h.uiURL())); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, 10*time.Second, `document.querySelectorAll("#rows tr").length === 4 && document.getElementById("live").classList.contains("on")`); err != nil {
		t.Fatal(err)
	}
	grades, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll("#rows tr")].map(tr => [tr.dataset.file, tr.querySelector(".health").className + " " + tr.querySelector(".health").textContent]))`))
	if err != nil {
		t.Fatal(err)
	}
	if g := grades["qwen-oauth-1-a.json"]; g != "health grade-healthy 100 healthy" {
		t.Errorf("healthy row: %q", g)
	}
	if g := grades["gemini-oauth-1-dead.json"]; !strings.HasPrefix(g, "health grade-critical ") || !strings.HasSuffix(g, " critical") {
		t.Errorf("dead row: %q", g)
	}

	pick := func(file string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`tr[data-file="`+file+`"] input.pick`))); err != nil {
			t.Fatal(err)
		}
	}
	pick("qwen-oauth-1-a.json")
	pick("qwen-oauth-2-b.json")
	screenshot(t, ctx, "web-selection.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("refresh-selected"))); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "both selected qwen files to be refreshed", func() bool { return len(srv.issuedTokens()) == 4 })
	if err := waitJS(ctx, 10*time.Second, `document.getElementById("toast").textContent.includes("qwen-oauth-1-a.json, qwen-oauth-2-b.json")`); err != nil {
		t.Errorf("no toast for the selection: %v", err)
	}

	// Unselect the qwen rows, select the dead ones, log them in again.
	pick("qwen-oauth-1-a.json")
	pick("qwen-oauth-2-b.json")
	pick("gemini-oauth-1-dead.json")
	pick("gemini-oauth-2-dead.json")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("relogin-selected"))); err != nil {
		t.Fatal(err)
	}
	if err := waitNav(ctx, 10*time.Second, `(document.getElementById("progress")||{}).textContent === "1 / 2" && document.getElementById("file").textContent === "gemini-oauth-1-dead.json"`); err != nil {
		html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
		t.Fatalf("no queue page for the selection: %v\n%s", err, html)
	}
	screenshot(t, ctx, "web-relogin-queue.png")

	// The details page: score, grade and factors.
	base := strings.SplitN(h.status().Daemon.WebURL, "?", 2)[0]
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/ui/token/gemini-oauth-1-dead.json")); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, 10*time.Second, `document.querySelectorAll("#factors li.factor").length > 0`); err != nil {
		t.Fatal(err)
	}
	factors, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("factors")))
	if !strings.Contains(factors, "-70 status: needs_reauth") {
		t.Errorf("factors: %q", factors)
	}
	screenshot(t, ctx, "web-health-details.png")
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	noSecrets(t, "the details page", html, "DEAD-AT-1-SECRETVALUE", "QWEN-RT-A-SECRETVALUE")
}

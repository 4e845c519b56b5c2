package e2e

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Export and import in the web dashboard, in a real headless Chromium:
// the export downloads an encrypted bundle of every account (no token in
// clear), the other home's dashboard imports it (dry run first, then for
// real) and the files arrive byte for byte; the actions need the CSRF
// token like every other.
func TestWebExportImport(t *testing.T) {
	ctx := headless(t)
	srv := newQwenServer(t)
	a, b := newHome(t), newHome(t)
	now := time.Now()
	a.writeToken("qwen-oauth-1-web.json", qwenAccount("web@example.com", "WEB-RT-SECRETVALUE", now.Add(48*time.Hour)))
	a.writeToken("qwen-oauth-2-two.json", qwenAccount("two@example.com", "TWO-RT-SECRETVALUE", now.Add(72*time.Hour)))
	off := map[string]any{"autoRefresh": map[string]any{"enabled": false}}
	off["callbackPorts"] = []int{freePort(t)}
	a.writeConfig(srv.URL, off)
	off["callbackPorts"] = []int{freePort(t)}
	b.writeConfig(srv.URL, off)
	a.mustRun("token-daemon", "start")
	b.mustRun("token-daemon", "start")

	open := func(h *home) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(h.uiURL())); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(ctx, 10*time.Second, `document.getElementById("live").classList.contains("on") && !!document.getElementById("export-form")`); err != nil {
			t.Fatalf("dashboard did not load: %v", err)
		}
	}

	// Export from A: the blob the page hands to the browser's download.
	open(a)
	hook := `window.__blobs = []; (function(){ var o = URL.createObjectURL; URL.createObjectURL = function(b){ window.__blobs.push(b); return o.call(URL, b); }; })()`
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](hook),
		chromedp.SendKeys(chromedp.CSS("#export-pass"), "web passphrase"),
		chromedp.SendKeys(chromedp.CSS("#export-pass2"), "web passphrase"),
		chromedp.Click(chromedp.CSS("#export")),
	); err != nil {
		t.Fatal(err)
	}
	if err := waitJS(ctx, 30*time.Second, `window.__blobs.length > 0 && !document.getElementById("export-result").hidden`); err != nil {
		res, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("export-result").textContent`))
		t.Fatalf("no download: %v (%s)", err, res)
	}
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new Promise(function(r){ var f = new FileReader(); f.onload = function(){ r(f.result.split(",")[1]); }; f.readAsDataURL(window.__blobs[0]); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := base64.StdEncoding.DecodeString(b64)
	if !bytes.HasPrefix(data, []byte("age-encryption.org/v1")) {
		t.Fatalf("the download is no age file: %.40q", data)
	}
	noSecrets(t, "the downloaded bundle", string(data), "WEB-RT-SECRETVALUE", "TWO-RT-SECRETVALUE", "web@example.com")
	notes, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("export-result").textContent`))
	if !strings.Contains(notes, "2 file(s) exported") || !strings.Contains(notes, "fork") {
		t.Errorf("export result: %q", notes)
	}
	bundlePath := filepath.Join(t.TempDir(), "web.age")
	if err := os.WriteFile(bundlePath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "ui-export.png")

	// A POST without the CSRF token is refused.
	code, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`fetch("/ui/api/export", {method: "POST", credentials: "same-origin", headers: {"Content-Type": "application/json"}, body: JSON.stringify({all: true, passphrase: "x"})}).then(function(r){ return r.status; })`, chromedp.EvalAwaitPromise))
	if code != 403 {
		t.Errorf("export without the CSRF token: %d, want 403", code)
	}

	// Import into B: a wrong passphrase, a dry run, then the import.
	open(b)
	importWith := func(pass string, dry bool) string {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Evaluate[chromedp.Void](`document.getElementById("import-result").hidden = true; document.getElementById("import-pass").value = ""; document.getElementById("import-dry").checked = `+map[bool]string{true: "true", false: "false"}[dry]),
			chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{bundlePath}),
			chromedp.SendKeys(chromedp.CSS("#import-pass"), pass),
			chromedp.Click(chromedp.CSS("#import")),
		); err != nil {
			t.Fatal(err)
		}
		if err := waitJS(ctx, 30*time.Second, `!document.getElementById("import-result").hidden`); err != nil {
			t.Fatalf("no import result: %v", err)
		}
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("import-result").textContent`))
		return s
	}
	before := tree(t, b.auth)
	if got := importWith("not it", false); !strings.Contains(got, "wrong passphrase or key; nothing was written") {
		t.Errorf("wrong passphrase: %q", got)
	}
	if got := importWith("web passphrase", true); !strings.Contains(got, "dry run") || !strings.Contains(got, "qwen-oauth-1-web.json: new here") {
		t.Errorf("dry run: %q", got)
	}
	sameTree(t, "a refused or dry import", before, tree(t, b.auth))
	got := importWith("web passphrase", false)
	screenshot(t, ctx, "ui-import.png")
	for _, name := range []string{"qwen-oauth-1-web.json", "qwen-oauth-2-two.json"} {
		if !bytes.Equal(a.file(name), b.file(name)) {
			t.Errorf("%s not imported byte for byte: %q", name, got)
		}
	}
	if err := waitJS(ctx, 10*time.Second, `!!document.querySelector('tr[data-file="qwen-oauth-2-two.json"]')`); err != nil {
		t.Errorf("the imported token does not show on the dashboard: %v", err)
	}
	audit, _ := os.ReadFile(filepath.Join(b.dir, "logs", "token-audit.jsonl"))
	if strings.Count(string(audit), `"event":"import"`) != 2 {
		t.Errorf("audit after the web import:\n%s", audit)
	}
}

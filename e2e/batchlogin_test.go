package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// fakeGoogleByHint signs in whoever the login_hint names: each account of
// a batch logs in as its own file's email.
func fakeGoogleByHint(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /gemini-cli/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "PKCE required", http.StatusBadRequest)
			return
		}
		back := q.Get("redirect_uri") + "?code=" + url.QueryEscape("CODE:"+q.Get("login_hint")) + "&state=" + url.QueryEscape(q.Get("state"))
		http.Redirect(w, r, back, http.StatusFound)
	})
	mux.HandleFunc("POST /gemini-cli/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		email, ok := strings.CutPrefix(r.PostForm.Get("code"), "CODE:")
		if r.PostForm.Get("grant_type") != "authorization_code" || !ok || r.PostForm.Get("code_verifier") == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "BATCH-AT-" + email + "-SECRETVALUE",
			"refresh_token": "BATCH-RT-SECRETVALUE", "expires_in": 3599, "token_type": "Bearer"})
	})
	mux.HandleFunc("GET /gemini-cli/userinfo", func(w http.ResponseWriter, r *http.Request) {
		at := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		email, ok := strings.CutPrefix(strings.TrimSuffix(at, "-SECRETVALUE"), "BATCH-AT-")
		if !ok {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"email": email})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// waitNav is waitJS across navigations: a page that navigates away while
// the condition is polled is asked again, until within.
func waitNav(ctx context.Context, within time.Duration, expr string) error {
	deadline := time.Now().Add(within)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("%s still false", expr)
			}
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Issue 12 point 4: `login --status needs_reauth` in one Chromium tab:
// three dead accounts, the second skipped, the other two logged in, their
// files updated, a line per account, exit code 1 for the skip.
func TestBatchReloginInChromium(t *testing.T) {
	ctx := headless(t)
	idp := fakeGoogleByHint(t)
	h := newHome(t)
	h.writeConfig(idp.URL, map[string]any{"callbackPorts": []int{freePort(t)}})
	dead := []string{"gemini-oauth-1-a.json", "gemini-oauth-2-b.json", "gemini-oauth-3-c.json"}
	for i, name := range dead {
		h.writeToken(name, fmt.Sprintf(`{"access_token":"OLD-AT-%d-SECRETVALUE","expires_at":1577836800000,"email":"user%d@gmail.com","project_id":"p%d"}`, i, i, i))
	}
	// A healthy account the selection leaves alone.
	h.writeToken("gemini-oauth-4-ok.json", fmt.Sprintf(`{"access_token":"OK-AT-SECRETVALUE","refresh_token":"OK-RT-SECRETVALUE","expires_at":%d,"email":"ok@gmail.com"}`,
		time.Now().Add(5*time.Hour).UnixMilli()))
	h.mustRun("token-daemon", "start")

	cmd := execBinary(h, "token-daemon", "login", "--status", "needs_reauth", "--no-browser")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pageURL := ""
	sc := bufio.NewScanner(stderr)
	var errText strings.Builder
	for sc.Scan() {
		errText.WriteString(sc.Text() + "\n")
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "http://127.0.0.1:") {
			pageURL = line
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	if pageURL == "" || !strings.Contains(pageURL, "/batch/") {
		t.Fatalf("login printed no queue page: %q", errText.String())
	}
	if !strings.Contains(errText.String(), "3 accounts to log in") {
		t.Errorf("stderr does not announce the batch: %q", errText.String())
	}

	text := func(id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("#%s: %v", id, err)
		}
		return strings.TrimSpace(s)
	}
	waitQueue := func(n string, file string) {
		t.Helper()
		if err := waitNav(ctx, 20*time.Second, fmt.Sprintf(`(document.getElementById("progress")||{}).textContent === %q && (document.getElementById("file")||{}).textContent === %q`, n, file)); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("queue page at %s %s: %v\n%s", n, file, err, html)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	waitQueue("1 / 3", dead[0])
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "k=") {
		t.Errorf("the secret stays in the address bar: %s", loc)
	}
	screenshot(t, ctx, "batch-1-of-3.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login"))); err != nil {
		t.Fatal(err)
	}
	waitQueue("2 / 3", dead[1])
	if !strings.Contains(text("queue"), "user0@gmail.com") {
		t.Errorf("the queue does not show the first login: %q", text("queue"))
	}
	screenshot(t, ctx, "batch-2-of-3.png")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("skip"))); err != nil {
		t.Fatal(err)
	}
	waitQueue("3 / 3", dead[2])
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("login"))); err != nil {
		t.Fatal(err)
	}
	if err := waitNav(ctx, 20*time.Second, `!!document.getElementById("batch-done")`); err != nil {
		t.Fatalf("no summary: %v", err)
	}
	screenshot(t, ctx, "batch-done.png")
	if s := text("summary"); !strings.Contains(s, "2 logged in, 1 not") {
		t.Errorf("summary %q", s)
	}

	err = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	if err == nil || code != 1 {
		t.Errorf("login exit code %d (%v), want 1 for the skipped account", code, err)
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	want := []string{"✅ " + dead[0] + ": logged in as user0@gmail.com", "⏭️ " + dead[1] + ": skipped", "✅ " + dead[2] + ": logged in as user2@gmail.com"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("login output:\n%s\nwant:\n%s", stdout.String(), strings.Join(want, "\n"))
	}
	for i, name := range dead {
		tok := h.readToken(name)
		updated := tok["access_token"] == fmt.Sprintf("BATCH-AT-user%d@gmail.com-SECRETVALUE", i)
		if updated != (i != 1) {
			t.Errorf("%s: access token %v (updated %v)", name, tok["access_token"], updated)
		}
		if tok["project_id"] != fmt.Sprintf("p%d", i) {
			t.Errorf("%s lost its project_id: %v", name, tok["project_id"])
		}
	}
	if tok := h.readToken("gemini-oauth-4-ok.json"); tok["access_token"] != "OK-AT-SECRETVALUE" {
		t.Errorf("the healthy account was touched: %v", tok["access_token"])
	}
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	noSecrets(t, "the queue page", html, "BATCH-AT-user0@gmail.com-SECRETVALUE", "BATCH-RT-SECRETVALUE", "OLD-AT-1-SECRETVALUE")
	noSecrets(t, "the daemon log", h.logText(), "BATCH-AT-user0@gmail.com-SECRETVALUE", "BATCH-RT-SECRETVALUE", "OLD-AT-0-SECRETVALUE")
}

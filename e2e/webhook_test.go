package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookSink is a local webhook receiver recording JSON posts.
type hookSink struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []map[string]any
	status int
}

func newHookSink(t *testing.T, status int) *hookSink {
	s := &hookSink{status: status}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Errorf("webhook body is not JSON: %s", body)
		}
		s.mu.Lock()
		s.events = append(s.events, m)
		s.mu.Unlock()
		w.WriteHeader(s.status)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *hookSink) got() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.events...)
}

// On a machine without a session bus, a token that needs a login reaches
// the webhook (with the command that fixes it, never a token), the start
// line names the active channels, and the token's recovery is posted too.
func TestWebhookAlertsWithoutDesktop(t *testing.T) {
	srv := newQwenServer(t) // accepts no refresh token: invalid_grant
	sink := newHookSink(t, http.StatusOK)
	h := newHome(t) // no DBUS_SESSION_BUS_ADDRESS, no XDG_RUNTIME_DIR
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off",
		"notification": map[string]any{"webhooks": []any{map[string]any{"url": sink.srv.URL + "/hook?key=HOOKSECRET", "format": "json"}}}})
	name := "qwen-oauth-1-work.json"
	h.writeToken(name, qwenFile("WEBHOOK-AT-SECRETVALUE", "WEBHOOK-RT-SECRETVALUE", time.Now().Add(5*time.Minute)))
	h.mustRun("token-daemon", "start")

	eventually(t, 20*time.Second, "the needs_reauth webhook", func() bool { return len(sink.got()) >= 1 })
	ev := sink.got()[0]
	for k, want := range map[string]string{"event": "needs_reauth", "file": name, "provider": "qwen", "status": "needs_reauth",
		"fix": "routecodex token-daemon login qwen-oauth-1-work"} {
		if ev[k] != want {
			t.Errorf("%s = %v, want %q", k, ev[k], want)
		}
	}
	if ev["host"] == "" || ev["time"] == "" || ev["displayName"] == "" {
		t.Errorf("event lacks host, time or display name: %v", ev)
	}

	// The user logs in elsewhere: a fresh file, valid for a day.
	h.writeToken(name, qwenFile("WEBHOOK-AT2-SECRETVALUE", "WEBHOOK-RT2-SECRETVALUE", time.Now().Add(24*time.Hour)))
	eventually(t, 20*time.Second, "the recovered webhook", func() bool { return len(sink.got()) >= 2 })
	if ev := sink.got()[1]; ev["event"] != "recovered" || ev["file"] != name || ev["status"] != "valid" {
		t.Errorf("second event %v, want recovered", ev)
	}
	h.mustRun("token-daemon", "stop")
	if n := len(sink.got()); n != 2 {
		t.Errorf("%d webhook posts, want 2 (one per event)", n)
	}
	log := h.logText()
	if !strings.Contains(log, `msg="notification channels: log, 1 webhook(s)" desktop="unavailable`) {
		t.Errorf("no start line naming the channels:\n%s", log)
	}
	noSecrets(t, "the daemon log", log, "WEBHOOK-AT-SECRETVALUE", "WEBHOOK-RT-SECRETVALUE", "HOOKSECRET")
	for _, e := range sink.got() {
		data, _ := json.Marshal(e)
		noSecrets(t, "a webhook post", string(data), "WEBHOOK-AT-SECRETVALUE", "WEBHOOK-RT-SECRETVALUE", "WEBHOOK-AT2-SECRETVALUE", "WEBHOOK-RT2-SECRETVALUE")
	}
}

func TestNotifyTestCommand(t *testing.T) {
	good := newHookSink(t, http.StatusOK)
	bad := newHookSink(t, http.StatusInternalServerError)
	h := newHome(t)
	h.writeConfig("http://127.0.0.1:1", map[string]any{"notification": map[string]any{"webhooks": []any{
		map[string]any{"url": good.srv.URL + "/ok", "format": "json", "events": []string{"missing"}},
		map[string]any{"url": bad.srv.URL + "/bad?key=HOOKSECRET", "format": "json"},
	}}})
	r := h.run("token-daemon", "notify", "test")
	if r.code != 1 {
		t.Errorf("exit %d, want 1 with a failing webhook", r.code)
	}
	mustContain(t, "notify test", r.stdout, "✅ webhook[0] json ("+strings.TrimPrefix(good.srv.URL, "http://")+"): delivered",
		"❌ webhook[1] json ("+strings.TrimPrefix(bad.srv.URL, "http://")+"): HTTP 500 Internal Server Error")
	mustContain(t, "notify test", r.stderr, "1 of 2 webhooks failed")
	if len(good.got()) != 1 || good.got()[0]["event"] != "test" || len(bad.got()) != 1 {
		t.Errorf("posts: good %v, bad %v", good.got(), bad.got())
	}
	noSecrets(t, "notify test output", r.stdout+r.stderr, "HOOKSECRET")

	h.writeConfig("http://127.0.0.1:1", nil)
	r = h.mustRun("token-daemon", "notify", "test")
	mustContain(t, "notify test without webhooks", r.stdout, "No webhooks are configured")

	h.writeConfig("http://127.0.0.1:1", map[string]any{"notification": map[string]any{"webhooks": []any{map[string]any{"url": "https://x", "format": "teams"}}}})
	r = h.run("token-daemon", "notify", "test")
	if r.code == 0 || !strings.Contains(r.stderr, "tokenDaemon.notification.webhooks[0].format: must be one of") {
		t.Errorf("bad format: exit %d, stderr %q", r.code, r.stderr)
	}
}

func mustContain(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

// A webhook target that never answers does not hold the daemon up: the
// other target gets its message, the local API answers, and stop ends the
// daemon (the hanging request is cancelled).
func TestHangingWebhookDoesNotHoldTheDaemon(t *testing.T) {
	release := make(chan struct{})
	hung := make(chan struct{}, 100)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	good := newHookSink(t, http.StatusOK)
	srv := newQwenServer(t)
	h := newHome(t)
	h.writeConfig(srv.URL, map[string]any{"callbackPorts": []int{freePort(t)}, "tray": "off",
		"notification": map[string]any{"webhooks": []any{
			map[string]any{"url": hang.URL, "format": "slack"},
			map[string]any{"url": good.srv.URL, "format": "json"},
		}}})
	for _, n := range []string{"qwen-oauth-1-a.json", "qwen-oauth-2-b.json", "qwen-oauth-3-c.json"} {
		h.writeToken(n, qwenFile("HANG-AT-"+n, "HANG-RT-"+n, time.Now().Add(5*time.Minute)))
	}
	h.mustRun("token-daemon", "start")
	eventually(t, 20*time.Second, "the good target to get all three notices", func() bool { return len(good.got()) == 3 })
	select {
	case <-hung:
	case <-time.After(20 * time.Second):
		t.Fatal("the hanging target was never called")
	}
	st := h.status()
	if len(st.Tokens) != 3 {
		t.Errorf("status lists %d tokens, want 3", len(st.Tokens))
	}
	h.mustRun("token-daemon", "stop")
	if c := h.run("token-daemon", "status").code; c != 3 {
		t.Errorf("status exit %d after stop, want 3", c)
	}
}

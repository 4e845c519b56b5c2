package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/daemon/daemontest"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// A token-looking value that must never leave the daemon.
const fakeToken = "ya29.A0ARrdaM-secretSECRETsecretSECRET0123456789"

type hit struct {
	path, rawQuery string
	header         http.Header
	body           []byte
}

// sink is a local webhook receiver: it records every POST and answers
// with the status its answer function gives.
type sink struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	hits   []hit
	answer func(n int, w http.ResponseWriter, r *http.Request) // n: 1-based request count
	got    chan struct{}
}

func newSink(t *testing.T) *sink {
	s := &sink{t: t, got: make(chan struct{}, 1000)}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		if r.Method != http.MethodPost {
			t.Errorf("%s %s, want POST", r.Method, r.URL.Path)
		}
		s.hits = append(s.hits, hit{r.URL.Path, r.URL.RawQuery, r.Header.Clone(), body})
		n, answer := len(s.hits), s.answer
		s.mu.Unlock()
		s.got <- struct{}{}
		if answer != nil {
			answer(n, w, r)
		}
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hits)
}

func (s *sink) all() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// waitHits waits (generously, for a loaded machine) until n requests came.
func (s *sink) waitHits(n int) []hit {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for s.count() < n {
		select {
		case <-s.got:
		case <-deadline:
			s.t.Fatalf("%d requests, want %d", s.count(), n)
		}
	}
	return s.all()
}

// syncBuf is a log buffer for concurrent writers.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

var t0 = time.Date(2026, 12, 2, 10, 30, 0, 0, time.UTC)

func newNotifier(t *testing.T, clock daemon.Clock, targets ...Target) (*Notifier, *syncBuf) {
	logs := &syncBuf{}
	n := New(Options{Targets: targets, Lang: i18n.EN, Host: "build-box", Clock: clock,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	t.Cleanup(func() { n.Close() })
	return n, logs
}

func needsReauth(file string) daemon.Notice {
	return daemon.Notice{Kind: daemon.NoticeNeedsReauth, File: file, DisplayName: "work (work@example.com)",
		Provider: "qwen", Reason: "invalid_grant: refresh token " + fakeToken + " revoked"}
}

// waitPending waits until the worker armed its backoff timer.
func waitPending(t *testing.T, c *daemontest.Clock, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for c.Pending() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d timers armed, want %d", c.Pending(), n)
		}
		time.Sleep(time.Millisecond) // polling a condition, not waiting for a timer
	}
}

func TestOnePostPerEventPerTarget(t *testing.T) {
	var sinks []*sink
	var targets []Target
	for _, f := range Formats {
		s := newSink(t)
		sinks = append(sinks, s)
		targets = append(targets, Target{URL: s.srv.URL + "/" + f, Format: f, Events: []string{
			EventNeedsReauth, EventRefreshFailed, EventMissing, EventWriteFailed, EventRecovered}})
	}
	n, logs := newNotifier(t, daemontest.NewClock(t0), targets...)
	n.Notify(needsReauth("qwen-oauth-1-work.json"))
	n.Notify(daemon.Notice{Kind: daemon.NoticeRefreshFailed, File: "iflow-oauth-2.json", Provider: "iflow", Reason: "HTTP 502"})
	n.Notify(daemon.Notice{Kind: daemon.NoticeMissing, File: "gemini-cli-oauth-3.json", Provider: "gemini-cli", Reason: "file removed"})
	n.Notify(daemon.Notice{Kind: daemon.NoticeWriteFailed, File: "qwen-oauth-4.json", Provider: "qwen", Reason: "write failed: no space left on device"})
	n.Notify(daemon.Notice{Kind: daemon.NoticeRefreshed, File: "qwen-oauth-5.json", Provider: "qwen"}) // routine: not an event
	n.Recovered("qwen-oauth-1-work.json")
	n.Recovered("qwen-oauth-1-work.json") // told once
	n.Recovered("never-failed.json")      // nothing was wrong with it
	for _, s := range sinks {
		s.waitHits(5)
	}
	n.Close()
	for i, s := range sinks {
		if got := s.count(); got != 5 {
			t.Errorf("%s: %d POSTs, want 5 (one per event)", Formats[i], got)
		}
		for _, h := range s.all() {
			if strings.Contains(string(h.body), fakeToken) || strings.Contains(h.header.Get("Title"), fakeToken) {
				t.Errorf("%s: a token in the payload: %s", Formats[i], h.body)
			}
		}
	}
	if strings.Contains(logs.String(), "delivery failed") {
		t.Errorf("delivery failures logged:\n%s", logs)
	}
}

func TestEventsFilter(t *testing.T) {
	s := newSink(t)
	n, _ := newNotifier(t, daemontest.NewClock(t0), Target{URL: s.srv.URL, Format: "json", Events: []string{EventRecovered}})
	n.Notify(needsReauth("a.json"))
	n.Recovered("a.json")
	hits := s.waitHits(1)
	n.Close()
	if len(s.all()) != 1 || !strings.Contains(string(hits[0].body), `"event":"recovered"`) {
		t.Fatalf("got %d POSTs, first %s; want only the recovered event", len(s.all()), hits[0].body)
	}
}

func TestBodyPerFormat(t *testing.T) {
	const file = "qwen-oauth-1-work.json"
	const fix = "routecodex token-daemon login qwen-oauth-1-work"
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			s := newSink(t)
			n, _ := newNotifier(t, daemontest.NewClock(t0), Target{URL: s.srv.URL + "/hook?key=k1", Format: format, Events: []string{EventNeedsReauth}})
			n.Notify(needsReauth(file))
			h := s.waitHits(1)[0]
			if h.path != "/hook" || !strings.Contains(h.rawQuery, "key=k1") {
				t.Errorf("posted to %s?%s, want the configured URL", h.path, h.rawQuery)
			}
			var text string
			var m map[string]any
			if format != "ntfy" {
				if ct := h.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if err := json.Unmarshal(h.body, &m); err != nil {
					t.Fatalf("body is not JSON: %v\n%s", err, h.body)
				}
			}
			switch format {
			case "json":
				want := map[string]any{"event": "needs_reauth", "file": file, "displayName": "work (work@example.com)",
					"provider": "qwen", "status": "needs_reauth", "time": "2026-12-02T10:30:00Z", "host": "build-box", "fix": fix}
				for k, v := range want {
					if m[k] != v {
						t.Errorf("%s = %v, want %v", k, m[k], v)
					}
				}
				if r, _ := m["reason"].(string); r != "invalid_grant: refresh token ya29.A0AR… revoked" {
					t.Errorf("reason %q, want the redacted provider error", r)
				}
				text, _ = m["text"].(string)
			case "slack":
				text, _ = m["text"].(string)
			case "discord":
				text, _ = m["content"].(string)
				if m["username"] != "RouteCodex" {
					t.Errorf("username %v", m["username"])
				}
			case "feishu":
				if m["msg_type"] != "text" {
					t.Errorf("msg_type %v", m["msg_type"])
				}
				if _, signed := m["sign"]; signed {
					t.Error("signed without a secret")
				}
				text, _ = m["content"].(map[string]any)["text"].(string)
			case "dingtalk", "wecom":
				if m["msgtype"] != "text" {
					t.Errorf("msgtype %v", m["msgtype"])
				}
				text, _ = m["text"].(map[string]any)["content"].(string)
			case "ntfy":
				title, err := new(mime.WordDecoder).DecodeHeader(h.header.Get("Title"))
				if err != nil || title != "RouteCodex token daemon on build-box: A token needs a new login" {
					t.Errorf("Title %q (%v)", title, err)
				}
				if p := h.header.Get("Priority"); p != "high" {
					t.Errorf("Priority %q", p)
				}
				if tg := h.header.Get("Tags"); tg != "key" {
					t.Errorf("Tags %q", tg)
				}
				text = string(h.body)
			}
			for _, want := range []string{"File: " + file, "Account: work (work@example.com)", "Provider: qwen",
				"Status: ❌ needs login", "Reason: invalid_grant", "Time: 2026-12-02 10:30:00 UTC", "Fix: " + fix} {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q:\n%s", want, text)
				}
			}
			if format != "ntfy" && !strings.Contains(text, "RouteCodex token daemon on build-box: A token needs a new login") {
				t.Errorf("text lacks the title:\n%s", text)
			}
		})
	}
}

func TestChineseMessage(t *testing.T) {
	s := newSink(t)
	n := New(Options{Targets: []Target{{URL: s.srv.URL, Format: "wecom", Events: []string{EventNeedsReauth}}},
		Lang: i18n.ZH, Host: "h", Clock: daemontest.NewClock(t0)})
	defer n.Close()
	n.Notify(needsReauth("qwen-oauth-1-work.json"))
	body := string(s.waitHits(1)[0].body)
	for _, want := range []string{"Token 失效，需要重新登录", "处理：routecodex token-daemon login qwen-oauth-1-work"} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q: %s", want, body)
		}
	}
}

// The signatures are recomputed here from the services' documented
// algorithms, independently of FeishuSign and DingTalkSign.
func TestFeishuSignature(t *testing.T) {
	s := newSink(t)
	clock := daemontest.NewClock(t0)
	n, _ := newNotifier(t, clock, Target{URL: s.srv.URL, Format: "feishu", Events: []string{EventNeedsReauth}, Secret: "feishu-secret"})
	n.Notify(needsReauth("a.json"))
	var m struct {
		Timestamp string `json:"timestamp"`
		Sign      string `json:"sign"`
		MsgType   string `json:"msg_type"`
	}
	if err := json.Unmarshal(s.waitHits(1)[0].body, &m); err != nil {
		t.Fatal(err)
	}
	if m.Timestamp != strconv.FormatInt(t0.Unix(), 10) {
		t.Errorf("timestamp %q, want the clock's Unix seconds %d", m.Timestamp, t0.Unix())
	}
	// Feishu: HmacSHA256 with key timestamp+"\n"+secret over "", base64.
	mac := hmac.New(sha256.New, []byte(m.Timestamp+"\nfeishu-secret"))
	mac.Write([]byte(""))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); m.Sign != want {
		t.Errorf("sign %q, want %q", m.Sign, want)
	}
}

func TestDingTalkSignature(t *testing.T) {
	s := newSink(t)
	clock := daemontest.NewClock(t0)
	n, _ := newNotifier(t, clock, Target{URL: s.srv.URL + "/robot/send?access_token=tok", Format: "dingtalk", Events: []string{EventNeedsReauth}, Secret: "SECdingtalk"})
	n.Notify(needsReauth("a.json"))
	h := s.waitHits(1)[0]
	q, err := url.ParseQuery(h.rawQuery)
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("access_token") != "tok" {
		t.Errorf("access_token lost: %s", h.rawQuery)
	}
	ts := q.Get("timestamp")
	if ts != strconv.FormatInt(t0.UnixMilli(), 10) {
		t.Errorf("timestamp %q, want the clock's Unix milliseconds", ts)
	}
	// DingTalk: HmacSHA256 keyed by secret over timestamp+"\n"+secret,
	// base64, then URL-encoded into the query.
	mac := hmac.New(sha256.New, []byte("SECdingtalk"))
	mac.Write([]byte(ts + "\nSECdingtalk"))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if q.Get("sign") != want {
		t.Errorf("sign %q, want %q", q.Get("sign"), want)
	}
	if !strings.Contains(h.rawQuery, "sign="+url.QueryEscape(want)) {
		t.Errorf("sign not URL-encoded once in %q", h.rawQuery)
	}
}

func TestBoundedRetriesOn500(t *testing.T) {
	s := newSink(t)
	s.answer = func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }
	clock := daemontest.NewClock(t0)
	n, logs := newNotifier(t, clock, Target{URL: s.srv.URL + "/hook?key=SECRETKEY", Format: "slack", Events: []string{EventNeedsReauth}})
	n.Notify(needsReauth("a.json"))
	s.waitHits(1)
	for i, backoff := range []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second} {
		waitPending(t, clock, 1)
		clock.Advance(backoff - time.Millisecond)
		if clock.Pending() != 1 || s.count() != i+1 {
			t.Fatalf("retry %d came before its %v backoff", i+1, backoff)
		}
		clock.Advance(time.Millisecond)
		s.waitHits(i + 2)
	}
	// The fourth failure is the last: no timer, one log line.
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "webhook delivery failed") {
		if time.Now().After(deadline) {
			t.Fatal("no log line for the failed delivery")
		}
		time.Sleep(time.Millisecond)
	}
	if clock.Pending() != 0 {
		t.Error("a fifth attempt is scheduled")
	}
	clock.Advance(time.Hour)
	n.Close()
	if got := s.count(); got != 1+Retries {
		t.Errorf("%d attempts, want %d", got, 1+Retries)
	}
	log := logs.String()
	if c := strings.Count(log, "webhook delivery failed"); c != 1 {
		t.Errorf("%d failure lines, want 1:\n%s", c, log)
	}
	for _, want := range []string{"attempts=4", "HTTP 500", "webhook[0] slack (127.0.0.1:"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "SECRETKEY") || strings.Contains(log, "/hook") {
		t.Errorf("the log quotes the webhook URL:\n%s", log)
	}
}

func TestRetryThenSuccess(t *testing.T) {
	s := newSink(t)
	s.answer = func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}
	clock := daemontest.NewClock(t0)
	n, logs := newNotifier(t, clock, Target{URL: s.srv.URL, Format: "json", Events: []string{EventNeedsReauth}})
	n.Notify(needsReauth("a.json"))
	s.waitHits(1)
	waitPending(t, clock, 1)
	clock.Advance(FirstBackoff)
	s.waitHits(2)
	n.Close()
	if s.count() != 2 || strings.Contains(logs.String(), "delivery failed") {
		t.Errorf("%d attempts, log:\n%s", s.count(), logs)
	}
}

func TestRejectedMessagesAreNotRetried(t *testing.T) {
	cases := []struct {
		format, answer string
		status         int
		want           string
	}{
		{"json", "", http.StatusBadRequest, "HTTP 400"},
		{"feishu", `{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}`, 200, "feishu code 19021: sign match fail"},
		{"dingtalk", `{"errcode":310000,"errmsg":"sign not match"}`, 200, "dingtalk errcode 310000: sign not match"},
		{"wecom", `{"errcode":93000,"errmsg":"invalid webhook url"}`, 200, "wecom errcode 93000"},
	}
	for _, c := range cases {
		t.Run(c.format, func(t *testing.T) {
			s := newSink(t)
			s.answer = func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.status)
				io.WriteString(w, c.answer)
			}
			clock := daemontest.NewClock(t0)
			n, logs := newNotifier(t, clock, Target{URL: s.srv.URL, Format: c.format, Events: []string{EventNeedsReauth}})
			n.Notify(needsReauth("a.json"))
			s.waitHits(1)
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(logs.String(), "delivery failed") && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			if clock.Pending() != 0 {
				t.Error("a rejected message is retried")
			}
			n.Close()
			if !strings.Contains(logs.String(), c.want) || s.count() != 1 {
				t.Errorf("%d attempts; log lacks %q:\n%s", s.count(), c.want, logs)
			}
		})
	}
}

// A target that never answers holds only its own worker: Notify returns at
// once, the other target gets its events, the queue stays bounded, and
// Close cancels the hanging request.
func TestHangingTargetDoesNotBlock(t *testing.T) {
	release := make(chan struct{})
	hang := newSink(t)
	hang.answer = func(_ int, _ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	defer close(release)
	ok := newSink(t)
	n, logs := newNotifier(t, daemontest.NewClock(t0),
		Target{URL: hang.srv.URL, Format: "json", Events: []string{EventNeedsReauth, EventRefreshFailed}},
		Target{URL: ok.srv.URL, Format: "json", Events: []string{EventNeedsReauth}})

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < QueueSize+20; i++ {
			n.Notify(daemon.Notice{Kind: daemon.NoticeRefreshFailed, File: "f" + strconv.Itoa(i) + ".json", Reason: "HTTP 502"})
		}
		n.Notify(needsReauth("z.json"))
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("Notify blocked on a hanging target")
	}
	hang.waitHits(1)
	hits := ok.waitHits(1)
	if !strings.Contains(string(hits[0].body), `"file":"z.json"`) {
		t.Errorf("the other target got %s", hits[0].body)
	}
	if !strings.Contains(logs.String(), "queue full") {
		t.Errorf("dropped events not logged:\n%s", logs)
	}
	closed := make(chan struct{})
	go func() { n.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(20 * time.Second):
		t.Fatal("Close waits for a hanging target")
	}
	if c := hang.count(); c != 1 {
		t.Errorf("the hanging target got %d requests, want 1 (the one that hung)", c)
	}
}

func TestTestSendsToEveryTarget(t *testing.T) {
	good := newSink(t)
	bad := newSink(t)
	bad.answer = func(_ int, w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusForbidden) }
	n, _ := newNotifier(t, daemontest.NewClock(t0),
		Target{URL: good.srv.URL, Format: "discord", Events: []string{EventMissing}},
		Target{URL: bad.srv.URL + "/x?token=SECRET", Format: "ntfy", Events: []string{EventNeedsReauth}})
	res := n.Test(context.Background())
	if len(res) != 2 || res[0].Err != nil || res[1].Err == nil || !strings.Contains(res[1].Err.Error(), "HTTP 403") {
		t.Fatalf("results %+v", res)
	}
	if !strings.HasPrefix(res[1].Target, "webhook[1] ntfy (127.0.0.1:") || strings.Contains(res[1].Target, "SECRET") {
		t.Errorf("target name %q", res[1].Target)
	}
	body := string(good.all()[0].body)
	if !strings.Contains(body, "Test message: this webhook works") || !strings.Contains(body, "routecodex token-daemon notify test") {
		t.Errorf("test message %s", body)
	}
}

func TestNetworkErrorHidesURL(t *testing.T) {
	s := newSink(t)
	u := s.srv.URL + "/hook?key=SECRETKEY"
	s.srv.Close() // connection refused
	n, _ := newNotifier(t, daemontest.NewClock(t0), Target{URL: u, Format: "json", Events: []string{EventNeedsReauth}})
	res := n.Test(context.Background())
	if res[0].Err == nil || strings.Contains(res[0].Err.Error(), "SECRETKEY") || strings.Contains(res[0].Err.Error(), "/hook") {
		t.Errorf("error %v", res[0].Err)
	}
}

func TestCleanReason(t *testing.T) {
	for in, want := range map[string]string{
		"write failed: open /home/alice/.routecodex/auth/.qwen-oauth-1-work.json.tmp: no space left on device": "write failed: open /home/alice/.routecodex/auth/.qwen-oauth-1-work.json.tmp: no space left on device",
		"bad token eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.x":      "bad token eyJh….eyJz….x",
		"line one\nline\ttwo\r":  "line one line two",
		strings.Repeat("é", 400): strings.Repeat("é", maxReasonRunes-1) + "…",
	} {
		if got := cleanReason(in); got != want {
			t.Errorf("cleanReason(%.40q) = %.60q, want %.60q", in, got, want)
		}
	}
}

package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestWebhooksParse(t *testing.T) {
	data := `{"tokenDaemon": {"notification": {"webhooks": [
  {"url": "https://hooks.slack.com/services/T/B/x", "format": "slack"},
  {"url": "https://open.feishu.cn/open-apis/bot/v2/hook/abc", "format": "feishu", "events": ["needs_reauth", "recovered"], "secret": "s3"},
  {"url": "http://127.0.0.1:8080/topic", "format": "ntfy", "events": ["missing"]}
]}}}`
	cfg, err := Parse("/x/config.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Webhook{
		{URL: "https://hooks.slack.com/services/T/B/x", Format: "slack", Events: WebhookEvents},
		{URL: "https://open.feishu.cn/open-apis/bot/v2/hook/abc", Format: "feishu", Events: []string{"needs_reauth", "recovered"}, Secret: "s3"},
		{URL: "http://127.0.0.1:8080/topic", Format: "ntfy", Events: []string{"missing"}},
	}
	if got := cfg.Notification.Webhooks; !reflect.DeepEqual(got, want) {
		t.Errorf("webhooks:\n got %+v\nwant %+v", got, want)
	}
	if !cfg.Notification.ShowPopup {
		t.Error("webhooks turned showPopup off")
	}
}

func TestWebhooksBadInput(t *testing.T) {
	const secretURL = "https://oapi.dingtalk.com/robot/send?access_token=SECRETKEY123"
	cases := []struct{ hooks, key, msg string }{
		{`{}`, "tokenDaemon.notification.webhooks", "must be an array"},
		{`[1]`, "tokenDaemon.notification.webhooks[0]", "must be an object"},
		{`[{"format":"json"}]`, "tokenDaemon.notification.webhooks[0].url", "is required"},
		{`[{"url":"` + secretURL + `"}]`, "tokenDaemon.notification.webhooks[0].format", "is required"},
		{`[{"url":"` + secretURL + `","format":"teams"}]`, "tokenDaemon.notification.webhooks[0].format", `must be one of "json"`},
		{`[{"url":"ftp://x/y","format":"json"}]`, "tokenDaemon.notification.webhooks[0].url", "https://"},
		{`[{"url":"/relative","format":"json"}]`, "tokenDaemon.notification.webhooks[0].url", "https://"},
		{`[{"url":"http://example.com/?access_token=SECRETKEY123","format":"json"}]`, "tokenDaemon.notification.webhooks[0].url", "http only to a loopback"},
		{`[{"url":"https://x","format":"json","events":[]}]`, "tokenDaemon.notification.webhooks[0].events", "at least one"},
		{`[{"url":"https://x","format":"json","events":["expiring"]}]`, "tokenDaemon.notification.webhooks[0].events[0]", "must be one of"},
		{`[{"url":"https://x","format":"json","events":["missing","missing"]}]`, "tokenDaemon.notification.webhooks[0].events[1]", "twice"},
		{`[{"url":"https://x","format":"slack","secret":"SECRETKEY123"}]`, "tokenDaemon.notification.webhooks[0].secret", "only feishu and dingtalk"},
		{`[{"url":"https://x","format":"dingtalk","secret":""}]`, "tokenDaemon.notification.webhooks[0].secret", "non-empty"},
		{`[{"url":"https://x","format":"json","headers":{}}]`, "tokenDaemon.notification.webhooks[0].headers", "unknown key"},
		{`[{"url":"https://x","format":"json"},{"url":"https://y","format":"json","url":"https://z"}]`, "tokenDaemon.notification.webhooks[1].url", "twice"},
	}
	for _, c := range cases {
		_, err := Parse("/x/config.json", []byte(`{"tokenDaemon":{"notification":{"webhooks":`+c.hooks+`}}}`))
		if err == nil {
			t.Errorf("%s: no error", c.hooks)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "/x/config.json: "+c.key+": ") || !strings.Contains(msg, c.msg) {
			t.Errorf("%s:\n got %q\nwant key %s and %q", c.hooks, msg, c.key, c.msg)
		}
		if strings.Contains(msg, "SECRETKEY123") || strings.Contains(msg, "\n") {
			t.Errorf("%s: error quotes a secret or spans lines: %q", c.hooks, msg)
		}
	}
}

package config

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Webhook formats and events of tokenDaemon.notification.webhooks
// (DESIGN.md section 14).
var (
	WebhookFormats = []string{"json", "slack", "discord", "feishu", "dingtalk", "wecom", "ntfy"}
	WebhookEvents  = []string{"needs_reauth", "refresh_failed", "missing", "write_failed", "recovered", "expired"}
)

// Webhook is one entry of tokenDaemon.notification.webhooks.
type Webhook struct {
	URL    string
	Format string
	// Events it is sent; all of WebhookEvents when the key is absent.
	Events []string
	// Secret signs feishu and dingtalk messages ("" for none).
	Secret string
}

// signingFormats are the formats whose services sign with a secret.
var signingFormats = map[string]bool{"feishu": true, "dingtalk": true}

// webhooks reads the list. Errors never quote a URL or a secret: a webhook
// URL is itself a credential (Slack, DingTalk, WeCom put the key in it).
func (d *decoder) webhooks(key string, raw json.RawMessage) ([]Webhook, error) {
	items, err := d.array(key, raw, "webhook objects")
	if err != nil {
		return nil, err
	}
	out := make([]Webhook, 0, len(items))
	for i, it := range items {
		w, err := d.webhook(fmt.Sprintf("%s[%d]", key, i), it)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, nil
}

func (d *decoder) webhook(p string, raw json.RawMessage) (Webhook, error) {
	var w Webhook
	members, err := d.object(p, raw)
	if err != nil {
		return w, err
	}
	hasEvents := false
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "url":
			w.URL, err = d.webhookURL(key, m.raw)
		case "format":
			w.Format, err = d.oneOf(key, m.raw, WebhookFormats...)
		case "events":
			hasEvents = true
			w.Events, err = d.webhookEvents(key, m.raw)
		case "secret":
			w.Secret, err = d.nonEmptyString(key, m.raw)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return w, err
		}
	}
	switch {
	case w.URL == "":
		return w, d.fail(join(p, "url"), "is required")
	case w.Format == "":
		return w, d.fail(join(p, "format"), "is required (one of %s)", strings.Join(WebhookFormats, ", "))
	case w.Secret != "" && !signingFormats[w.Format]:
		return w, d.fail(join(p, "secret"), "only feishu and dingtalk sign messages; remove it for format %q", w.Format)
	}
	if !hasEvents {
		w.Events = append([]string(nil), WebhookEvents...)
	}
	return w, nil
}

// webhookURL accepts https, or http to a loopback host (a local relay),
// as for provider endpoints.
func (d *decoder) webhookURL(key string, raw json.RawMessage) (string, error) {
	s, err := d.nonEmptyString(key, raw)
	if err != nil {
		return "", err
	}
	u, perr := url.Parse(s)
	if perr != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", d.fail(key, "must be an absolute https:// URL")
	}
	if u.Scheme == "http" {
		ip := net.ParseIP(u.Hostname())
		if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", d.fail(key, "must use https (http only to a loopback address)")
		}
	}
	return s, nil
}

func (d *decoder) webhookEvents(key string, raw json.RawMessage) ([]string, error) {
	items, err := d.array(key, raw, "event names")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, d.fail(key, "must list at least one event (leave the key out for all)")
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(items))
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		ev, err := d.oneOf(k, it, WebhookEvents...)
		if err != nil {
			return nil, err
		}
		if seen[ev] {
			return nil, d.fail(k, "%q is listed twice", ev)
		}
		seen[ev] = true
		out = append(out, ev)
	}
	return out, nil
}

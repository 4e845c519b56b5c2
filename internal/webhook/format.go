package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Formats are the supported payload formats.
var Formats = []string{"json", "slack", "discord", "feishu", "dingtalk", "wecom", "ntfy"}

// discordMax is Discord's limit on a message's content.
const discordMax = 2000

// FeishuSign is the signature of a Feishu custom bot: HMAC-SHA256 keyed by
// timestamp+"\n"+secret over an empty message, base64 (Feishu's "custom
// bot" guide, signature verification).
func FeishuSign(timestamp int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(strconv.FormatInt(timestamp, 10)+"\n"+secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// DingTalkSign is the signature of a DingTalk custom robot: HMAC-SHA256
// keyed by secret over timestampMillis+"\n"+secret, base64. It travels
// URL-encoded in the sign query parameter (DingTalk's "custom robot"
// guide, 加签).
func DingTalkSign(timestampMillis int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestampMillis, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// request builds the POST of ev in t's format, signed at now.
func (t *target) request(lang i18n.Lang, ev Event, now time.Time) (*http.Request, error) {
	u, err := url.Parse(t.cfg.URL)
	if err != nil {
		return nil, errors.New("bad URL")
	}
	msg := text(lang, ev)
	var body any
	contentType := "application/json"
	header := http.Header{}
	switch t.cfg.Format {
	case "json":
		body = struct {
			Event
			Text string `json:"text"`
		}{ev, msg}
	case "slack":
		body = map[string]any{"text": msg}
	case "discord":
		body = map[string]any{"content": truncate(msg, discordMax), "username": "RouteCodex"}
	case "feishu":
		m := map[string]any{"msg_type": "text", "content": map[string]string{"text": msg}}
		if t.cfg.Secret != "" {
			ts := now.Unix()
			m["timestamp"] = strconv.FormatInt(ts, 10)
			m["sign"] = FeishuSign(ts, t.cfg.Secret)
		}
		body = m
	case "dingtalk":
		body = map[string]any{"msgtype": "text", "text": map[string]string{"content": msg}}
		if t.cfg.Secret != "" {
			ts := now.UnixMilli()
			q := u.Query()
			q.Set("timestamp", strconv.FormatInt(ts, 10))
			q.Set("sign", DingTalkSign(ts, t.cfg.Secret)) // Encode URL-encodes it once
			u.RawQuery = q.Encode()
		}
	case "wecom":
		body = map[string]any{"msgtype": "text", "text": map[string]string{"content": msg}}
	case "ntfy":
		// ntfy takes the message as the body and the rest as headers;
		// non-ASCII header values as RFC 2047 encoded words.
		contentType = "text/plain; charset=utf-8"
		header.Set("Title", mime.BEncoding.Encode("utf-8", title(lang, ev)))
		header.Set("Priority", ntfyPriority(ev.Event))
		header.Set("Tags", ntfyTag(ev.Event))
		body = strings.Join(details(lang, ev), "\n")
	default:
		return nil, fmt.Errorf("unknown format %q", t.cfg.Format)
	}
	var data []byte
	if s, ok := body.(string); ok {
		data = []byte(s)
	} else if data, err = json.Marshal(body); err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, u.String(), bytes.NewReader(data))
	if err != nil {
		return nil, errors.New("bad URL")
	}
	req.Header = header
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", "routecodex-token-daemon")
	return req, nil
}

func ntfyPriority(event string) string {
	switch event {
	case EventNeedsReauth, EventWriteFailed:
		return "high"
	case EventRecovered:
		return "low"
	}
	return "default"
}

func ntfyTag(event string) string {
	return map[string]string{
		EventNeedsReauth:   "key",
		EventRefreshFailed: "warning",
		EventMissing:       "wastebasket",
		EventWriteFailed:   "floppy_disk",
		EventRecovered:     "white_check_mark",
		EventTest:          "test_tube",
	}[event]
}

func truncate(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

// deliveryError is a failed delivery; Retry says whether another attempt
// may succeed.
type deliveryError struct {
	Msg   string
	Retry bool
}

func (e *deliveryError) Error() string { return e.Msg }

// check reads the answer of a target: the HTTP status, and for the chat
// services that answer 200 to a rejected message, the error code in the
// body.
func (t *target) check(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
		return &deliveryError{Msg: "HTTP " + resp.Status, Retry: retry}
	}
	var ans struct {
		Code    *int   `json:"code"`    // feishu
		Msg     string `json:"msg"`     // feishu
		ErrCode *int   `json:"errcode"` // dingtalk, wecom
		ErrMsg  string `json:"errmsg"`
	}
	switch t.cfg.Format {
	case "feishu":
		if json.Unmarshal(data, &ans) == nil && ans.Code != nil && *ans.Code != 0 {
			// 9499 and 11232: Feishu's rate limits.
			return &deliveryError{Msg: fmt.Sprintf("feishu code %d: %s", *ans.Code, oneLine(ans.Msg)), Retry: *ans.Code == 9499 || *ans.Code == 11232}
		}
	case "dingtalk", "wecom":
		if json.Unmarshal(data, &ans) == nil && ans.ErrCode != nil && *ans.ErrCode != 0 {
			// 130101 (DingTalk) and 45009 (WeCom): sending too fast.
			return &deliveryError{Msg: fmt.Sprintf("%s errcode %d: %s", t.cfg.Format, *ans.ErrCode, oneLine(ans.ErrMsg)), Retry: *ans.ErrCode == 130101 || *ans.ErrCode == 45009}
		}
	}
	return nil
}

func oneLine(s string) string { return truncate(strings.Join(strings.Fields(s), " "), 200) }

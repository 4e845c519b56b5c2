package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/notify"
)

// One line at start names the active channels.
func TestChannelsLine(t *testing.T) {
	cases := []struct {
		popup bool
		hooks int
		want  string
	}{
		{false, 0, `msg="notification channels: log" desktop="off (notification.showPopup is false)"`},
		{false, 2, `msg="notification channels: log, 2 webhook(s)" desktop="off`},
		// No session bus in the test's environment.
		{true, 1, `msg="notification channels: log, 1 webhook(s)" desktop="unavailable (no session bus or notification service)"`},
	}
	for _, c := range cases {
		t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
		var buf bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&buf, nil))
		s := &Settings{Config: config.Default()}
		for i := 0; i < c.hooks; i++ {
			s.Config.Notification.Webhooks = append(s.Config.Notification.Webhooks,
				config.Webhook{URL: "https://example.invalid/x", Format: "json", Events: config.WebhookEvents})
		}
		ch := channels{desktop: notify.New(notify.Options{ShowPopup: c.popup}), hooks: newWebhooks(s, logger)}
		ch.logChannels(logger, c.popup)
		ch.Close()
		if !strings.Contains(buf.String(), c.want) || strings.Count(buf.String(), "notification channels") != 1 {
			t.Errorf("popup %v, %d hooks: log %q, want %q", c.popup, c.hooks, buf.String(), c.want)
		}
	}
}

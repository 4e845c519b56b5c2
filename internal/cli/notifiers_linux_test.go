//go:build linux

package cli

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/dbustest"
	"github.com/routecodex/token-daemon/internal/notify"
)

// With a session bus and a notification server, the desktop is a channel.
func TestChannelsLineWithDesktop(t *testing.T) {
	bus := dbustest.StartBus(t)
	dbustest.StartNotifications(t, bus)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	ch := channels{desktop: notify.New(notify.Options{ShowPopup: true}), hooks: newWebhooks(&Settings{Config: config.Default()}, logger)}
	defer ch.Close()
	ch.logChannels(logger, true)
	if want := `msg="notification channels: log, desktop" desktop=available`; !strings.Contains(buf.String(), want) {
		t.Errorf("log %q, want %q", buf.String(), want)
	}
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/notify"
	"github.com/routecodex/token-daemon/internal/webhook"
)

// notifyTestTimeout bounds `notify test` as a whole.
const notifyTestTimeout = 30 * time.Second

// newWebhooks is the webhook notifier of the configured targets.
func newWebhooks(s *Settings, logger *slog.Logger) *webhook.Notifier {
	targets := make([]webhook.Target, 0, len(s.Config.Notification.Webhooks))
	for _, w := range s.Config.Notification.Webhooks {
		targets = append(targets, webhook.Target{URL: w.URL, Format: w.Format, Events: w.Events, Secret: w.Secret})
	}
	return webhook.New(webhook.Options{
		Targets: targets, Lang: s.Lang, Logger: logger,
		Client: &http.Client{}, Clock: daemon.SystemClock(),
	})
}

// channels fans the core's notices out to the desktop and the webhooks;
// every notice is also a log line (the desktop notifier writes it).
type channels struct {
	desktop *notify.Desktop
	hooks   *webhook.Notifier
}

var _ daemon.Notifier = channels{}

func (c channels) Notify(n daemon.Notice) {
	c.desktop.Notify(n)
	c.hooks.Notify(n)
}

// Reset is called for every token that is valid again.
func (c channels) Reset(file string) {
	c.desktop.Reset(file)
	c.hooks.Recovered(file)
}

func (c channels) Close() {
	c.hooks.Close()
	c.desktop.Close()
}

// logChannels says once, at start, where notices go.
func (c channels) logChannels(logger *slog.Logger, showPopup bool) {
	active := []string{"log"}
	desktop := "available"
	switch {
	case !showPopup:
		desktop = "off (notification.showPopup is false)"
	case c.desktop.Available():
		active = append(active, "desktop")
	default:
		desktop = "unavailable (no session bus or notification service)"
	}
	if n := c.hooks.Len(); n > 0 {
		active = append(active, fmt.Sprintf("%d webhook(s)", n))
	}
	logger.Info("notification channels: "+strings.Join(active, ", "), "desktop", desktop)
}

// NewCmdNotify is `routecodex token-daemon notify test`.
func NewCmdNotify(f *Factory) *cobra.Command {
	cmd := localize(&cobra.Command{
		Use:   "notify",
		Short: i18n.T(helpLang(f), i18n.NotifyGroupShort),
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}, i18n.NotifyGroupShort) // worded again at help time
	cmd.AddCommand(localize(&cobra.Command{
		Use:   "test",
		Short: i18n.T(helpLang(f), i18n.NotifyTestShort),
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runNotifyTest(c.Context(), f)
		},
	}, i18n.NotifyTestShort))
	return cmd
}

func runNotifyTest(ctx context.Context, f *Factory) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	hooks := newWebhooks(s, nil)
	defer hooks.Close()
	if hooks.Len() == 0 {
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.NotifyTestNone, s.Paths.Config))
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, notifyTestTimeout)
	defer cancel()
	failed := 0
	for _, r := range hooks.Test(ctx) {
		if r.Err != nil {
			failed++
			fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.NotifyTestFailed, r.Target, r.Err))
		} else {
			fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.NotifyTestOK, r.Target))
		}
	}
	if failed > 0 {
		return errors.New(i18n.T(s.Lang, i18n.NotifyTestSomeFail, failed, hooks.Len()))
	}
	return nil
}

package notify

import "github.com/routecodex/token-daemon/internal/i18n"

// Settings are the options a reload of config.json may change while the
// daemon runs.
type Settings struct {
	Lang          i18n.Lang
	Sound         bool
	ShowPopup     bool
	NotifySuccess bool
}

// Reconfigure applies changed settings to the next notices. Turning popups
// on connects to the notification service at the next notice; turning them
// off makes every notice a log line only.
func (d *Desktop) Reconfigure(s Settings) {
	if s.Lang == "" {
		s.Lang = i18n.EN
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.opts.Lang, d.opts.Sound, d.opts.ShowPopup, d.opts.NotifySuccess = s.Lang, s.Sound, s.ShowPopup, s.NotifySuccess
}

// options is a copy of the options in force.
func (d *Desktop) options() Options {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opts
}

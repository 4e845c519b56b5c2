//go:build linux || freebsd || openbsd || netbsd

package tray

import (
	"fmt"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcherName is the tray host that systray registers its item with.
const watcherName = "org.kde.StatusNotifierWatcher"

// busProbeTimeout bounds the check of the session bus: a bus that does not
// answer in time is as good as none.
const busProbeTimeout = 5 * time.Second

// SessionBusAvailable reports whether a D-Bus session bus answers
// (DBUS_SESSION_BUS_ADDRESS, or the standard $XDG_RUNTIME_DIR/bus): on
// Linux the tray speaks StatusNotifierItem over it and cannot run without.
func SessionBusAvailable() bool {
	_, err := probeSessionBus()
	return err == nil
}

// HostAvailable reports whether a tray host (StatusNotifierWatcher)
// answers on the session bus now: only then does `start` launch the tray,
// since without one nothing would show it.
func HostAvailable() bool {
	watcher, err := probeSessionBus()
	return err == nil && watcher
}

// probeSessionBus connects to the session bus on a private connection and
// says whether a tray host (StatusNotifierWatcher) is on it now. It never
// starts a bus (no autolaunch).
func probeSessionBus() (watcher bool, err error) {
	type result struct {
		watcher bool
		err     error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := dbus.SessionBusPrivateNoAutoStartup()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer conn.Close()
		if err := conn.Auth(nil); err != nil {
			done <- result{err: err}
			return
		}
		if err := conn.Hello(); err != nil {
			done <- result{err: err}
			return
		}
		var has bool
		err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&has)
		done <- result{watcher: has, err: err}
	}()
	select {
	case r := <-done:
		return r.watcher, r.err
	case <-time.After(busProbeTimeout):
		return false, fmt.Errorf("no answer within %s", busProbeTimeout)
	}
}

// checkDesktop fails with ErrNoSessionBus when the tray cannot be shown.
// A missing tray host is only logged: systray registers with it as soon as
// one starts.
func checkDesktop(c *controller) error {
	watcher, err := probeSessionBus()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoSessionBus, err)
	}
	if !watcher {
		c.log.Warn("tray: no tray host (" + watcherName + ") on the session bus yet; the icon appears when one starts (GNOME needs the AppIndicator extension)")
	}
	return nil
}

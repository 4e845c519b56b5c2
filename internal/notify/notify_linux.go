//go:build linux

package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/godbus/dbus/v5"
)

// The freedesktop notification service.
const (
	fdoName      = "org.freedesktop.Notifications"
	fdoPath      = dbus.ObjectPath("/org/freedesktop/Notifications")
	fdoInterface = "org.freedesktop.Notifications"
	appName      = "RouteCodex"
)

// errNoSessionBus: neither DBUS_SESSION_BUS_ADDRESS nor $XDG_RUNTIME_DIR/bus.
var errNoSessionBus = errors.New("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")

// dbusBackend talks to org.freedesktop.Notifications on the session bus and
// listens for its ActionInvoked and NotificationClosed signals.
type dbusBackend struct {
	conn   *dbus.Conn
	obj    dbus.BusObject
	log    *slog.Logger
	markup bool // the server reads markup in bodies: escape ours
	done   sync.WaitGroup
	once   sync.Once
}

func newBackend(log *slog.Logger, ev events) (backend, error) {
	addr := sessionBusAddress(os.Getenv)
	if addr == "" {
		return nil, errNoSessionBus
	}
	// Connect, not SessionBus: no shared connection, and no autolaunch of a
	// bus the user did not start.
	conn, err := dbus.Connect(addr)
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	b := &dbusBackend{conn: conn, obj: conn.Object(fdoName, fdoPath), log: log}

	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	err = conn.AddMatchSignalContext(ctx,
		dbus.WithMatchObjectPath(fdoPath),
		dbus.WithMatchInterface(fdoInterface))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("subscribe to notification signals: %w", err)
	}
	signals := make(chan *dbus.Signal, 64)
	conn.Signal(signals)
	b.done.Add(1)
	go b.listen(signals, ev)

	// Asking also starts a D-Bus activatable server. Without one, sends fail
	// and are logged; a server that starts later is used then.
	var caps []string
	if err := b.obj.CallWithContext(ctx, fdoInterface+".GetCapabilities", 0).Store(&caps); err != nil {
		log.Warn("no desktop notification service on the session bus yet; notices go to the log until one appears", "err", err)
	}
	b.markup = slices.Contains(caps, "body-markup")
	return b, nil
}

// sessionBusAddress is $DBUS_SESSION_BUS_ADDRESS, else the systemd user
// bus socket when it exists.
func sessionBusAddress(getenv func(string) string) string {
	if a := getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a
	}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p
		}
	}
	return ""
}

func (b *dbusBackend) listen(signals <-chan *dbus.Signal, ev events) {
	defer b.done.Done()
	for sig := range signals { // closed by conn.Close
		if sig.Path != fdoPath {
			continue
		}
		switch sig.Name {
		case fdoInterface + ".ActionInvoked":
			if len(sig.Body) < 2 {
				continue
			}
			id, ok1 := sig.Body[0].(uint32)
			key, ok2 := sig.Body[1].(string)
			if ok1 && ok2 {
				ev.action(id, key)
			}
		case fdoInterface + ".NotificationClosed":
			if len(sig.Body) < 1 {
				continue
			}
			if id, ok := sig.Body[0].(uint32); ok {
				ev.closed(id)
			}
		}
	}
}

func (b *dbusBackend) Show(ctx context.Context, m message) (uint32, error) {
	actions := make([]string, 0, 2*len(m.Actions))
	for _, a := range m.Actions {
		actions = append(actions, a.Key, a.Label)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(m.Urgency)}
	if m.Sound != "" {
		hints["sound-name"] = dbus.MakeVariant(m.Sound)
	} else {
		hints["suppress-sound"] = dbus.MakeVariant(true)
	}
	body := m.Body
	if b.markup {
		body = escapeMarkup(body)
	}
	var id uint32
	err := b.obj.CallWithContext(ctx, fdoInterface+".Notify", 0,
		appName, m.ReplacesID, m.Icon, m.Title, body, actions, hints, int32(-1)).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("org.freedesktop.Notifications.Notify: %w", err)
	}
	return id, nil
}

func (b *dbusBackend) Withdraw(ctx context.Context, id uint32) error {
	if err := b.obj.CallWithContext(ctx, fdoInterface+".CloseNotification", 0, id).Err; err != nil {
		return fmt.Errorf("org.freedesktop.Notifications.CloseNotification: %w", err)
	}
	return nil
}

func (b *dbusBackend) HasActions() bool { return true }

func (b *dbusBackend) Alive() bool { return b.conn.Connected() }

// Close closes the connection and waits for the signal listener to end.
func (b *dbusBackend) Close() error {
	var err error
	b.once.Do(func() {
		err = b.conn.Close()
		b.done.Wait()
	})
	return err
}

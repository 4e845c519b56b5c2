package dbustest

import (
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

const trayHostName = "org.kde.StatusNotifierWatcher"

// TrayHost is a minimal StatusNotifierWatcher, the panel side of a tray:
// it records the items that register with it.
type TrayHost struct{ items chan string }

// StartTrayHost serves a StatusNotifierWatcher on the bus at addr.
func StartTrayHost(t testing.TB, addr string) *TrayHost {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("tray host: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	h := &TrayHost{items: make(chan string, 16)}
	if err := conn.Export(h, "/StatusNotifierWatcher", trayHostName); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(trayHostName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name %s: reply %v, err %v", trayHostName, reply, err)
	}
	return h
}

// RegisterStatusNotifierItem is the D-Bus method a tray calls.
func (h *TrayHost) RegisterStatusNotifierItem(sender dbus.Sender, _ string) *dbus.Error {
	h.items <- string(sender)
	return nil
}

// WaitForItem waits until a tray registers and returns its bus name.
func (h *TrayHost) WaitForItem(t testing.TB, within time.Duration) string {
	t.Helper()
	select {
	case s := <-h.items:
		return s
	case <-time.After(within):
		t.Fatal("no tray registered with the StatusNotifierWatcher")
		return ""
	}
}

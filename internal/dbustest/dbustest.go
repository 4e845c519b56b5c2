//go:build linux

// Package dbustest gives tests a private D-Bus session bus and a recording
// org.freedesktop.Notifications server on it. Only tests import it.
package dbustest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// RoundTrip bounds the wait for the bus or a signal.
const RoundTrip = 10 * time.Second

const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// StartBus runs a private dbus-daemon for the test and returns its address.
// The config has no service directories, so nothing on the machine is
// activated on it. Without dbus-daemon the test skips, and fails in CI.
func StartBus(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("dbus-daemon")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dbus-daemon is required in CI: %v", err)
		}
		t.Skipf("dbus-daemon not installed (Debian: apt-get install dbus-daemon); skipping this D-Bus test: %v", err)
	}
	// A short directory: unix socket paths are limited to ~100 bytes.
	dir, err := os.MkdirTemp("", "rcxbus")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := filepath.Join(dir, "bus.conf")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus")), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--config-file="+cfg, "--nofork", "--print-address=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		if a == "" {
			t.Fatalf("dbus-daemon printed no address; stderr: %s", stderr.String())
		}
		return a
	case <-time.After(RoundTrip):
		t.Fatalf("dbus-daemon did not start; stderr: %s", stderr.String())
	}
	return ""
}

const (
	notificationsName  = "org.freedesktop.Notifications"
	notificationsPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notificationsIface = "org.freedesktop.Notifications"
)

// Notification is one Notify call received by the server.
type Notification struct {
	AppName    string
	ReplacesID uint32
	Summary    string
	Body       string
	Actions    []string // key, label, key, label, …
	Hints      map[string]dbus.Variant
	ID         uint32
}

// Notifications is a minimal org.freedesktop.Notifications that records
// what it is asked to show and can play the user's clicks.
type Notifications struct {
	conn *dbus.Conn
	mu   sync.Mutex
	got  []Notification
	next uint32
	seen chan struct{}
}

// StartNotifications serves the notification interface on the bus at addr.
func StartNotifications(t testing.TB, addr string) *Notifications {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("notification server: connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	s := &Notifications{conn: conn, seen: make(chan struct{}, 64)}
	if err := conn.Export(s, notificationsPath, notificationsIface); err != nil {
		t.Fatal(err)
	}
	reply, err := conn.RequestName(notificationsName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request name %s: reply %v, err %v", notificationsName, reply, err)
	}
	return s
}

// Notify is the D-Bus method.
func (s *Notifications) Notify(appName string, replacesID uint32, _, summary, body string,
	actions []string, hints map[string]dbus.Variant, _ int32) (uint32, *dbus.Error) {
	s.mu.Lock()
	id := replacesID
	if id == 0 {
		s.next++
		id = s.next
	}
	s.got = append(s.got, Notification{appName, replacesID, summary, body, actions, hints, id})
	s.mu.Unlock()
	select {
	case s.seen <- struct{}{}:
	default:
	}
	return id, nil
}

// GetCapabilities is the D-Bus method: actions and sounds supported.
func (s *Notifications) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"actions", "body", "sound"}, nil
}

// GetServerInformation is the D-Bus method.
func (s *Notifications) GetServerInformation() (string, string, string, string, *dbus.Error) {
	return "dbustest", "routecodex", "1.0", "1.2", nil
}

// CloseNotification is the D-Bus method.
func (s *Notifications) CloseNotification(uint32) *dbus.Error { return nil }

// Received returns what was shown so far.
func (s *Notifications) Received() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

// WaitFor waits until a notification whose body contains text arrives.
func (s *Notifications) WaitFor(t testing.TB, text string) Notification {
	t.Helper()
	deadline := time.After(RoundTrip)
	for {
		for _, n := range s.Received() {
			if strings.Contains(n.Body, text) {
				return n
			}
		}
		select {
		case <-s.seen:
		case <-deadline:
			t.Fatalf("no notification containing %q; got %+v", text, s.Received())
		}
	}
}

// Invoke plays a click on the action key of notification id, as a real
// server does: ActionInvoked, then NotificationClosed.
func (s *Notifications) Invoke(t testing.TB, id uint32, key string) {
	t.Helper()
	if err := s.conn.Emit(notificationsPath, notificationsIface+".ActionInvoked", id, key); err != nil {
		t.Fatalf("emit ActionInvoked: %v", err)
	}
	if err := s.conn.Emit(notificationsPath, notificationsIface+".NotificationClosed", id, uint32(2)); err != nil {
		t.Fatalf("emit NotificationClosed: %v", err)
	}
}

//go:build !(linux || freebsd || openbsd || netbsd) && (!darwin || cgo)

package tray

// SessionBusAvailable reports whether the tray can be shown. Windows and
// macOS (built with cgo) always have a notification area.
func SessionBusAvailable() bool { return true }

// HostAvailable reports whether something can show the tray: on Windows
// and macOS (cgo) the notification area always can.
func HostAvailable() bool { return true }

func checkDesktop(*controller) error { return nil }

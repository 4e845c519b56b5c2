//go:build darwin && !cgo

package tray

import "context"

// SessionBusAvailable is false: a macOS build without cgo cannot show the
// tray.
func SessionBusAvailable() bool { return false }

// runSystray fails at once: fyne.io/systray needs cgo on macOS.
func runSystray(context.Context, *controller) error { return ErrNeedsCgo }

// HostAvailable is false: a macOS build without cgo cannot show the tray.
func HostAvailable() bool { return false }

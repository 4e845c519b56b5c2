//go:build windows

package lifecycle

// lockPath: Windows locks are mandatory, so a locked pid file could not be
// read by `status`; lock a sibling file instead.
func lockPath(pidPath string) string { return pidPath + ".lock" }

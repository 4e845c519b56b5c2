//go:build !windows

package lifecycle

// lockPath: on unix the pid file itself carries the (advisory) lock.
func lockPath(pidPath string) string { return pidPath }

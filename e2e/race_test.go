//go:build race

package e2e

// With the race detector on, the daemon under test is built with it too.
func init() { buildFlags = append(buildFlags, "-race") }

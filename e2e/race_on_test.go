//go:build race

package e2e

// raceEnabled says the test binary runs under the race detector, which
// slows what the tests time by several times.
const raceEnabled = true

package cli

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// testCodexPortsEnv replaces codex's callback ports 1455 and 1457 (e.g.
// "41455,41457") for the end-to-end tests, which cannot count on those
// ports being free. The Codex client accepts no other redirect, so a real
// login never works with it set; nothing else in the product reads it.
const testCodexPortsEnv = "ROUTECODEX_TEST_CODEX_CALLBACK_PORTS"

func testCodexPorts(getenv func(string) string) []int {
	var ports []int
	for _, p := range strings.Split(getenv(testCodexPortsEnv), ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 && n < 65536 {
			ports = append(ports, n)
		}
	}
	return ports
}

// testHoldEnv names a file path that the end-to-end kill test sets: after a
// provider's answer is saved in its .pending file and before it is written,
// the daemon creates that file (holding the token file's name) and waits
// until the test removes it, or a minute. It is read only when set; nothing
// else in the product uses it.
const testHoldEnv = "ROUTECODEX_TEST_HOLD_AFTER_ANSWER"

func testHoldAfterAnswer(getenv func(string) string) func(file string) {
	return testHold(getenv, testHoldEnv)
}

// testHold is the wait of a test hold env (testHoldEnv, testHoldImportEnv).
func testHold(getenv func(string) string, env string) func(file string) {
	marker := getenv(env)
	if marker == "" {
		return nil
	}
	return func(file string) {
		if err := os.WriteFile(marker, []byte(file), 0o600); err != nil {
			return
		}
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(marker); os.IsNotExist(err) {
				return
			}
		}
	}
}

// testHoldImportEnv names a file path that the end-to-end import test
// sets: after the token files are written and before the settings are
// merged into config.json, import creates that file and waits until the
// test removes it, or a minute (so that the test can break config.json).
// It is read only when set; nothing else in the product uses it.
const testHoldImportEnv = "ROUTECODEX_TEST_HOLD_AFTER_IMPORT_WRITE"

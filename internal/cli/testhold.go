package cli

import (
	"os"
	"time"
)

// testHoldEnv names a file path that the end-to-end kill test sets: after a
// provider's answer is saved in its .pending file and before it is written,
// the daemon creates that file (holding the token file's name) and waits
// until the test removes it, or a minute. It is read only when set; nothing
// else in the product uses it.
const testHoldEnv = "ROUTECODEX_TEST_HOLD_AFTER_ANSWER"

func testHoldAfterAnswer(getenv func(string) string) func(file string) {
	marker := getenv(testHoldEnv)
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

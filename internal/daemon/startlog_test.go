package daemon_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// The first scan logs one summary line, not a line per file (10,000 files
// would write 10,000 lines at every start); files added later are logged.
func TestFirstScanLogsASummary(t *testing.T) {
	dir := t.TempDir()
	for i := range 50 {
		writeToken(t, dir, fmt.Sprintf("qwen-oauth-%d.json", i+1), tokenFields("qwen", i, t0.Add(48*time.Hour)))
	}
	h := newHarness(t, dir, setup{provs: providers{}})
	h.d.Sync()
	logs := h.logs.String()
	if !strings.Contains(logs, "auth dir scanned") || !strings.Contains(logs, "files=50") {
		t.Errorf("no summary of the first scan in the log:\n%s", logs)
	}
	if n := strings.Count(logs, "token file added"); n != 0 {
		t.Errorf("%d per-file lines for the first scan", n)
	}
	writeToken(t, dir, "qwen-oauth-51.json", tokenFields("qwen", 51, t0.Add(48*time.Hour)))
	h.d.FileChanged("qwen-oauth-51.json")
	h.waitFor("the new file logged", func() bool {
		return strings.Count(h.logs.String(), "token file added") == 1
	})
}

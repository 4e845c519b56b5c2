package sources

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Every format reads any bytes without panicking, and a merge into a JSON
// object gives a JSON object again.
func FuzzFormats(f *testing.F) {
	_ = filepath.WalkDir("testdata", func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(p) == ".json" {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
		return nil
	})
	f.Add([]byte(`{"claudeAiOauth":{"accessToken":"","refreshToken":"","expiresAt":0}}`))
	f.Add([]byte(`{"tokens":null}`))
	u := tokenfile.Update{AccessToken: "a", RefreshToken: "r", TokenType: "Bearer", ExpiresIn: 60, ExpiresAt: fixedNow,
		Extra: map[string]any{"id_token": "x.y.z", "resource_url": "https://h"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range Formats {
			fm := format{ff: formats[name], now: func() time.Time { return fixedNow }}
			_ = fm.Parse("/x/file.json", data)
			out, err := fm.Merge(data, u)
			if err == nil && json.Valid(data) && !json.Valid(out) {
				t.Fatalf("%s: merge made invalid JSON of %q: %q", name, data, out)
			}
		}
	})
}

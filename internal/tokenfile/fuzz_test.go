package tokenfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	paths, _ := filepath.Glob("../../testdata/fixtures/auth/*")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(filepath.Base(p), data)
		}
	}
	f.Add("qwen-oauth-1.json", []byte(`{"token":{"expiry_timestamp":"1e400"},"access_token":"a","timestamp":-1,"expires_in":1e308}`))
	f.Add("gemini-oauth-2-x.json", []byte(`{"token":{"expires_at":"2100-01-01T00:00:00+99:00"},"access_token":"a"}`))
	opts := Options{Generic: map[string]string{"corp": ""}, Aliases: map[string]string{"a.json": "alias"}}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		file := Parse(filepath.Join("auth", filepath.Base(name)), data, opts)
		status, _ := file.StatusAt(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), 30*time.Minute)
		if !slices.Contains(AllStatuses, status) {
			t.Fatalf("status %q not in AllStatuses", status)
		}
		if file.DisplayName == "" && file.Name != ".json" {
			t.Fatalf("empty display name for %q", file.Name)
		}
		if file.Refreshable() && (file.Invalid != "" || file.ReadOnly || file.RefreshToken == "") {
			t.Fatalf("refreshable without the conditions")
		}
	})
}

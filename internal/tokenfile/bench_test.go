package tokenfile

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// benchShapes are realistic token files: iflow, qwen (device flow), gemini
// with a nested token, and a static qwen API-key file.
var benchShapes = []struct {
	prefix  string
	content string
}{
	{"iflow-oauth-%d-work.json", `{
  "access_token": "fixture-iflow-access-%[1]d-0123456789abcdef",
  "refresh_token": "fixture-iflow-refresh-%[1]d-0123456789abcdef",
  "token_type": "bearer",
  "scope": "openid profile email api",
  "expires_in": 172800,
  "expires_at": %[2]d,
  "expired": "2100-01-01T00:00:00.000Z",
  "apiKey": "sk-fixture-iflow-key-%[1]d",
  "api_key": "sk-fixture-iflow-key-%[1]d",
  "email": "user%[1]d@company.com",
  "type": "iflow"
}
`},
	{"qwen-oauth-%d.json", `{
  "access_token": "fixture-qwen-access-%[1]d",
  "refresh_token": "fixture-qwen-refresh-%[1]d",
  "token_type": "Bearer",
  "expires_in": 21600,
  "expires_at": %[2]d,
  "expiry_date": %[2]d,
  "resource_url": "https://portal.qwen.ai",
  "email": "dev%[1]d@company.com",
  "type": "qwen"
}
`},
	{"gemini-oauth-%d-dev.json", `{
  "token": {
    "access_token": "ya29.fixture-gemini-access-%[1]d",
    "token_type": "Bearer",
    "refresh_token": "1//fixture-gemini-refresh-%[1]d",
    "expires_in": 3599,
    "expiry_timestamp": 4102444800,
    "email": "dev%[1]d@gmail.com",
    "project_id": "fixture-project-%[1]d"
  },
  "access_token": "ya29.fixture-gemini-access-%[1]d",
  "refresh_token": "1//fixture-gemini-refresh-%[1]d",
  "expires_in": 3599,
  "expires_at": %[2]d,
  "expiry_date": %[2]d,
  "expired": "2100-01-01T00:00:00.000Z",
  "scope": "https://www.googleapis.com/auth/cloud-platform https://www.googleapis.com/auth/userinfo.email",
  "email": "dev%[1]d@gmail.com",
  "project_id": "fixture-project-%[1]d",
  "projects": [{ "projectId": "fixture-project-%[1]d" }]
}
`},
	{"qwen-oauth-%d-static.json", `{"access_token": "at-%[1]d", "api_key": "sk-%[1]d", "noRefresh": true, "expires_at": %[2]d, "type": "qwen"}
`},
}

func BenchmarkScan10k(b *testing.B) {
	dir := b.TempDir()
	const n = 10000
	base := time.Now()
	for i := 0; i < n; i++ {
		shape := benchShapes[i%len(benchShapes)]
		expires := base.Add(time.Duration(i-n/2) * time.Minute).UnixMilli()
		name := fmt.Sprintf(shape.prefix, i)
		content := fmt.Sprintf(shape.content, i, expires)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		files, err := Scan(dir, Options{})
		if err != nil || len(files) != n {
			b.Fatalf("Scan: %d files, %v", len(files), err)
		}
		counts := map[Status]int{}
		for _, f := range files {
			s, _ := f.StatusAt(base, 30*time.Minute)
			counts[s]++
		}
		if counts[StatusInvalid] != 0 {
			b.Fatalf("invalid files in the benchmark set: %v", counts)
		}
	}
}

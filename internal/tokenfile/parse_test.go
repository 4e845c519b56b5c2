package tokenfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var (
	t2100 = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	t2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	now   = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)
)

func TestSkip(t *testing.T) {
	tests := []struct {
		name string
		skip bool
	}{
		{"iflow-oauth-1-work.json", false},
		{"mystery.json", false},
		{"iflow-oauth-1-work.json.1767000000000.bak", true},
		{"qwen.bak.json", true},
		{".hidden.json", true},
		{".iflow-oauth-1.json.lock", true},
		{".iflow-oauth-1.json.tmp-123", true},
		{"oauth-clients.local.json", true},
		{"deepseek-account-1.json", true},
		{"deepseek-other.json", false},
		{"notes.txt", true},
		{"token.JSON", true},
		{"token.json~", true},
	}
	for _, tt := range tests {
		if got := Skip(tt.name); got != tt.skip {
			t.Errorf("Skip(%q) = %v, want %v", tt.name, got, tt.skip)
		}
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		name string
		json string
		want time.Time // zero: none
	}{
		{"expires_at ms", `{"access_token":"a","expires_at":4102444800000}`, t2100},
		{"expires_at s", `{"access_token":"a","expires_at":4102444800}`, t2100},
		{"expires_at fractional s", `{"access_token":"a","expires_at":4102444800.5}`, t2100.Add(500 * time.Millisecond)},
		{"expires_at numeric string ms", `{"access_token":"a","expires_at":"4102444800000"}`, t2100},
		{"expires_at numeric string s", `{"access_token":"a","expires_at":" 4102444800 "}`, t2100},
		{"expires_at rfc3339", `{"access_token":"a","expires_at":"2100-01-01T00:00:00Z"}`, t2100},
		{"expires_at rfc3339 offset", `{"access_token":"a","expires_at":"2100-01-01T08:00:00+08:00"}`, t2100},
		{"expired ms string", `{"access_token":"a","expired":"2100-01-01T00:00:00.000Z"}`, t2100},
		{"expiry_date ms", `{"access_token":"a","expiry_date":4102444800000}`, t2100},
		{"expiry rfc3339", `{"access_token":"a","expiry":"2100-01-01T00:00:00Z"}`, t2100},
		{"expires_at before expired", `{"access_token":"a","expired":"2020-01-01T00:00:00Z","expires_at":4102444800000}`, t2100},
		{"expired before expiry_date", `{"access_token":"a","expiry_date":1577836800000,"expired":"2100-01-01T00:00:00Z"}`, t2100},
		{"expiry_date before expiry", `{"access_token":"a","expiry":"2020-01-01T00:00:00Z","expiry_date":4102444800000}`, t2100},
		{"unusable expires_at passes on", `{"access_token":"a","expires_at":"soon","expired":"2100-01-01T00:00:00Z"}`, t2100},
		{"null passes on", `{"access_token":"a","expires_at":null,"expiry_date":4102444800000}`, t2100},
		{"zero is none", `{"access_token":"a","expires_at":0}`, time.Time{}},
		{"timestamp + expires_in", `{"access_token":"a","timestamp":4102441200000,"expires_in":3600}`, t2100},
		{"timestamp s + expires_in string", `{"access_token":"a","timestamp":4102441200,"expires_in":"3600"}`, t2100},
		{"last_refresh rfc3339 + expires_in", `{"access_token":"a","last_refresh":"2099-12-31T23:00:00Z","expires_in":3600}`, t2100},
		{"expires_in alone is none", `{"access_token":"a","expires_in":3600}`, time.Time{}},
		{"nested expiry_timestamp wins", `{"token":{"access_token":"a","expiry_timestamp":4102444800},"access_token":"a","expires_at":1577836800000}`, t2100},
		{"nested expires_at", `{"token":{"access_token":"a","expires_at":"2100-01-01T00:00:00Z"},"expires_at":1577836800000}`, t2100},
		{"nested expiry ms", `{"token":{"access_token":"a","expiry":4102444800000},"expires_at":1577836800000}`, t2100},
		{"nested without expiry falls back", `{"token":{"access_token":"a"},"expires_at":4102444800000}`, t2100},
		{"nested access token alone", `{"token":{"access_token":"a","expiry_timestamp":4102444800}}`, t2100},
		{"api key only has none", `{"api_key":"sk-1"}`, time.Time{}},
		{"no access token has none", `{"refresh_token":"r","expires_at":4102444800000}`, time.Time{}},
		{"absurd number is none", `{"access_token":"a","expires_at":1e300}`, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse("/auth/x.json", []byte(tt.json), Options{})
			if f.Invalid != "" {
				t.Fatalf("invalid: %s", f.Invalid)
			}
			if !f.ExpiresAt.Equal(tt.want) {
				t.Errorf("ExpiresAt = %v, want %v", f.ExpiresAt, tt.want)
			}
		})
	}
}

func TestProvider(t *testing.T) {
	generic := Options{Generic: map[string]string{"corp-sso": "", "okta": "myokta", "gemini-corp": ""}}
	tests := []struct {
		file string
		json string
		opts Options
		want string
	}{
		{"x.json", `{"type":"iflow"}`, Options{}, ProviderIFlow},
		{"x.json", `{"type":"iflow-oauth"}`, Options{}, ProviderIFlow},
		{"x.json", `{"type":"qwen"}`, Options{}, ProviderQwen},
		{"x.json", `{"type":"qwen-oauth"}`, Options{}, ProviderQwen},
		{"x.json", `{"type":"gemini"}`, Options{}, ProviderGeminiCLI},
		{"x.json", `{"type":"gemini-cli"}`, Options{}, ProviderGeminiCLI},
		{"x.json", `{"type":"gemini-cli-oauth"}`, Options{}, ProviderGeminiCLI},
		{"x.json", `{"type":"gemini-oauth"}`, Options{}, ProviderGeminiCLI},
		{"x.json", `{"type":"antigravity"}`, Options{}, ProviderAntigravity},
		{"x.json", `{"type":"antigravity-oauth"}`, Options{}, ProviderAntigravity},
		{"x.json", `{"type":"Qwen"}`, Options{}, ProviderQwen},
		{"x.json", `{"provider":"iflow"}`, Options{}, ProviderIFlow},
		{"x.json", `{"type":"oauth","provider":"qwen"}`, Options{}, ProviderQwen},
		{"qwen-oauth-1.json", `{"type":"iflow"}`, Options{}, ProviderIFlow},
		{"qwen-oauth-1.json", `{"type":"something"}`, Options{}, ProviderQwen},
		{"qwen-oauth.json", `{}`, Options{}, ProviderQwen},
		{"iflow-oauth-1-work.json", `{}`, Options{}, ProviderIFlow},
		{"gemini-cli-oauth-1.json", `{}`, Options{}, ProviderGeminiCLI},
		{"gemini-oauth-2-work.json", `{}`, Options{}, ProviderGeminiCLI},
		{"antigravity-oauth.json", `{}`, Options{}, ProviderAntigravity},
		{"mystery.json", `{}`, Options{}, ""},
		// The plan's bare "<provider>.json" names.
		{"qwen.json", `{}`, Options{}, ProviderQwen},
		{"iflow.json", `{}`, Options{}, ProviderIFlow},
		{"gemini.json", `{}`, Options{}, ProviderGeminiCLI},
		{"gemini-cli.json", `{}`, Options{}, ProviderGeminiCLI},
		{"antigravity.json", `{}`, Options{}, ProviderAntigravity},
		{"qwenx.json", `{}`, Options{}, ""},
		{"x.json", `{"type":"corp-sso"}`, generic, "corp-sso"},
		{"x.json", `{"type":"corp-sso-oauth"}`, generic, "corp-sso"},
		{"x.json", `{"type":"corp-sso"}`, Options{}, ""},
		{"corp-sso-oauth-1.json", `{}`, generic, "corp-sso"},
		{"corp-sso.json", `{}`, generic, "corp-sso"},
		{"myokta-1.json", `{}`, generic, "okta"},
		{"okta-1.json", `{}`, generic, ""},
		{"gemini-corp-oauth-1.json", `{}`, generic, "gemini-corp"},
		{"broken-qwen.json", `{`, Options{}, ""},
		{"qwen-oauth-9.json", `{`, Options{}, ProviderQwen},
	}
	for _, tt := range tests {
		f := Parse("/auth/"+tt.file, []byte(tt.json), tt.opts)
		if f.Provider != tt.want {
			t.Errorf("%s %s: provider %q, want %q", tt.file, tt.json, f.Provider, tt.want)
		}
	}
}

func TestAliasAndDisplayName(t *testing.T) {
	tests := []struct {
		name        string
		file        string
		json        string
		aliases     map[string]string
		alias       string
		displayName string
	}{
		{"config wins", "iflow-oauth-1-work.json", `{"alias":"field","email":"a@b.c"}`, map[string]string{"iflow-oauth-1-work.json": "cfg"}, "cfg", "cfg (a@b.c)"},
		{"config default passed over", "iflow-oauth-1-work.json", `{"alias":"field"}`, map[string]string{"iflow-oauth-1-work.json": "default"}, "field", "field"},
		{"config empty passed over", "iflow-oauth-1-work.json", `{"alias":"field"}`, map[string]string{"iflow-oauth-1-work.json": ""}, "field", "field"},
		{"field before name", "iflow-oauth-1-work.json", `{"alias":"field"}`, nil, "field", "field"},
		{"field default passed over", "iflow-oauth-1-work.json", `{"alias":"default"}`, nil, "work", "work"},
		{"field Default passed over", "iflow-oauth-1-work.json", `{"alias":"Default"}`, nil, "work", "work"},
		{"name pattern", "gemini-oauth-2-my-team.json", `{}`, nil, "my-team", "my-team"},
		{"name pattern default", "iflow-oauth-1-default.json", `{"email":"a@b.c"}`, nil, "", "a@b.c"},
		{"name pattern without alias", "iflow-oauth-1.json", `{"name":"Ann"}`, nil, "", "Ann"},
		{"unicode alias", "x.json", `{"alias":"工作账号","email":"work@company.com"}`, nil, "工作账号", "工作账号 (work@company.com)"},
		{"nested email", "x.json", `{"token":{"email":"n@b.c"}}`, nil, "", "n@b.c"},
		{"top email before nested", "x.json", `{"email":"t@b.c","token":{"email":"n@b.c"}}`, nil, "", "t@b.c"},
		{"email before name", "x.json", `{"name":"Ann","email":"a@b.c","account_id":"acct"}`, nil, "", "a@b.c"},
		{"name before account", "x.json", `{"name":"Ann","account_id":"acct"}`, nil, "", "Ann"},
		{"account id", "x.json", `{"account_id":"acct"}`, nil, "", "acct"},
		{"numeric account id", "x.json", `{"account_id":4242}`, nil, "", "4242"},
		{"file name", "some-file.json", `{}`, nil, "", "some-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse("/auth/"+tt.file, []byte(tt.json), Options{Aliases: tt.aliases})
			if f.Alias != tt.alias || f.DisplayName != tt.displayName {
				t.Errorf("alias %q display %q, want %q %q", f.Alias, f.DisplayName, tt.alias, tt.displayName)
			}
		})
	}
}

func TestReadOnly(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		json     string
		readOnly bool
	}{
		{"static alias", "iflow-oauth-1-static.json", `{"access_token":"a","refresh_token":"r"}`, true},
		{"static alias field", "x.json", `{"alias":"static","access_token":"a"}`, true},
		{"noRefresh", "iflow-oauth-1.json", `{"access_token":"a","noRefresh":true}`, true},
		{"norefresh", "iflow-oauth-1.json", `{"access_token":"a","norefresh":true}`, true},
		{"norefresh string", "iflow-oauth-1.json", `{"access_token":"a","norefresh":"true"}`, true},
		{"norefresh false", "iflow-oauth-1.json", `{"access_token":"a","norefresh":false}`, false},
		{"unknown provider flag", "x.json", `{"access_token":"a","noRefresh":true}`, true},
		{"qwen flag without key", "qwen-oauth-1.json", `{"access_token":"a","refresh_token":"r","noRefresh":true}`, false},
		{"qwen flag key equals access", "qwen-oauth-1.json", `{"access_token":"a","api_key":"a","noRefresh":true}`, false},
		{"qwen flag distinct key", "qwen-oauth-1.json", `{"access_token":"a","apiKey":"sk-1","noRefresh":true}`, true},
		{"qwen type flag distinct key", "x.json", `{"type":"qwen","access_token":"a","api_key":"sk-1","norefresh":true}`, true},
		{"qwen static alias without key", "qwen-oauth-2-static.json", `{"access_token":"a"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse("/auth/"+tt.file, []byte(tt.json), Options{})
			if f.ReadOnly != tt.readOnly {
				t.Errorf("ReadOnly = %v, want %v", f.ReadOnly, tt.readOnly)
			}
		})
	}
}

func TestStatusAt(t *testing.T) {
	ahead := 30 * time.Minute
	ms := func(t time.Time) string { return jsonNumber(t.UnixMilli()) }
	tests := []struct {
		name        string
		file        string
		json        string
		status      Status
		reason      string
		refreshable bool
	}{
		{"not json", "qwen-oauth-1.json", `{"access_token":`, StatusInvalid, "not JSON", false},
		{"array", "qwen-oauth-1.json", `[1,2]`, StatusInvalid, "not a JSON object", false},
		{"null", "qwen-oauth-1.json", `null`, StatusInvalid, "not a JSON object", false},
		{"string", "qwen-oauth-1.json", `"x"`, StatusInvalid, "not a JSON object", false},
		{"no secret", "qwen-oauth-1.json", `{"email":"a@b.c","expires_at":1}`, StatusInvalid, "no access token, API key or refresh token", false},
		{"empty strings", "qwen-oauth-1.json", `{"access_token":"","refresh_token":""}`, StatusInvalid, "no access token, API key or refresh token", false},
		{"static beats expiry", "qwen-oauth-1-static.json", `{"access_token":"a","refresh_token":"r","expires_at":1577836800000}`, StatusStatic, "", false},
		{"qwen api key valid whatever expiry", "qwen-oauth-1.json", `{"access_token":"a","api_key":"sk","noRefresh":true,"expires_at":1577836800000}`, StatusStatic, "", false},
		{"refresh only", "qwen-oauth-1.json", `{"refresh_token":"r"}`, StatusExpired, "no access token", true},
		{"api key only", "iflow-oauth-1.json", `{"api_key":"sk"}`, StatusValid, "", false},
		{"no expiry", "iflow-oauth-1.json", `{"access_token":"a","refresh_token":"r"}`, StatusValid, "", true},
		{"far", "iflow-oauth-1.json", `{"access_token":"a","refresh_token":"r","expires_at":` + ms(now.Add(31*time.Minute)) + `}`, StatusValid, "", true},
		{"at the lead", "iflow-oauth-1.json", `{"access_token":"a","refresh_token":"r","expires_at":` + ms(now.Add(30*time.Minute)) + `}`, StatusExpiring, "", true},
		{"within lead", "iflow-oauth-1.json", `{"access_token":"a","refresh_token":"r","expires_at":` + ms(now.Add(time.Minute)) + `}`, StatusExpiring, "", true},
		{"at expiry", "iflow-oauth-1.json", `{"access_token":"a","refresh_token":"r","expires_at":` + ms(now) + `}`, StatusExpired, "", true},
		{"past", "iflow-oauth-1.json", `{"access_token":"a","refresh_token":"r","expires_at":1577836800000}`, StatusExpired, "", true},
		{"past known no refresh", "iflow-oauth-1.json", `{"access_token":"a","expires_at":1577836800000}`, StatusNeedsReauth, "no refresh token", false},
		{"past unknown no refresh", "x.json", `{"access_token":"a","expires_at":1577836800000}`, StatusExpired, "", false},
		{"past unknown with refresh", "x.json", `{"access_token":"a","refresh_token":"r","expires_at":1577836800000}`, StatusExpired, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Parse("/auth/"+tt.file, []byte(tt.json), Options{})
			status, reason := f.StatusAt(now, ahead)
			if status != tt.status || reason != tt.reason {
				t.Errorf("StatusAt = %s %q, want %s %q", status, reason, tt.status, tt.reason)
			}
			if got := f.Refreshable(); got != tt.refreshable {
				t.Errorf("Refreshable = %v, want %v", got, tt.refreshable)
			}
		})
	}
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestParseFields(t *testing.T) {
	f := Parse("/auth/gemini-oauth-1.json", []byte(`{"token":{"access_token":"na","refresh_token":"nr","project_id":"np"},"apiKey":"sk","projectId":"p2"}`), Options{})
	if f.AccessToken != "na" || f.RefreshToken != "nr" || f.APIKey != "sk" || f.ProjectID != "p2" {
		t.Errorf("got access %q refresh %q key %q project %q", Redact(f.AccessToken), Redact(f.RefreshToken), Redact(f.APIKey), f.ProjectID)
	}
	f = Parse("/auth/gemini-oauth-1.json", []byte(`{"token":{"project_id":"np"},"access_token":"ta","refresh_token":"tr"}`), Options{})
	if f.AccessToken != "ta" || f.RefreshToken != "tr" || f.ProjectID != "np" {
		t.Errorf("got access %q refresh %q project %q", Redact(f.AccessToken), Redact(f.RefreshToken), f.ProjectID)
	}
	data := []byte(`{"access_token":"a"}`)
	if f := Parse("/auth/x.json", data, Options{}); f.Name != "x.json" || f.Path != "/auth/x.json" || f.Size != int64(len(data)) || f.Hash == [32]byte{} {
		t.Errorf("identity fields wrong: %+v", f.Name)
	}
}

func TestReadTooLarge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qwen-oauth-1-big.json")
	big := `{"access_token":"a","pad":"` + strings.Repeat("x", MaxFileSize) + `"}`
	if err := os.WriteFile(path, []byte(big), 0o600); err != nil {
		t.Fatal(err)
	}
	f := Read(path, Options{})
	if status, reason := f.StatusAt(now, time.Minute); status != StatusInvalid || reason != "too large" {
		t.Errorf("status %s %q, want invalid \"too large\"", status, reason)
	}
	if f.Provider != ProviderQwen || f.Alias != "big" || f.Size != int64(len(big)) {
		t.Errorf("identity from the name: provider %q alias %q size %d", f.Provider, f.Alias, f.Size)
	}
	exact := `{"access_token":"a","pad":"` + strings.Repeat("x", MaxFileSize-len(`{"access_token":"a","pad":""}`)) + `"}`
	if err := os.WriteFile(path, []byte(exact), 0o600); err != nil {
		t.Fatal(err)
	}
	if f := Read(path, Options{}); f.Invalid != "" {
		t.Errorf("a file of exactly MaxFileSize is invalid: %s", f.Invalid)
	}
}

func TestReadNotRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qwen-oauth-1.json")
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if f := Read(path, Options{}); f.Invalid != "unreadable: not a regular file" || f.Provider != ProviderQwen {
		t.Errorf("Invalid %q provider %q", f.Invalid, f.Provider)
	}
}

func TestReadUnreadable(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("permission bits do not stop reads on windows")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "iflow-oauth-1.json")
	if os.Geteuid() == 0 {
		// Permission bits do not stop root: a symlink to itself fails to
		// open for everyone.
		if err := os.Symlink(path, path); err != nil {
			t.Fatal(err)
		}
	} else if err := os.WriteFile(path, []byte(`{"access_token":"a"}`), 0o000); err != nil {
		t.Fatal(err)
	}
	f := Read(path, Options{})
	if !strings.HasPrefix(f.Invalid, "unreadable") || f.Provider != ProviderIFlow {
		t.Errorf("Invalid %q provider %q", f.Invalid, f.Provider)
	}
}

func TestScan(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	token := `{"access_token":"a","expires_at":4102444800000}`
	write(filepath.Join(dir, "b.json"), token)
	write(filepath.Join(dir, "a.json"), token)
	write(filepath.Join(dir, "a.json.123.bak"), token)
	write(filepath.Join(dir, ".a.json.lock"), "")
	write(filepath.Join(dir, "notes.txt"), "x")
	write(filepath.Join(outside, "escape.json"), token)
	if err := os.Mkdir(filepath.Join(dir, "dir.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"c-inside.json":   filepath.Join(dir, "b.json"),
		"d-relative.json": "a.json",
		"e-escape.json":   filepath.Join(outside, "escape.json"),
		"f-dotdot.json":   filepath.Join("..", filepath.Base(outside), "escape.json"),
		"g-dangling.json": filepath.Join(dir, "gone.json"),
		"h-todir.json":    filepath.Join(dir, "dir.json"),
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Skipf("symlinks unavailable: %v", err)
		}
	}
	files, err := Scan(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if f.Invalid != "" {
			t.Errorf("%s invalid: %s", f.Name, f.Invalid)
		}
	}
	want := "a.json b.json c-inside.json d-relative.json"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("Scan = %s, want %s", got, want)
	}

	_, err = Scan(filepath.Join(dir, "missing"), Options{})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "missing")) {
		t.Errorf("Scan of a missing dir: %v, want an error naming it", err)
	}
}

// expectedEntry is one entry of testdata/fixtures/expected-list.json.
type expectedEntry struct {
	Provider    string  `json:"provider"`
	Alias       *string `json:"alias"`
	DisplayName *string `json:"displayName"`
	Status      Status  `json:"status"`
	ExpiresAt   *string `json:"expiresAt"`
}

func TestFixtures(t *testing.T) {
	const fixtures = "../../testdata/fixtures"
	raw, err := os.ReadFile(filepath.Join(fixtures, "expected-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	expected := map[string]expectedEntry{}
	for name, v := range doc {
		if strings.HasPrefix(name, "_") {
			continue
		}
		var e expectedEntry
		if err := json.Unmarshal(v, &e); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// expiresAt: null must be told apart from an absent key.
		var keys map[string]json.RawMessage
		_ = json.Unmarshal(v, &keys)
		if r, ok := keys["expiresAt"]; ok && string(r) == "null" {
			empty := ""
			e.ExpiresAt = &empty
		}
		expected[name] = e
	}

	files, err := Scan(filepath.Join(fixtures, "auth"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Name] = true
		want, ok := expected[f.Name]
		if !ok {
			t.Errorf("%s: listed, but expected-list.json does not name it", f.Name)
			continue
		}
		status, _ := f.StatusAt(time.Now(), 30*time.Minute)
		if f.Provider != want.Provider || status != want.Status {
			t.Errorf("%s: provider %q status %s, want %q %s", f.Name, f.Provider, status, want.Provider, want.Status)
		}
		if want.Alias != nil && f.Alias != *want.Alias {
			t.Errorf("%s: alias %q, want %q", f.Name, f.Alias, *want.Alias)
		}
		if want.DisplayName != nil && f.DisplayName != *want.DisplayName {
			t.Errorf("%s: displayName %q, want %q", f.Name, f.DisplayName, *want.DisplayName)
		}
		if want.ExpiresAt != nil {
			got := ""
			if !f.ExpiresAt.IsZero() {
				got = f.ExpiresAt.UTC().Format(time.RFC3339)
			}
			if got != *want.ExpiresAt {
				t.Errorf("%s: expiresAt %q, want %q", f.Name, got, *want.ExpiresAt)
			}
		}
	}
	for name := range expected {
		if !seen[name] {
			t.Errorf("%s: expected in the list, not returned by Scan", name)
		}
	}
}

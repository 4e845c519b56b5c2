package tokenfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
)

func TestMergeEmptyUpdateIsIdentity(t *testing.T) {
	inputs := []string{
		"{}",
		"{\n  \"a\": 1\n}\n",
		"  {\"a\":1,  \"b\" : [1, {\"c\":\"}\"}]}  \n",
	}
	for _, in := range inputs {
		for _, u := range []Update{{}, {Extra: map[string]any{"api_key": nil}}} {
			out, err := Merge([]byte(in), u)
			if err != nil || string(out) != in {
				t.Errorf("Merge(%q, empty) = %q, %v", in, out, err)
			}
		}
	}
}

func TestMergeFixturesEmptyUpdate(t *testing.T) {
	paths, _ := filepath.Glob("../../testdata/fixtures/auth/*.json")
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		out, err := Merge(data, Update{})
		if _, reason := decodeObject(data); reason != "" {
			if err == nil {
				t.Errorf("%s: Merge of a non-object succeeded", p)
			}
			continue
		}
		if err != nil || !bytes.Equal(out, data) {
			t.Errorf("%s: not byte-identical (%v)", p, err)
		}
	}
}

func TestMergeOneFieldChangesOnlyItsBytes(t *testing.T) {
	data, err := os.ReadFile("../../testdata/fixtures/auth/iflow-oauth-1-work.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := Merge(data, Update{AccessToken: "NEW-ACCESS-TOKEN-VALUE"})
	if err != nil {
		t.Fatal(err)
	}
	// The only difference is the value of access_token.
	old := []byte(`"fixture-iflow-access-1"`)
	i := bytes.Index(data, old)
	want := append(append(append([]byte{}, data[:i]...), `"NEW-ACCESS-TOKEN-VALUE"`...), data[i+len(old):]...)
	if !bytes.Equal(out, want) {
		t.Errorf("diff beyond the access_token value:\n%s", out)
	}
	prefix, suffix := commonPrefix(data, out), commonSuffix(data, out)
	if prefix < i || suffix < len(data)-i-len(old) {
		t.Errorf("changed bytes [%d, %d), want [%d, %d)", prefix, len(data)-suffix, i, i+len(old))
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

func TestMerge(t *testing.T) {
	exp := time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
	full := Update{AccessToken: "A2", RefreshToken: "R2", TokenType: "Bearer", ExpiresIn: 3600, ExpiresAt: exp}
	tests := []struct {
		name string
		in   string
		u    Update
		want string
	}{
		{
			name: "replace in place, append missing with the file's indent",
			in:   "{\n    \"access_token\": \"A1\",\n    \"refresh_token\": \"R1\",\n    \"keep\": {\"x\": [1, 2]}\n}\n",
			u:    Update{AccessToken: "A2", ExpiresAt: exp},
			want: "{\n    \"access_token\": \"A2\",\n    \"refresh_token\": \"R1\",\n    \"keep\": {\"x\": [1, 2]},\n    \"expires_at\": 4102444800000,\n    \"expired\": \"2100-01-01T00:00:00.000Z\"\n}\n",
		},
		{
			name: "tabs",
			in:   "{\n\t\"access_token\": \"A1\"\n}",
			u:    Update{AccessToken: "A2", ExpiresIn: 60},
			want: "{\n\t\"access_token\": \"A2\",\n\t\"expires_in\": 60\n}",
		},
		{
			name: "one line keeps its spacing",
			in:   `{ "access_token": "A1", "email": "a@b.c" }`,
			u:    Update{AccessToken: "A2", ExpiresIn: 60},
			want: `{ "access_token": "A2", "email": "a@b.c", "expires_in": 60 }`,
		},
		{
			name: "compact",
			in:   `{"access_token":"A1"}`,
			u:    Update{AccessToken: "A2", RefreshToken: "R2"},
			want: `{"access_token":"A2","refresh_token":"R2"}`,
		},
		{
			name: "empty object on one line is compact",
			in:   `{}`,
			u:    Update{AccessToken: "A2", ExpiresIn: 5},
			want: `{"access_token":"A2","expires_in":5}`,
		},
		{
			name: "empty object over lines gets two spaces",
			in:   "{\n}\n",
			u:    Update{AccessToken: "A2"},
			want: "{\n  \"access_token\": \"A2\"\n}\n",
		},
		{
			name: "empty refresh token keeps the old one",
			in:   `{"access_token":"A1","refresh_token":"R1","token_type":"bearer"}`,
			u:    Update{AccessToken: "A2"},
			want: `{"access_token":"A2","refresh_token":"R1","token_type":"bearer"}`,
		},
		{
			name: "expiry_date only where present",
			in:   `{"access_token":"A1","expiry_date":1,"expired":"x","expires_at":1}`,
			u:    Update{ExpiresAt: exp},
			want: `{"access_token":"A1","expiry_date":4102444800000,"expired":"2100-01-01T00:00:00.000Z","expires_at":4102444800000}`,
		},
		{
			name: "extras sorted, nil skipped, html not escaped",
			in:   `{"access_token":"A1","api_key":"old"}`,
			u:    Update{Extra: map[string]any{"resource_url": "https://portal.qwen.ai/?a=1&b=<2>", "apiKey": "sk-2", "api_key": "sk-2", "gone": nil}},
			want: `{"access_token":"A1","api_key":"sk-2","apiKey":"sk-2","resource_url":"https://portal.qwen.ai/?a=1&b=<2>"}`,
		},
		{
			name: "duplicate keys all replaced",
			in:   `{"access_token":"A0","access_token":"A1"}`,
			u:    Update{AccessToken: "A2"},
			want: `{"access_token":"A2","access_token":"A2"}`,
		},
		{
			name: "escaped keys and strings",
			in:   `{"a\"\\":"}\"{","access_token":"A1"}`,
			u:    Update{AccessToken: "A\"2"},
			want: `{"a\"\\":"}\"{","access_token":"A\"2"}`,
		},
		{
			name: "nested token updated, missing fields appended in its indent",
			in: "{\n  \"token\": {\n    \"access_token\": \"A1\",\n    \"expiry_timestamp\": 1,\n    \"expires_at\": \"2020-01-01T00:00:00Z\",\n    \"expiry\": 1577836800000\n  },\n" +
				"  \"access_token\": \"A1\",\n  \"expires_at\": 1\n}",
			u: full,
			want: "{\n  \"token\": {\n    \"access_token\": \"A2\",\n    \"expiry_timestamp\": 4102444800,\n    \"expires_at\": \"2100-01-01T00:00:00.000Z\",\n    \"expiry\": 4102444800000,\n" +
				"    \"token_type\": \"Bearer\",\n    \"refresh_token\": \"R2\",\n    \"expires_in\": 3600\n  },\n" +
				"  \"access_token\": \"A2\",\n  \"expires_at\": 4102444800000,\n  \"refresh_token\": \"R2\",\n  \"token_type\": \"Bearer\",\n  \"expires_in\": 3600,\n  \"expired\": \"2100-01-01T00:00:00.000Z\"\n}",
		},
		{
			name: "nested expiry in seconds stays seconds",
			in:   `{"token":{"expires_at":1}}`,
			u:    Update{ExpiresAt: exp},
			want: `{"token":{"expires_at":4102444800,"expiry_timestamp":4102444800},"expires_at":4102444800000,"expired":"2100-01-01T00:00:00.000Z"}`,
		},
		{
			name: "empty nested token over lines",
			in:   "{\n  \"token\": {}\n}",
			u:    Update{AccessToken: "A2"},
			want: "{\n  \"token\": {\n    \"access_token\": \"A2\"\n  },\n  \"access_token\": \"A2\"\n}",
		},
		{
			name: "token that is not an object is left alone",
			in:   `{"token":"abc"}`,
			u:    Update{AccessToken: "A2"},
			want: `{"token":"abc","access_token":"A2"}`,
		},
		{
			name: "crlf and trailing whitespace kept",
			in:   "{\r\n  \"access_token\": \"A1\"\r\n}\r\n",
			u:    Update{ExpiresIn: 1},
			want: "{\r\n  \"access_token\": \"A1\",\r\n  \"expires_in\": 1\r\n}\r\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Merge([]byte(tt.in), tt.u)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", out, tt.want)
			}
		})
	}
}

func TestMergeGeminiFixture(t *testing.T) {
	data, err := os.ReadFile("../../testdata/fixtures/auth/gemini-oauth-2-dev.json")
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2101, 2, 3, 4, 5, 6, 0, time.UTC)
	out, err := Merge(data, Update{AccessToken: "ya29.new", ExpiresIn: 3599, ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	f := Parse("/auth/gemini-oauth-2-dev.json", out, Options{})
	if f.AccessToken != "ya29.new" || !f.ExpiresAt.Equal(exp) || f.RefreshToken != "1//fixture-gemini-refresh" || f.ProjectID != "fixture-project-123" {
		t.Errorf("after merge: expires %v project %q", f.ExpiresAt, f.ProjectID)
	}
	var doc struct {
		Token struct {
			AccessToken     string `json:"access_token"`
			ExpiryTimestamp int64  `json:"expiry_timestamp"`
		} `json:"token"`
		ExpiresAt  int64  `json:"expires_at"`
		ExpiryDate int64  `json:"expiry_date"`
		Expired    string `json:"expired"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Token.AccessToken != "ya29.new" || doc.Token.ExpiryTimestamp != exp.Unix() ||
		doc.ExpiresAt != exp.UnixMilli() || doc.ExpiryDate != exp.UnixMilli() || doc.Expired != "2101-02-03T04:05:06.000Z" {
		t.Errorf("fields not all updated: %+v", doc)
	}
	if n := bytes.Count(out, []byte("\n")); n != bytes.Count(data, []byte("\n")) {
		t.Errorf("line count changed: %d -> %d", bytes.Count(data, []byte("\n")), n)
	}
}

func TestMergeRejectsNonObject(t *testing.T) {
	for _, in := range []string{"", "[1]", "null", "{", `"x"`, "{} {}"} {
		if _, err := Merge([]byte(in), Update{AccessToken: "a"}); !errors.Is(err, ErrNotObject) {
			t.Errorf("Merge(%q): %v, want ErrNotObject", in, err)
		}
	}
}

func FuzzMerge(f *testing.F) {
	paths, _ := filepath.Glob("../../testdata/fixtures/auth/*")
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, "access", "", int64(3600), int64(4102444800000))
		}
	}
	f.Add([]byte(`{"token":{}}`), "a", "r", int64(0), int64(1))
	f.Add([]byte("{\n}"), "", "", int64(0), int64(0))
	f.Fuzz(func(t *testing.T, data []byte, access, refresh string, expiresIn, expiresAtMS int64) {
		u := Update{AccessToken: access, RefreshToken: refresh, ExpiresIn: expiresIn, Extra: map[string]any{"api_key": access}}
		if expiresAtMS > 0 && expiresAtMS < 1e15 {
			u.ExpiresAt = time.UnixMilli(expiresAtMS)
		}
		out, err := Merge(data, u)
		var obj map[string]json.RawMessage
		isObject := json.Unmarshal(data, &obj) == nil && obj != nil
		if !isObject {
			if err == nil && !bytes.Equal(out, data) {
				t.Fatalf("non-object changed without error")
			}
			return
		}
		if err != nil {
			t.Fatalf("Merge of a valid object failed: %v", err)
		}
		if !json.Valid(out) {
			t.Fatalf("invalid JSON out of %q", data)
		}
		got := Parse("/auth/x.json", out, Options{})
		if access != "" && utf8.ValidString(access) && got.AccessToken != access {
			t.Fatalf("access token not set")
		}
	})
}

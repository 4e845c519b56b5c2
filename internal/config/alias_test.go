package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetAliasMerge(t *testing.T) {
	tests := []struct {
		name        string
		before      string // "" with noFile: no config file
		noFile      bool
		file, alias string
		want        string
	}{
		{
			name:   "no file: created",
			noFile: true, file: "qwen-oauth-1-a.json", alias: "工作",
			want: "{\n  \"tokenDaemon\": {\n    \"aliases\": {\n      \"qwen-oauth-1-a.json\": \"工作\"\n    }\n  }\n}\n",
		},
		{
			name:   "no tokenDaemon: appended last, RouteCodex keys untouched",
			before: "{\n    \"port\": 5520,\n    \"virtualrouter\": {\"x\": [1, 2]}\n}\n", file: "a.json", alias: "w",
			want: "{\n    \"port\": 5520,\n    \"virtualrouter\": {\"x\": [1, 2]},\n    \"tokenDaemon\": {\n        \"aliases\": {\n            \"a.json\": \"w\"\n        }\n    }\n}\n",
		},
		{
			name:   "tokenDaemon without aliases",
			before: "{\n  \"z\": 1,\n  \"tokenDaemon\": {\n    \"refreshAheadMinutes\": 20\n  },\n  \"a\": true\n}\n", file: "a.json", alias: "w",
			want: "{\n  \"z\": 1,\n  \"tokenDaemon\": {\n    \"refreshAheadMinutes\": 20,\n    \"aliases\": {\n      \"a.json\": \"w\"\n    }\n  },\n  \"a\": true\n}\n",
		},
		{
			name:   "empty tokenDaemon",
			before: "{\n  \"tokenDaemon\": {}\n}", file: "a.json", alias: "w",
			want: "{\n  \"tokenDaemon\": {\n    \"aliases\": {\n      \"a.json\": \"w\"\n    }\n  }\n}",
		},
		{
			name:   "null tokenDaemon",
			before: "{\"tokenDaemon\": null}", file: "a.json", alias: "w",
			want: "{\"tokenDaemon\": {\n  \"aliases\": {\n    \"a.json\": \"w\"\n  }\n}}",
		},
		{
			name:   "existing alias replaced in place",
			before: "{\n  \"tokenDaemon\": {\n    \"aliases\": { \"b.json\": \"x\", \"a.json\": \"old\" },\n    \"tray\": \"off\"\n  }\n}\n", file: "a", alias: "new",
			want: "{\n  \"tokenDaemon\": {\n    \"aliases\": { \"b.json\": \"x\", \"a.json\": \"new\" },\n    \"tray\": \"off\"\n  }\n}\n",
		},
		{
			name:   "key written without .json is the same file",
			before: "{\"tokenDaemon\":{\"aliases\":{\"a\":\"old\"}}}", file: "a.json", alias: "new",
			want: "{\"tokenDaemon\":{\"aliases\":{\"a\":\"new\"}}}",
		},
		{
			name:   "new alias appended to an inline object",
			before: "{\"tokenDaemon\":{\"aliases\":{\"b.json\":\"x\"}}}", file: "a.json", alias: "y",
			want: "{\"tokenDaemon\":{\"aliases\":{\"b.json\":\"x\", \"a.json\": \"y\"}}}",
		},
		{
			name:   "remove the middle one",
			before: "{\n  \"tokenDaemon\": {\n    \"aliases\": {\n      \"a.json\": \"1\",\n      \"b.json\": \"2\",\n      \"c.json\": \"3\"\n    }\n  }\n}\n", file: "b.json", alias: "",
			want: "{\n  \"tokenDaemon\": {\n    \"aliases\": {\n      \"a.json\": \"1\",\n      \"c.json\": \"3\"\n    }\n  }\n}\n",
		},
		{
			name:   "remove the first one",
			before: "{\"tokenDaemon\":{\"aliases\":{\"a.json\":\"1\", \"b.json\":\"2\"}}}", file: "a.json", alias: " ",
			want: "{\"tokenDaemon\":{\"aliases\":{\"b.json\":\"2\"}}}",
		},
		{
			name:   "remove the only one",
			before: "{\"tokenDaemon\":{\"aliases\":{\"a.json\":\"1\"}}}", file: "a.json", alias: "",
			want: "{\"tokenDaemon\":{\"aliases\":{}}}",
		},
		{
			name:   "removing an absent alias changes nothing",
			before: "{\"port\": 1}", file: "a.json", alias: "",
			want: "{\"port\": 1}",
		},
		{
			name:   "special characters are escaped",
			before: "{}", file: "a.json", alias: `he said "hi" \ <b>`,
			want: "{\n  \"tokenDaemon\": {\n    \"aliases\": {\n      \"a.json\": \"he said \\\"hi\\\" \\\\ \\u003cb\\u003e\"\n    }\n  }\n}",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if !tc.noFile {
				if err := os.WriteFile(path, []byte(tc.before), 0o640); err != nil {
					t.Fatal(err)
				}
			}
			if err := SetAlias(path, tc.file, tc.alias); err != nil {
				t.Fatalf("SetAlias: %v", err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("config after SetAlias:\n%s\nwant:\n%s", got, tc.want)
			}
			cfg, err := Load(path)
			if err != nil {
				t.Fatalf("result does not load: %v", err)
			}
			name := tc.file
			if !strings.HasSuffix(name, ".json") {
				name += ".json"
			}
			if want := strings.TrimSpace(tc.alias); cfg.Aliases[name] != want {
				t.Errorf("aliases[%s] = %q, want %q", name, cfg.Aliases[name], want)
			}
			info, _ := os.Stat(path)
			wantMode := os.FileMode(0o640)
			if tc.noFile {
				wantMode = 0o600
			}
			if info.Mode().Perm() != wantMode {
				t.Errorf("mode %v, want %v", info.Mode().Perm(), wantMode)
			}
			entries, _ := os.ReadDir(filepath.Dir(path))
			if len(entries) != 1 {
				t.Errorf("temporary files left behind: %v", entries)
			}
		})
	}
}

func TestSetAliasRefusesAndLeavesFileAlone(t *testing.T) {
	tests := []struct {
		name, before, file, alias string
	}{
		{"not JSON", "{not json", "a.json", "w"},
		{"not an object", "[1]", "a.json", "w"},
		{"tokenDaemon not an object", `{"tokenDaemon": 3}`, "a.json", "w"},
		{"aliases not an object", `{"tokenDaemon": {"aliases": []}}`, "a.json", "w"},
		{"path in file name", `{}`, "../x.json", "w"},
		{"control character", `{}`, "a.json", "a\nb"},
		{"too long", `{}`, "a.json", strings.Repeat("长", 65)},
		{"invalid rest of config", `{"tokenDaemon": {"refreshAheadMinutes": 0}}`, "a.json", "w"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			os.WriteFile(path, []byte(tc.before), 0o600)
			if err := SetAlias(path, tc.file, tc.alias); err == nil {
				t.Fatal("SetAlias succeeded; want an error")
			}
			if got, _ := os.ReadFile(path); string(got) != tc.before {
				t.Fatalf("file changed to %s", got)
			}
		})
	}
	if _, _, err := CheckAlias("a.json", "a\tb"); !errors.Is(err, ErrBadAlias) {
		t.Errorf("CheckAlias: %v, want ErrBadAlias", err)
	}
}

func TestSetAliasThroughSymlinkKeepsTheLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "config.json")
	os.WriteFile(real, []byte(`{"port": 1}`), 0o600)
	if err := os.Symlink(real, link); err != nil {
		t.Skip("no symlinks here:", err)
	}
	if err := SetAlias(link, "a.json", "w"); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	var m map[string]any
	data, _ := os.ReadFile(real)
	if err := json.Unmarshal(data, &m); err != nil || m["port"] != 1.0 {
		t.Fatalf("target: %s (%v)", data, err)
	}
}

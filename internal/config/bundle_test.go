package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBundleSettingsAndMerge(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.json")
	if err := os.WriteFile(src, []byte(`{
  "port": 5555,
  "tokenDaemon": {
    "aliases": {"qwen-oauth-1-work.json": "工作", "iflow-oauth-2": "me"},
    "providers": {
      "corp": {"flow": "authorization_code", "authUrl": "https://idp.example/auth", "tokenUrl": "https://idp.example/token", "clientId": "cid", "clientSecret": "CS-SECRET", "filePrefix": "corp"},
      "qwen": {"tokenUrl": "https://q.example/token"}
    }
  }
}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	aliases, provs, err := BundleSettings(src)
	if err != nil {
		t.Fatal(err)
	}
	if aliases["qwen-oauth-1-work.json"] != "工作" || aliases["iflow-oauth-2.json"] != "me" || len(provs) != 2 || provs[0].Name != "corp" {
		t.Fatalf("aliases %v providers %v", aliases, provs)
	}
	stripped := WithoutSecret(provs[0].Settings)
	if strings.Contains(string(stripped), "CS-SECRET") || !json.Valid(stripped) || !strings.Contains(string(stripped), `"clientId": "cid"`) {
		t.Fatalf("WithoutSecret: %s", stripped)
	}

	dst := filepath.Join(dir, "dst.json")
	orig := "{\n  \"port\": 1,\n  \"tokenDaemon\": {\n    \"aliases\": {\n      \"iflow-oauth-2.json\": \"mine\"\n    },\n    \"providers\": {\n      \"qwen\": {\"tokenUrl\": \"https://local.example/token\"}\n    }\n  },\n  \"zzz\": true\n}\n"
	if err := os.WriteFile(dst, []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	order := []string{"qwen-oauth-1-work.json", "iflow-oauth-2.json"}
	res, err := MergeBundle(dst, aliases, order, []RawProvider{{Name: "corp", Settings: stripped}, provs[1]}, true)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != orig {
		t.Fatalf("dry merge wrote the file:\n%s", got)
	}
	if len(res.AliasesAdded) != 1 || len(res.AliasesKept) != 1 || len(res.ProvidersAdded) != 1 || len(res.ProvidersKept) != 1 {
		t.Fatalf("dry result %+v", res)
	}
	if _, err := MergeBundle(dst, aliases, order, []RawProvider{{Name: "corp", Settings: stripped}, provs[1]}, false); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dst)
	cfg, err := Parse(dst, got)
	if err != nil {
		t.Fatalf("merged config does not load: %v\n%s", err, got)
	}
	if cfg.Aliases["qwen-oauth-1-work.json"] != "工作" || cfg.Aliases["iflow-oauth-2.json"] != "mine" ||
		cfg.Providers["corp"].ClientID != "cid" || cfg.Providers["qwen"].TokenURL != "https://local.example/token" {
		t.Fatalf("merged: %+v\n%s", cfg, got)
	}
	if !strings.HasPrefix(string(got), "{\n  \"port\": 1,\n  \"tokenDaemon\": {\n    \"aliases\": {\n      \"iflow-oauth-2.json\": \"mine\",") ||
		!strings.HasSuffix(string(got), "  },\n  \"zzz\": true\n}\n") {
		t.Fatalf("order or layout changed:\n%s", got)
	}
	if info, _ := os.Stat(dst); info.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v", info.Mode())
	}
	// Into a config that does not exist yet.
	fresh := filepath.Join(dir, "fresh.json")
	if _, err := MergeBundle(fresh, aliases, order, provs[:1], false); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(fresh)
	if cfg, err := Parse(fresh, data); err != nil || cfg.Providers["corp"].ClientSecret != "CS-SECRET" || cfg.Aliases["iflow-oauth-2.json"] != "me" {
		t.Fatalf("fresh: %v %+v\n%s", err, cfg, data)
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/bundle"
)

// Export and import (DESIGN.md section 13) with the real binary between
// two temporary homes.

// tree is every regular file under dir with its bytes and mode: what
// "nothing was written" is checked against.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			out[rel+"/"] = info.Mode().String()
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out[rel] = info.Mode().String() + " " + string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	var diff []string
	for k, v := range before {
		if after[k] != v {
			diff = append(diff, "changed or gone: "+k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			diff = append(diff, "new: "+k)
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Errorf("%s wrote something: %v", what, diff)
	}
}

// keyPair writes an age identity file and returns its path and public key.
func keyPair(t *testing.T) (string, string) {
	t.Helper()
	id, recip, err := bundle.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "key.txt")
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, recip
}

const corpProvider = `{"flow": "authorization_code", "authUrl": "https://idp.example/auth", "tokenUrl": "https://idp.example/token", "clientId": "corp-cid", "clientSecret": "CORP-CLIENT-SECRET", "filePrefix": "corp"}`

// writeRawConfig writes config.json as given.
func (h *home) writeRawConfig(text string) {
	h.t.Helper()
	if err := os.WriteFile(filepath.Join(h.dir, "config.json"), []byte(text), 0o600); err != nil {
		h.t.Fatal(err)
	}
}

func (h *home) file(name string) []byte {
	h.t.Helper()
	data, err := os.ReadFile(filepath.Join(h.auth, name))
	if err != nil {
		h.t.Fatal(err)
	}
	return data
}

// Round trip: every token file of one home arrives in the other byte for
// byte with its mode, the aliases and providers are merged into the other
// config.json (its own keys and order kept, client secrets only on
// request), the bundle holds no token or email in clear and the age CLI
// decrypts it, and each file has its audit line on both sides.
func TestExportImportRoundTrip(t *testing.T) {
	a, b := newHome(t), newHome(t)
	secrets := a.copyFixtures()
	secrets = append(secrets, "CORP-CLIENT-SECRET", "dev@company.com", "dev@gmail.com", "my@gmail.com")
	if err := os.Chmod(filepath.Join(a.auth, "gemini-oauth-2-dev.json"), 0o640); err != nil {
		t.Fatal(err)
	}
	a.writeRawConfig(`{"tokenDaemon": {"aliases": {"qwen-oauth-1-default.json": "工作"}, "providers": {"corp": ` + corpProvider + `}}}`)
	b.writeRawConfig("{\n  \"port\": 5506,\n  \"tokenDaemon\": {\n    \"language\": \"en\"\n  },\n  \"zzz\": [1]\n}\n")

	out := filepath.Join(t.TempDir(), "all.age")
	a.extraEnv = []string{"ROUTECODEX_EXPORT_PASSPHRASE=correct horse battery"}
	r := a.mustRun("token-daemon", "export", "--all", "--out", out, "--lang", "en")
	if !strings.Contains(r.stdout, "exported to "+out) || !strings.Contains(r.stderr, "qwen-oauth-1-default.json (qwen) gets a new refresh token") {
		t.Errorf("export said:\n%s\n%s", r.stdout, r.stderr)
	}
	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("bundle %v mode %v", err, info)
	}
	data, _ := os.ReadFile(out)
	noSecrets(t, "the bundle", string(data), secrets...)
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(leftovers) > 0 {
		t.Errorf("temporary files left beside the bundle: %v", leftovers)
	}

	before := tree(t, b.auth)
	b.extraEnv = a.extraEnv
	r = b.mustRun("token-daemon", "import", out, "--dry-run", "--lang", "en")
	if !strings.Contains(r.stdout, "dry run") || !strings.Contains(r.stdout, "qwen-oauth-1-default.json: new here") {
		t.Errorf("dry run said:\n%s", r.stdout)
	}
	sameTree(t, "import --dry-run", before, tree(t, b.auth))

	r = b.mustRun("token-daemon", "import", out, "--lang", "en")
	exported := 0
	entries, _ := os.ReadDir(a.auth)
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, ".json") && !strings.Contains(name, ".bak") && name != "oauth-clients.local.json" &&
			!strings.HasPrefix(name, "deepseek-") && name != "array.json" && name != "broken.json" {
			exported++
			ia, _ := os.Stat(filepath.Join(a.auth, name))
			ib, err := os.Stat(filepath.Join(b.auth, name))
			if err != nil {
				t.Errorf("%s not imported: %v\n%s", name, err, r.stdout)
				continue
			}
			if !bytes.Equal(a.file(name), b.file(name)) || ia.Mode() != ib.Mode() {
				t.Errorf("%s differs after the round trip (mode %v vs %v)", name, ia.Mode(), ib.Mode())
			}
		}
	}
	for _, skipped := range []string{"oauth-clients.local.json", "array.json", "notes.txt"} {
		if _, err := os.Stat(filepath.Join(b.auth, skipped)); err == nil {
			t.Errorf("%s was imported", skipped)
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(b.dir, "config.json"))
	if !strings.HasPrefix(string(cfg), "{\n  \"port\": 5506,\n  \"tokenDaemon\": {\n    \"language\": \"en\",") ||
		!strings.HasSuffix(string(cfg), "  },\n  \"zzz\": [1]\n}\n") ||
		!strings.Contains(string(cfg), `"qwen-oauth-1-default.json": "工作"`) || !strings.Contains(string(cfg), `"clientId": "corp-cid"`) ||
		strings.Contains(string(cfg), "CORP-CLIENT-SECRET") {
		t.Errorf("config.json after the import:\n%s", cfg)
	}
	st := b.run("token-daemon", "list", "--json")
	if !strings.Contains(st.stdout, `"displayName": "工作 (dev@company.com)"`) {
		t.Errorf("the alias does not apply in the other home:\n%s", st.stdout)
	}
	for _, h := range []*home{a, b} {
		audit, _ := os.ReadFile(filepath.Join(h.dir, "logs", "token-audit.jsonl"))
		event := map[*home]string{a: `"event":"export"`, b: `"event":"import"`}[h]
		if n := strings.Count(string(audit), event); n != exported {
			t.Errorf("%d audit lines %s, want %d:\n%s", n, event, exported, audit)
		}
		noSecrets(t, "the audit log", string(audit), secrets...)
	}

	// --include-secrets keeps the client secret; --armor writes text; a
	// recipient key instead of a passphrase; the age CLI decrypts it.
	keyFile, recip := keyPair(t)
	armored := filepath.Join(t.TempDir(), "work.txt")
	a.mustRun("token-daemon", "export", "qwen-oauth-1-default", "--recipient", recip, "--armor", "--include-secrets", "--out", armored)
	text, _ := os.ReadFile(armored)
	if !strings.HasPrefix(string(text), "-----BEGIN AGE ENCRYPTED FILE-----") {
		t.Fatalf("--armor wrote %q…", text[:20])
	}
	noSecrets(t, "the armored bundle", string(text), secrets...)
	ageBin, err := exec.LookPath("age")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("the age CLI is not installed (.ci/run installs Debian's age)")
		}
		t.Skip("the age CLI is not installed (Debian package age)")
	}
	plain, err := exec.Command(ageBin, "-d", "-i", keyFile, armored).Output()
	if err != nil {
		t.Fatalf("age -d: %v", err)
	}
	var doc struct {
		Format    string `json:"format"`
		Files     []struct{ Name string }
		Providers []struct {
			Name     string
			Settings map[string]any
		}
	}
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Format != bundle.FormatName || len(doc.Files) != 1 ||
		doc.Files[0].Name != "qwen-oauth-1-default.json" || doc.Providers[0].Settings["clientSecret"] != "CORP-CLIENT-SECRET" {
		t.Fatalf("age -d gave %v: %.300s", err, plain)
	}
}

package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

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

// qwenAccount is a qwen token file of one account (by email).
func qwenAccount(email, rt string, expires time.Time) string {
	return `{
  "access_token": "AT-` + rt + `",
  "refresh_token": "` + rt + `",
  "expires_at": ` + strconv.FormatInt(expires.UnixMilli(), 10) + `,
  "email": "` + email + `",
  "type": "qwen"
}
`
}

// The conflict rules: newer replaces only an older copy of the same
// account (found under its own name or another), skip never replaces,
// rename keeps another account's file and saves the bundle's copy as the
// next free name; identical files are left alone. --dry-run prints the
// plan and writes nothing.
func TestImportConflictRules(t *testing.T) {
	a := newHome(t)
	now := time.Now().Truncate(time.Second)
	later, sooner := now.Add(48*time.Hour), now.Add(24*time.Hour)
	a.writeToken("qwen-oauth-1-old.json", qwenAccount("old@example.com", "RT-OLD-A-SECRETVALUE", later))  // newer than B's
	a.writeToken("qwen-oauth-2-new.json", qwenAccount("new@example.com", "RT-NEW-A-SECRETVALUE", sooner)) // older than B's
	a.writeToken("qwen-oauth-3-taken.json", qwenAccount("mine@example.com", "RT-TAKEN-A-SECRETVALUE", later))
	a.writeToken("qwen-oauth-4-same.json", qwenAccount("same@example.com", "RT-SAME-SECRETVALUE", later))
	a.writeToken("qwen-oauth-5-moved.json", qwenAccount("moved@example.com", "RT-MOVED-A-SECRETVALUE", later))
	keyFile, recip := keyPair(t)
	out := filepath.Join(t.TempDir(), "b.age")
	a.mustRun("token-daemon", "export", "--all", "--recipient", recip, "--out", out)

	setupB := func() *home {
		b := newHome(t)
		b.writeToken("qwen-oauth-1-old.json", qwenAccount("old@example.com", "RT-OLD-B-SECRETVALUE", sooner))
		b.writeToken("qwen-oauth-2-new.json", qwenAccount("new@example.com", "RT-NEW-B-SECRETVALUE", later))
		b.writeToken("qwen-oauth-3-taken.json", qwenAccount("other@example.com", "RT-OTHER-B-SECRETVALUE", sooner))
		b.writeToken("qwen-oauth-4-same.json", qwenAccount("same@example.com", "RT-SAME-SECRETVALUE", later))
		b.writeToken("qwen-oauth-7-here.json", qwenAccount("moved@example.com", "RT-MOVED-B-SECRETVALUE", sooner))
		return b
	}
	run := func(b *home, args ...string) (result, map[string]string) {
		before := tree(t, b.auth)
		r := b.run(append([]string{"token-daemon", "import", out, "--identity", keyFile, "--lang", "en"}, args...)...)
		if r.code != 0 {
			t.Fatalf("import %v: exit %d\n%s\n%s", args, r.code, r.stdout, r.stderr)
		}
		return r, before
	}

	// Dry run: the plan of the default rule, nothing written.
	b := setupB()
	r, before := run(b, "--dry-run")
	for _, want := range []string{
		"qwen-oauth-1-old.json: the bundle's copy (qwen-oauth-1-old.json) is newer and replaces it",
		"qwen-oauth-2-new.json: skipped, the copy here (qwen-oauth-2-new.json) is as new or newer",
		"qwen-oauth-3-taken.json: skipped, qwen-oauth-3-taken.json here belongs to another account",
		"qwen-oauth-4-same.json: already the same here",
		"qwen-oauth-7-here.json: the bundle's copy (qwen-oauth-5-moved.json) is newer and replaces it",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("dry run lacks %q:\n%s", want, r.stdout)
		}
	}
	sameTree(t, "import --dry-run", before, tree(t, b.auth))

	// newer (the default).
	r, before = run(b)
	if got := string(b.file("qwen-oauth-1-old.json")); !strings.Contains(got, "RT-OLD-A-SECRETVALUE") {
		t.Errorf("the older copy of the same account was not replaced:\n%s\n%s", got, r.stdout)
	}
	for name, want := range map[string]string{
		"qwen-oauth-2-new.json":   "RT-NEW-B-SECRETVALUE",   // B's is newer
		"qwen-oauth-3-taken.json": "RT-OTHER-B-SECRETVALUE", // another account: never written over
		"qwen-oauth-7-here.json":  "RT-MOVED-A-SECRETVALUE", // same account under another name: replaced there
	} {
		if got := string(b.file(name)); !strings.Contains(got, want) {
			t.Errorf("%s holds\n%s\nwant %s", name, got, want)
		}
	}
	if _, err := os.Stat(filepath.Join(b.auth, "qwen-oauth-5-moved.json")); err == nil {
		t.Errorf("a second file of one account was made")
	}
	if strings.Count(r.stdout, "\n") != 5 {
		t.Errorf("one line per file expected:\n%s", r.stdout)
	}

	// skip: nothing existing is replaced.
	b = setupB()
	_, before = run(b, "--on-conflict", "skip")
	sameTree(t, "import --on-conflict skip", before, tree(t, b.auth))

	// rename: another account's name taken → the next free number.
	b = setupB()
	r, _ = run(b, "--on-conflict", "rename")
	if got := string(b.file("qwen-oauth-8-taken.json")); !strings.Contains(got, "RT-TAKEN-A-SECRETVALUE") {
		t.Errorf("rename: %s\n%s", got, r.stdout)
	}
	if got := string(b.file("qwen-oauth-3-taken.json")); !strings.Contains(got, "RT-OTHER-B-SECRETVALUE") {
		t.Errorf("rename wrote over the other account: %s", got)
	}
	if !strings.Contains(r.stdout, "qwen-oauth-3-taken.json → saved as qwen-oauth-8-taken.json") {
		t.Errorf("rename said:\n%s", r.stdout)
	}
	audit, _ := os.ReadFile(filepath.Join(b.dir, "logs", "token-audit.jsonl"))
	if !strings.Contains(string(audit), `"file":"qwen-oauth-8-taken.json","provider":"qwen"`) || !strings.Contains(string(audit), `"from":"qwen-oauth-3-taken.json"`) {
		t.Errorf("audit log:\n%s", audit)
	}
	noSecrets(t, "the audit log", string(audit), "RT-TAKEN-A-SECRETVALUE", "RT-OTHER-B-SECRETVALUE")

	r = b.run("token-daemon", "import", out, "--identity", keyFile, "--on-conflict", "sideways")
	if r.code == 0 || !strings.Contains(r.stderr, `unknown --on-conflict "sideways"`) {
		t.Errorf("bad rule: exit %d %q", r.code, r.stderr)
	}
}

// A wrong passphrase, a truncated or tampered bundle, another file, and a
// bundle of a newer format version: one sentence, a non-zero exit, and
// nothing written anywhere in the home.
func TestImportFailuresWriteNothing(t *testing.T) {
	a := newHome(t)
	a.copyFixtures()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.age")
	a.extraEnv = []string{"ROUTECODEX_EXPORT_PASSPHRASE=right"}
	a.mustRun("token-daemon", "export", "--all", "--out", good)
	data, _ := os.ReadFile(good)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tampered := append([]byte(nil), data...)
	tampered[len(tampered)-40] ^= 0x01
	doc, _ := json.Marshal(map[string]any{"format": bundle.FormatName, "version": bundle.Version + 1, "files": []any{}})
	var newer bytes.Buffer
	if err := bundle.Seal(&newer, doc, bundle.Key{Passphrase: "right", WorkFactor: 10}, false); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, file, pass, want string
	}{
		{"wrong passphrase", good, "wrong", "wrong passphrase or key; nothing was written"},
		{"truncated", write("short.age", data[:len(data)/2]), "right", "is damaged (truncated or changed); nothing was written"},
		{"tampered", write("tampered.age", tampered), "right", "is damaged (truncated or changed); nothing was written"},
		{"not a bundle", write("notes.age", []byte("just some notes\n")), "right", "is not a token bundle"},
		{"newer version", write("newer.age", newer.Bytes()), "right", "newer version (bundle format 2, this one reads up to 1)"},
	}
	b := newHome(t)
	b.writeRawConfig(`{"tokenDaemon": {"language": "en"}}`)
	b.writeToken("qwen-oauth-1-default.json", qwenAccount("dev@company.com", "RT-B-SECRETVALUE", time.Now().Add(time.Hour)))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := tree(t, b.dir)
			b.extraEnv = []string{"ROUTECODEX_EXPORT_PASSPHRASE=" + c.pass}
			r := b.run("token-daemon", "import", c.file)
			if r.code == 0 || r.stdout != "" {
				t.Errorf("exit %d, stdout %q", r.code, r.stdout)
			}
			checkOne(t, r.stderr, c.want)
			sameTree(t, "a failed import", before, tree(t, b.dir))
		})
	}
}

// checkOne fails unless stderr is one line holding want.
func checkOne(t *testing.T, stderr, want string) {
	t.Helper()
	if !strings.Contains(stderr, want) || strings.Count(strings.TrimSuffix(stderr, "\n"), "\n") != 0 ||
		strings.Contains(stderr, "goroutine ") {
		t.Errorf("stderr %q, want one line with %q", stderr, want)
	}
}

// Handoff: after `export --handoff`, a due token on a running daemon is
// not refreshed (shown static, "handed off"), while another due token is;
// importing the bundle back takes it back and the daemon refreshes it.
func TestExportHandoffStopsRefreshing(t *testing.T) {
	const handedRT, controlRT = "HANDED-RT-0-SECRETVALUE", "CONTROL-RT-0-SECRETVALUE"
	srv := newQwenServer(t, handedRT, controlRT)
	h := newHome(t)
	off := map[string]any{"autoRefresh": map[string]any{"enabled": false}}
	h.writeConfig(srv.URL, off)
	soon := time.Now().Add(5 * time.Minute)
	handed, control := "qwen-oauth-1-handed.json", "qwen-oauth-2-control.json"
	h.writeToken(handed, qwenFile("HANDED-AT-0-SECRETVALUE", handedRT, soon))
	h.writeToken(control, qwenFile("CONTROL-AT-0-SECRETVALUE", controlRT, soon))
	h.mustRun("token-daemon", "start")

	keyFile, recip := keyPair(t)
	out := filepath.Join(t.TempDir(), "handed.age")
	r := h.mustRun("token-daemon", "export", handed, "--handoff", "--recipient", recip, "--out", out)
	if !strings.Contains(r.stdout, "handed off: this machine no longer refreshes "+handed) || strings.Contains(r.stderr, "fork") {
		t.Errorf("export --handoff said:\n%s\n%s", r.stdout, r.stderr)
	}
	if st, reason, _, _ := h.status().token(handed); st != "static" || reason != "handed off" {
		t.Fatalf("after the handoff %s is %s (%s)", handed, st, reason)
	}
	if r := h.run("token-daemon", "refresh", handed); r.code == 0 || !strings.Contains(r.stdout+r.stderr, "handed off") {
		t.Errorf("refresh of a handed-off file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	exported := h.file(handed)

	// Automatic refresh on: both are due; only the control is refreshed.
	h.writeConfig(srv.URL, nil)
	eventually(t, 20*time.Second, "the control token refreshed", func() bool {
		return h.readToken(control)["refresh_token"] != controlRT
	})
	h.run("token-daemon", "status") // one more round trip through the daemon
	if !bytes.Equal(h.file(handed), exported) {
		t.Fatalf("the handed-off file was written:\n%s", h.file(handed))
	}
	srv.mu.Lock()
	stillValid := srv.valid[handedRT]
	srv.mu.Unlock()
	if !stillValid {
		t.Fatal("the handed-off refresh token was sent to the token server")
	}
	if st, _, _, _ := h.status().token(handed); st != "static" {
		t.Fatalf("%s is %s after the reload", handed, st)
	}

	// Importing the bundle back (the same bytes) takes it back.
	r = h.mustRun("token-daemon", "import", out, "--identity", keyFile)
	if !strings.Contains(r.stdout, "already the same here") {
		t.Errorf("import said:\n%s", r.stdout)
	}
	eventually(t, 20*time.Second, "the taken-back token refreshed", func() bool {
		return h.readToken(handed)["refresh_token"] != handedRT
	})
	if data, _ := os.ReadFile(filepath.Join(h.dir, "state", "token-handoff.json")); strings.Contains(string(data), handed) {
		t.Errorf("the handoff is still recorded:\n%s", data)
	}
	noSecretsInHome(t, h, handedRT, controlRT, "HANDED-AT-0-SECRETVALUE")
}

// On a terminal the passphrase is asked twice (a pty by script(1)); two
// different answers write nothing. Without a terminal and without a
// passphrase source, export says how to give one.
func TestExportAsksThePassphraseOnATerminal(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) (util-linux) is not installed: no pty to test the prompt with")
	}
	h := newHome(t)
	h.writeToken("qwen-oauth-1-tty.json", qwenAccount("tty@example.com", "TTY-RT-SECRETVALUE", time.Now().Add(time.Hour)))
	dir := t.TempDir()
	export := func(input, out string) result {
		t.Helper()
		cmd := exec.Command(scriptBin, "-qec", binary+" token-daemon export --all --lang en --out "+out, "/dev/null")
		cmd.Env = h.env()
		cmd.Stdin = strings.NewReader(input)
		var stdout bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stdout
		err := cmd.Run()
		r := result{stdout: stdout.String()}
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		}
		return r
	}
	good := filepath.Join(dir, "tty.age")
	r := export("tty pass\ntty pass\n", good)
	if r.code != 0 || !strings.Contains(r.stdout, "Passphrase of the bundle:") || !strings.Contains(r.stdout, "The same passphrase again:") {
		t.Fatalf("exit %d:\n%s", r.code, r.stdout)
	}
	h.extraEnv = []string{"ROUTECODEX_EXPORT_PASSPHRASE=tty pass"}
	h.mustRun("token-daemon", "import", good, "--dry-run") // the passphrase typed opens it
	h.extraEnv = nil

	bad := filepath.Join(dir, "bad.age")
	r = export("one\ntwo\n", bad)
	if r.code == 0 || !strings.Contains(r.stdout, "the two passphrases differ; nothing was written") {
		t.Errorf("mismatch: exit %d:\n%s", r.code, r.stdout)
	}
	if _, err := os.Stat(bad); err == nil {
		t.Error("a bundle was written after two different passphrases")
	}
	r = h.run("token-daemon", "export", "--all", "--out", bad)
	if r.code == 0 {
		t.Error("export without a passphrase source succeeded")
	}
	checkOne(t, r.stderr, "no passphrase: give --passphrase-file FILE, set ROUTECODEX_EXPORT_PASSPHRASE")
}

// Without a daemon: the handoff shows in `list` (static, handed off) and
// the next daemon start keeps it; importing the bundle back ends it.
func TestHandoffWithoutADaemon(t *testing.T) {
	h := newHome(t)
	name := "qwen-oauth-1-cold.json"
	h.writeToken(name, qwenAccount("cold@example.com", "COLD-RT-SECRETVALUE", time.Now().Add(48*time.Hour)))
	keyFile, recip := keyPair(t)
	out := filepath.Join(t.TempDir(), "cold.age")
	h.mustRun("token-daemon", "export", name, "--handoff", "--recipient", recip, "--out", out)
	listed := func() string {
		var got struct {
			Tokens []struct{ Status, Reason, ReasonCode string } `json:"tokens"`
		}
		r := h.mustRun("token-daemon", "list", "--json", "--lang", "en")
		if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got.Tokens) != 1 {
			t.Fatalf("list --json: %v\n%s", err, r.stdout)
		}
		tk := got.Tokens[0]
		return tk.Status + "/" + tk.Reason + "/" + tk.ReasonCode
	}
	if got := listed(); got != "static/handed off/handed_off" {
		t.Fatalf("after export --handoff: %s", got)
	}
	if r := h.mustRun("token-daemon", "list", "--lang", "zh"); !strings.Contains(r.stdout, "已移交") {
		t.Errorf("zh list does not say handed off:\n%s", r.stdout)
	}
	h.writeConfig("http://127.0.0.1:9", nil)
	h.mustRun("token-daemon", "start")
	if st, reason, _, _ := h.status().token(name); st != "static" || reason != "handed off" {
		t.Errorf("a daemon started after the export shows %s (%s)", st, reason)
	}
	h.mustRun("token-daemon", "stop")
	h.mustRun("token-daemon", "import", out, "--identity", keyFile)
	if got := listed(); got != "valid//" {
		t.Fatalf("after the import back: %s", got)
	}
}

// Package archtest keeps the dependency rules of DESIGN.md section 8: a small
// core that knows nothing of sockets, browsers or notifications, with
// adapters around it.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/routecodex/token-daemon"

// rules: for each package, what of this module and outside the standard
// library it may depend on (directly or not). Prefixes match.
// ours: allowed packages of this module; external: allowed packages outside
// the standard library; forbidStd: standard-library packages it must not use.
var rules = []rule{
	{
		pkg:      "internal/tokenfile",
		ours:     nil,
		external: []string{"github.com/gofrs/flock", "golang.org/x/sys"},
	},
	{
		pkg:      "internal/provider",
		ours:     []string{"internal/tokenfile"},
		external: []string{"github.com/gofrs/flock", "golang.org/x/sys", "golang.org/x/oauth2"},
	},
	{
		pkg:       "internal/daemon",
		ours:      []string{"internal/tokenfile", "internal/provider", "internal/health"},
		external:  []string{"github.com/gofrs/flock", "golang.org/x/sys", "golang.org/x/oauth2"},
		forbidStd: []string{"net/http/httptest", "os/exec", "os/signal"},
	},
	// The tray and the web UI are clients of the daemon through ipc: they
	// may see its wire types (and what those are made of), never its
	// internals, the auth server or the CLI.
	{
		pkg:      "internal/web",
		ours:     []string{"internal/ipc", "internal/httplimits", "internal/i18n", "internal/daemon", "internal/provider", "internal/tokenfile", "internal/health"},
		external: []string{"github.com/gofrs/flock", "golang.org/x/sys", "golang.org/x/oauth2"},
	},
	{
		pkg:  "internal/tray",
		ours: []string{"internal/ipc", "internal/httplimits", "internal/i18n", "internal/daemon", "internal/provider", "internal/tokenfile", "internal/health"},
		external: []string{"github.com/gofrs/flock", "golang.org/x/sys", "golang.org/x/oauth2",
			"fyne.io/systray", "github.com/godbus/dbus/v5", "github.com/cli/browser"},
	},
	// The pieces of local access (DESIGN.md section 10) are small and
	// stand alone; opener is the one that launches a browser.
	{pkg: "internal/safefile", ours: nil, external: []string{"golang.org/x/sys"}},
	{pkg: "internal/termtext", ours: nil, external: nil},
	{pkg: "internal/httplimits", ours: nil, external: nil},
	{pkg: "internal/opener", ours: []string{"internal/safefile"}, external: []string{"github.com/cli/browser", "golang.org/x/sys"}},
	// The user service is templates and commands: nothing of ours.
	{
		pkg:       "internal/install",
		ours:      nil,
		external:  nil,
		forbidStd: []string{"net/http"},
	},
	// Webhooks are an adapter behind the core's Notifier port: the core's
	// port types (and what they are made of) and the message catalogs.
	{
		pkg:      "internal/webhook",
		ours:     []string{"internal/daemon", "internal/i18n", "internal/provider", "internal/tokenfile", "internal/health"},
		external: []string{"github.com/gofrs/flock", "golang.org/x/sys", "golang.org/x/oauth2"},
	},
	// The export format is pure: age and its crypto, nothing of ours, no
	// network.
	{
		pkg:       "internal/bundle",
		ours:      nil,
		external:  []string{"filippo.io/age", "filippo.io/hpke", "golang.org/x/crypto", "golang.org/x/sys"},
		forbidStd: []string{"net", "net/http", "os/exec"},
	},
	// The cluster adapter in the default build: only its shared age key
	// (the etcd part, behind the tag cluster, is checked by cluster_test.go).
	{
		pkg:       "internal/cluster",
		ours:      []string{"internal/tokenfile"},
		external:  []string{"filippo.io/age", "filippo.io/hpke", "golang.org/x/crypto", "golang.org/x/sys"},
		forbidStd: []string{"net/http", "os/exec"},
	},
	// Other tools' token files (DESIGN.md section 15): formats over the
	// file model, no network, no watching, nothing of the daemon.
	{
		pkg:       "internal/sources",
		ours:      []string{"internal/tokenfile"},
		external:  []string{"github.com/gofrs/flock", "golang.org/x/sys"},
		forbidStd: []string{"net", "net/http", "os/exec"},
	},
	// The health score is a pure function: nothing of ours, no I/O.
	{
		pkg:       "internal/health",
		ours:      nil,
		external:  nil,
		forbidStd: []string{"net", "net/http", "os/exec"},
	},
	// Opens of files by other programs (inotify): an adapter of its own,
	// nothing of ours; the CLI wires it to the core and to tokenfile.
	{pkg: "internal/openwatch", ours: nil, external: []string{"golang.org/x/sys"}},
	// Export and import: the bundle format, the file model and config.json;
	// no daemon, ipc or web (the CLI tells a running daemon). net/http comes
	// only with config's provider settings.
	{
		pkg:  "internal/transfer",
		ours: []string{"internal/bundle", "internal/config", "internal/tokenfile", "internal/provider", "internal/i18n", "internal/safefile", "internal/sources"}, // sources through config,
		external: []string{"filippo.io/age", "filippo.io/hpke", "golang.org/x/crypto", "golang.org/x/sys", "golang.org/x/oauth2",
			"github.com/gofrs/flock"},
		forbidStd: []string{"os/exec", "net/http/httptest"},
	},
	// A pure helper: anything may use it, it uses nothing of ours.
	{
		pkg:  "internal/redact",
		ours: nil,
	},
	// The stand-in for the codex and claude endpoints: tests only, nothing
	// of ours (TestProductHasNoFakes keeps it out of the binary).
	{
		pkg:  "internal/fakeprov",
		ours: nil,
	},
}

// TestProductHasNoFakes: the binary never links a test stand-in.
func TestProductHasNoFakes(t *testing.T) {
	for _, d := range deps(t, "cmd/routecodex") {
		if strings.HasSuffix(d, "/internal/fakeprov") {
			t.Errorf("cmd/routecodex depends on %s", d)
		}
	}
}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	var list []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" && l != module+"/"+pkg {
			list = append(list, l)
		}
	}
	return list
}

func stdDeps(t *testing.T, pkg string) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if .Standard}}{{.ImportPath}}{{end}}", module+"/"+pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	m := map[string]bool{}
	for _, l := range strings.Split(string(out), "\n") {
		m[strings.TrimSpace(l)] = true
	}
	return m
}

func hasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p+"/") {
			return true
		}
	}
	return false
}

type rule = struct {
	pkg       string
	ours      []string
	external  []string
	forbidStd []string
}

// violations lists what pkg depends on against rule r.
func violations(t *testing.T, pkg string, r rule) []string {
	var bad []string
	for _, d := range deps(t, pkg) {
		if strings.HasPrefix(d, module+"/") {
			if !hasPrefix(strings.TrimPrefix(d, module+"/"), r.ours) {
				bad = append(bad, d)
			}
			continue
		}
		if !hasPrefix(d, r.external) {
			bad = append(bad, d)
		}
	}
	std := stdDeps(t, pkg)
	for _, f := range r.forbidStd {
		if std[f] {
			bad = append(bad, f)
		}
	}
	return bad
}

func TestDependencyRules(t *testing.T) {
	for _, r := range rules {
		for _, d := range violations(t, r.pkg, r) {
			t.Errorf("%s must not depend on %s (DESIGN.md section 8)", r.pkg, d)
		}
	}
}

// The checker must be able to fail: an adapter measured by the core's rule
// breaks it.
func TestDependencyRulesCatchAViolation(t *testing.T) {
	core := rules[2]
	if core.pkg != "internal/daemon" {
		t.Fatalf("rules[2] is %s, want internal/daemon", core.pkg)
	}
	if len(violations(t, "internal/ipc", core)) == 0 {
		t.Fatal("internal/ipc passes the core's rule; the checker cannot fail")
	}
}

// The core must not run an HTTP server: net/http may come in through
// provider (it is an HTTP client), but daemon's own files must not import it.
func TestDaemonImportsNoNetHTTP(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}", module+"/internal/daemon").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Split(string(out), "\n") {
		switch strings.TrimSpace(imp) {
		case "net/http", "net", "github.com/fsnotify/fsnotify", "github.com/spf13/cobra":
			t.Errorf("internal/daemon imports %s; the core knows nothing of sockets, servers or watching", imp)
		}
	}
}

// The tray and the web UI reach the daemon only through ipc: neither may
// import the core (or the auth server) directly.
func TestClientsTalkThroughIPC(t *testing.T) {
	for _, pkg := range []string{"internal/web", "internal/tray"} {
		out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}", module+"/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, imp := range strings.Split(string(out), "\n") {
			switch strings.TrimPrefix(strings.TrimSpace(imp), module+"/") {
			case "internal/daemon", "internal/authflow", "internal/cli", "internal/notify", "internal/watch":
				t.Errorf("%s imports %s; it must talk to the daemon through internal/ipc", pkg, imp)
			}
		}
	}
}

// Of the core, webhook uses only the port types (Notice, Notifier, Clock):
// its own imports of this module are the core package and the catalogs,
// never the notifier of the desktop, the local API or the CLI.
func TestWebhookImportsOnlyThePort(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}", module+"/internal/webhook").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, imp := range strings.Split(string(out), "\n") {
		imp = strings.TrimSpace(imp)
		if strings.HasPrefix(imp, module+"/") {
			switch strings.TrimPrefix(imp, module+"/") {
			case "internal/daemon", "internal/i18n":
			default:
				t.Errorf("internal/webhook imports %s; it may use only the core's port types and the catalogs", imp)
			}
		}
	}
}

// The core knows nothing of services or webhooks.
func TestCoreImportsNoServiceOrWebhook(t *testing.T) {
	for _, d := range deps(t, "internal/daemon") {
		switch strings.TrimPrefix(d, module+"/") {
		case "internal/install", "internal/webhook", "internal/notify":
			t.Errorf("internal/daemon depends on %s", d)
		}
	}
}

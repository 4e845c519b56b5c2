package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

// Cluster mode (DESIGN.md section 16): etcd is an adapter. Only
// internal/cluster imports the etcd client (and gRPC with it); it uses
// nothing of ours but the file model; the core knows nothing of etcd; and
// the default build (no tag "cluster") carries no etcd at all.

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func isEtcd(p string) bool {
	return strings.HasPrefix(p, "go.etcd.io/") || strings.HasPrefix(p, "google.golang.org/grpc")
}

func TestEtcdOnlyInTheClusterAdapter(t *testing.T) {
	for _, line := range goList(t, "-tags", "cluster", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] == module+"/internal/cluster" {
			continue
		}
		for _, imp := range fields[1:] {
			if isEtcd(imp) {
				t.Errorf("%s imports %s; only internal/cluster may talk to etcd", fields[0], imp)
			}
		}
	}
}

func TestClusterAdapterUsesOnlyTheFileModel(t *testing.T) {
	for _, d := range goList(t, "-tags", "cluster", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/internal/cluster") {
		if rest, ok := strings.CutPrefix(d, module+"/"); ok && rest != "internal/cluster" && rest != "internal/tokenfile" {
			t.Errorf("internal/cluster depends on %s; it implements the core's port and uses only internal/tokenfile", d)
		}
	}
	for _, d := range goList(t, "-tags", "cluster", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/internal/daemon") {
		if isEtcd(d) || d == module+"/internal/cluster" {
			t.Errorf("the core depends on %s", d)
		}
	}
}

func TestDefaultBuildHasNoEtcd(t *testing.T) {
	for _, d := range goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/cmd/routecodex") {
		if isEtcd(d) {
			t.Fatalf("the default build depends on %s; the etcd client belongs behind the build tag cluster", d)
		}
	}
	var found bool
	for _, d := range goList(t, "-tags", "cluster", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", module+"/cmd/routecodex") {
		found = found || strings.HasPrefix(d, "go.etcd.io/etcd/client/v3")
	}
	if !found {
		t.Fatal("the build with -tags cluster has no etcd client: the check above proves nothing")
	}
}

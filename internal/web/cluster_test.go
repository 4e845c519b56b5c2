package web

import (
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

// envCluster is the cluster newEnv's daemon reports (nil: none).
var envCluster *ipc.ClusterInfo

func TestDashboardShowsTheCluster(t *testing.T) {
	if _, page := newEnv(t, i18n.EN).get("/ui"); strings.Contains(page, `id="cluster"`) {
		t.Fatal("a cluster line without a cluster")
	}
	envCluster = &ipc.ClusterInfo{Node: "n2", Role: "follower", Leader: "n1", Members: []string{"n1", "n2"}}
	defer func() { envCluster = nil }()
	for lang, want := range map[i18n.Lang]string{
		i18n.EN: "Cluster: node n2 · follower · leader n1 · members [n1 n2]",
		i18n.ZH: "集群：节点 n2 · 跟随者 · 领导者 n1 · 成员 [n1 n2]",
	} {
		_, page := newEnv(t, lang).get("/ui")
		if !strings.Contains(page, `data-role="follower"`) || !strings.Contains(page, want) {
			i := strings.Index(page, `id="cluster"`)
			t.Errorf("%s: the page lacks %q: %.300s", lang, want, page[max(i, 0):])
		}
	}
}

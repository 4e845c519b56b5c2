//go:build !cluster

package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Without the build tag "cluster" there is no etcd client in the binary:
// a configured cluster is refused with one sentence rather than ignored
// (ignoring it would make this host a second refresher).

func buildClusterNode(_ *Factory, s *Settings, _ *slog.Logger) (clusterImpl, error) {
	return nil, errors.New(i18n.T(s.Lang, i18n.ClusterNotBuilt, s.Paths.Config))
}

func runClusterJoin(_ context.Context, _ *Factory, s *Settings) error {
	return errors.New(i18n.T(s.Lang, i18n.ClusterNotBuilt, s.Paths.Config))
}

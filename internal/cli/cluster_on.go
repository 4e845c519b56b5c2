//go:build cluster

package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/cluster"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

// clusterAdapter turns the cluster package's node into the wiring's view.
type clusterAdapter struct{ *cluster.Node }

func (a clusterAdapter) ClusterInfo() ipc.ClusterInfo {
	in := a.Info()
	return ipc.ClusterInfo{Node: in.Node, Role: string(in.Role), Leader: in.Leader, Members: in.Members}
}

func clusterOptions(s *Settings, logger *slog.Logger) (cluster.Options, error) {
	c := s.Config.Cluster
	key, err := cluster.LoadKey(clusterKeyPath(s))
	if err != nil {
		return cluster.Options{}, clusterKeyError(err)
	}
	tlsCfg, err := clusterTLS(s)
	if err != nil {
		return cluster.Options{}, err
	}
	return cluster.Options{
		Endpoints: c.Etcd(), Username: c.Username, Password: c.Password, TLS: tlsCfg,
		Prefix: c.Prefix, Node: clusterNodeName(s), LeaseSeconds: c.LeaseSeconds, Key: key,
		AuthDir: s.Paths.AuthDir, StateFile: filepath.Join(s.Paths.StateDir, "cluster.json"), Logger: logger,
	}, nil
}

func buildClusterNode(_ *Factory, s *Settings, logger *slog.Logger) (clusterImpl, error) {
	opt, err := clusterOptions(s, logger)
	if err != nil {
		return nil, err
	}
	n, err := cluster.New(opt)
	if err != nil {
		return nil, err
	}
	return clusterAdapter{n}, nil
}

// clusterTLS is the TLS configuration of tokenDaemon.cluster.etcd.tls (nil
// for plain http endpoints without it).
func clusterTLS(s *Settings) (*tls.Config, error) {
	c := s.Config.Cluster
	https := false
	for _, ep := range c.Endpoints {
		https = https || strings.HasPrefix(ep, "https://")
	}
	if !https && c.TLS.CA == "" && c.TLS.Cert == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if c.TLS.CA != "" {
		pem, err := os.ReadFile(homeRelative(s, c.TLS.CA))
		if err != nil {
			return nil, fmt.Errorf("tokenDaemon.cluster.etcd.tls.ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tokenDaemon.cluster.etcd.tls.ca: %s holds no PEM certificate", homeRelative(s, c.TLS.CA))
		}
		cfg.RootCAs = pool
	}
	if c.TLS.Cert != "" {
		pair, err := tls.LoadX509KeyPair(homeRelative(s, c.TLS.Cert), homeRelative(s, c.TLS.Key))
		if err != nil {
			return nil, fmt.Errorf("tokenDaemon.cluster.etcd.tls.cert: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return cfg, nil
}

// runClusterJoin checks that this node reaches etcd and that its key opens
// the cluster's files.
func runClusterJoin(ctx context.Context, f *Factory, s *Settings) error {
	opt, err := clusterOptions(s, nil)
	if err != nil {
		return err
	}
	opt.DialTimeout = 5 * time.Second
	eps := strings.Join(opt.Endpoints, ", ")
	res, err := cluster.Check(ctx, opt)
	switch {
	case errors.Is(err, cluster.ErrWrongKey):
		return errors.New(i18n.T(s.Lang, i18n.ClusterJoinWrongKey, clusterKeyPath(s)))
	case err != nil:
		return errors.New(i18n.T(s.Lang, i18n.ClusterJoinNoEtcd, eps, oneLine(err.Error())))
	}
	_, err = fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ClusterJoinOK, eps, res.Version, opt.Node, clusterKeyPath(s), res.Files))
	return err
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/cluster"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// Cluster mode (DESIGN.md section 16). The etcd adapter is built only with
// the build tag "cluster" (cluster_on.go); without it (cluster_off.go) a
// configured cluster is a clear error, and `cluster init` still works.

// clusterImpl is the adapter as the daemon's wiring uses it.
type clusterImpl interface {
	daemon.Cluster
	Run(ctx context.Context) error
	OnRole(fn func())
	ClusterInfo() ipc.ClusterInfo
	Close() error
}

// clusterNode is the node of this daemon; nil without tokenDaemon.cluster.
type clusterNode struct{ impl clusterImpl }

// port is the core's Cluster port: a nil interface without a cluster.
func (n *clusterNode) port() daemon.Cluster {
	if n == nil {
		return nil
	}
	return n.impl
}

func (n *clusterNode) onRole(fn func()) {
	if n != nil {
		n.impl.OnRole(fn)
	}
}

func (n *clusterNode) info() *ipc.ClusterInfo {
	if n == nil {
		return nil
	}
	in := n.impl.ClusterInfo()
	return &in
}

func (n *clusterNode) run(ctx context.Context) error {
	defer n.impl.Close()
	return n.impl.Run(ctx)
}

// newClusterNode builds the node of tokenDaemon.cluster (nil without it).
func newClusterNode(f *Factory, s *Settings, logger *slog.Logger) (*clusterNode, error) {
	if s.Config.Cluster == nil {
		return nil, nil
	}
	impl, err := buildClusterNode(f, s, logger)
	if err != nil {
		return nil, err
	}
	return &clusterNode{impl: impl}, nil
}

// clusterKeyPath is tokenDaemon.cluster.keyFile, relative to the home,
// default <home>/cluster.key.
func clusterKeyPath(s *Settings) string {
	p := "cluster.key"
	if c := s.Config.Cluster; c != nil && c.KeyFile != "" {
		p = c.KeyFile
	}
	return homeRelative(s, p)
}

func homeRelative(s *Settings, p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.Paths.Home, p)
}

// clusterNodeName is tokenDaemon.cluster.node, default the host name.
func clusterNodeName(s *Settings) string {
	if c := s.Config.Cluster; c != nil && c.Node != "" {
		return c.Node
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "node"
	}
	return strings.NewReplacer("/", "-", " ", "-").Replace(h)
}

// clusterLine is the cluster line of `status`.
func clusterLine(lang i18n.Lang, c *ipc.ClusterInfo) string {
	role := i18n.ClusterRoleUnreached
	switch c.Role {
	case "leader":
		role = i18n.ClusterRoleLeader
	case "follower":
		role = i18n.ClusterRoleFollower
	}
	leader, members := c.Leader, strings.Join(c.Members, ", ")
	if leader == "" {
		leader = i18n.T(lang, i18n.ClusterNone)
	}
	if members == "" {
		members = i18n.T(lang, i18n.ClusterNone)
	}
	return i18n.T(lang, i18n.ClusterStatusLine, i18n.T(lang, role), termtext.Escape(c.Node),
		termtext.Escape(leader), termtext.Escape(members))
}

// NewCmdCluster is `routecodex token-daemon cluster init|join`.
func NewCmdCluster(f *Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Args: cobra.NoArgs}
	var keyPath string
	var endpoints []string
	initCmd := &cobra.Command{
		Use:  "init",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runClusterInit(f, keyPath, endpoints) },
	}
	initCmd.Flags().StringVar(&keyPath, "key", "", "")
	initCmd.Flags().StringSliceVar(&endpoints, "etcd", nil, "")
	joinCmd := &cobra.Command{
		Use:  "join",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := f.Settings()
			if err != nil {
				return err
			}
			if s.Config.Cluster == nil {
				return errors.New(i18n.T(s.Lang, i18n.ClusterJoinNoConfig, s.Paths.Config))
			}
			return runClusterJoin(cmd.Context(), f, s)
		},
	}
	cmd.AddCommand(initCmd, joinCmd)
	return cmd
}

// runClusterInit creates the shared key and prints what every node needs.
func runClusterInit(f *Factory, keyPath string, endpoints []string) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if keyPath == "" {
		keyPath = clusterKeyPath(s)
	} else if abs, err := filepath.Abs(keyPath); err == nil {
		keyPath = abs
	}
	if len(endpoints) == 0 {
		endpoints = []string{"http://127.0.0.1:2379"}
		if c := s.Config.Cluster; c != nil {
			endpoints = c.Etcd()
		}
	}
	if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
		return err
	}
	pub, err := cluster.GenerateKey(keyPath)
	if errors.Is(err, fs.ErrExist) {
		return errors.New(i18n.T(s.Lang, i18n.ClusterKeyExists, keyPath))
	}
	if err != nil {
		return err
	}
	snippet, _ := json.MarshalIndent(map[string]any{"cluster": map[string]any{
		"etcd":         map[string]any{"endpoints": endpoints},
		"prefix":       "/routecodex/",
		"leaseSeconds": 10,
		"keyFile":      keyPath,
	}}, "", "  ")
	_, err = fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ClusterInitDone, keyPath, pub, string(snippet)))
	return err
}

// clusterKeyError words a key that cannot be loaded (never its content).
func clusterKeyError(err error) error {
	return fmt.Errorf("tokenDaemon.cluster.keyFile: %w", err)
}

package ipc

import "github.com/routecodex/token-daemon/internal/daemon"

// The real core must keep satisfying the port the server declares.
var _ Core = (*daemon.Daemon)(nil)

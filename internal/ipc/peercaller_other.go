//go:build !linux && !darwin

package ipc

import "net"

// peerPID: this OS does not tell a Unix socket's peer pid.
func peerPID(net.Conn) int { return 0 }

// procExe: no way to find a process's executable here.
func procExe(int) string { return "" }

// procParent: no way to find a process's parent here.
func procParent(int) int { return 0 }

//go:build !linux && !darwin && !windows

package ipc

import "net"

// maxSocketPath is the BSDs' sun_path (104 bytes) less its NUL.
const maxSocketPath = 103

// peerUID is not implemented here: the socket file's mode guards it.
func peerUID(net.Conn) (uid int, supported bool, err error) { return -1, false, nil }

// peerPID is not implemented here either.
func peerPID(net.Conn) (pid int, supported bool, err error) { return 0, false, nil }

//go:build !linux && !darwin

package ipc

// procExe: no way to find a process's executable here.
func procExe(int) string { return "" }

// procParent: no way to find a process's parent here.
func procParent(int) int { return 0 }

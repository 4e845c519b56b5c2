package ipc

// ExeOf is the executable of process pid where the OS tells ("" otherwise).
func ExeOf(pid int) string { return procExe(pid) }

// ParentOf is the parent pid of process pid where the OS tells (0 otherwise).
func ParentOf(pid int) int { return procParent(pid) }

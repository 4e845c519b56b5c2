package tokenfile

import (
	"syscall"
	"testing"
)

// exhaustFDs fills the descriptor table (under a lowered soft limit) and
// returns the function that frees it again.
func exhaustFDs(t *testing.T) (release func()) {
	t.Helper()
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	low := old
	low.Cur = 64
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	var fds []int
	for {
		fd, err := syscall.Dup(0)
		if err != nil {
			break
		}
		fds = append(fds, fd)
	}
	return func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	}
}

// A read that fails for want of descriptors is marked Retry, not a verdict
// on the file.
func TestReadOutOfDescriptorsIsRetry(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "qwen-oauth-1.json", qwenFile, 0o600)
	release := exhaustFDs(t)
	f := Read(path, Options{})
	g := Load(dir, "qwen-oauth-1.json", Options{})
	release()
	if !f.Retry || g == nil || !g.Retry {
		t.Fatalf("Read under EMFILE: retry %v (%q); Load %+v", f.Retry, f.Invalid, g)
	}
	if f := Read(path, Options{}); f.Retry || f.Invalid != "" {
		t.Fatalf("Read afterwards: %+v", f.Invalid)
	}
}

package daemon_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// A token file that cannot be read for a passing reason (the process is out
// of descriptors, as under a connection flood) keeps its last state instead
// of turning invalid, and is read again at the next tick.
func TestOutOfDescriptorsIsRetriedNotInvalid(t *testing.T) {
	dir := t.TempDir()
	name := "qwen-oauth-1-a.json"
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(48*time.Hour)))
	h := newHarness(t, dir, setup{provs: providers{"qwen": &fakeProvider{name: "qwen"}}})
	writeToken(t, dir, name, tokenFields("qwen", 1, t0.Add(72*time.Hour)))

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
	h.d.FileChanged(name)
	h.d.Sync()
	s := h.state(name)
	for _, fd := range fds {
		syscall.Close(fd)
	}
	_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	if s.Status != tokenfile.StatusValid || !s.ExpiresAt.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("under EMFILE the file shows %s %q (expiry %v), want its last state", s.Status, s.Reason, s.ExpiresAt)
	}
	h.advance(h.cfg.CheckInterval)
	if s := h.state(name); s.Status != tokenfile.StatusValid || !s.ExpiresAt.Equal(t0.Add(72*time.Hour)) {
		t.Fatalf("after the tick %s %q expiry %v, want the new content", s.Status, s.Reason, s.ExpiresAt)
	}
}

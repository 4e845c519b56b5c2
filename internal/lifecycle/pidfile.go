// Package lifecycle holds what makes the daemon one well-behaved process per
// home: the locked pid file, detaching into the background, and RouteCodex's
// leader file that makes its built-in token manager stand down.
package lifecycle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"

	"github.com/routecodex/token-daemon/internal/safefile"
)

// AlreadyRunningError says another daemon holds the pid file.
type AlreadyRunningError struct {
	PID int // 0 when the pid file could not be read
}

func (e *AlreadyRunningError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("token daemon already running (pid %d)", e.PID)
	}
	return "token daemon already running"
}

// PIDFile is a held pid file. The flock is the truth: a pid file left by a
// crashed daemon is unlocked, and is simply taken over.
type PIDFile struct {
	path string
	lock *flock.Flock
}

// AcquirePIDFile locks path and writes this process's pid into it. Another
// live holder gives *AlreadyRunningError.
func AcquirePIDFile(path string) (*PIDFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	// Never through a link: one planted in the run dir would have us
	// truncate whatever it points at.
	lk := flock.New(lockPath(path), flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDWR|safefile.NoFollow))
	ok, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	if !ok {
		pid, _ := ReadPID(path)
		return nil, &AlreadyRunningError{PID: pid}
	}
	if err := writePID(path, os.Getpid()); err != nil {
		_ = lk.Unlock()
		return nil, fmt.Errorf("pid file %s: %w", path, err)
	}
	return &PIDFile{path: path, lock: lk}, nil
}

// Release removes the pid file and drops the lock.
func (p *PIDFile) Release() error {
	rmErr := os.Remove(p.path)
	if errors.Is(rmErr, os.ErrNotExist) {
		rmErr = nil
	}
	if lockPath(p.path) != p.path {
		_ = os.Remove(lockPath(p.path))
	}
	return errors.Join(rmErr, p.lock.Unlock())
}

// Running reports whether a live daemon holds the pid file at path, and its
// pid when readable.
func Running(path string) (bool, int) {
	if _, err := os.Stat(lockPath(path)); err != nil {
		return false, 0
	}
	lk := flock.New(lockPath(path), flock.SetFlag(os.O_RDONLY|safefile.NoFollow))
	ok, err := lk.TryLock()
	if err != nil {
		return false, 0
	}
	if ok {
		_ = lk.Unlock()
		return false, 0
	}
	pid, _ := ReadPID(path)
	return true, pid
}

// ReadPID reads the pid recorded at path.
func ReadPID(path string) (int, error) {
	b, err := safefile.ReadFile(path, 64)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s: no pid in it", path)
	}
	return pid, nil
}

func writePID(path string, pid int) error {
	// Truncate in place rather than rename: on unix the flock is on this
	// very inode, and a rename would leave the lock on a deleted file.
	f, err := safefile.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.WriteString(strconv.Itoa(pid) + "\n")
	return errors.Join(werr, f.Close())
}

// Package safefile opens the daemon's private files (under <home>/run and
// <home>/logs) without following symbolic links, and checks that a
// directory or file of the home belongs to the user running us and is not
// writable by anyone else (DESIGN.md section 10). Another local user who
// prepared the home could otherwise point a pid file or a log at a file of
// ours and have us truncate or append to it.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Problem is what is wrong with a path.
type Problem int

const (
	// ForeignOwner: the path belongs to another user.
	ForeignOwner Problem = iota + 1
	// Writable: group or others may write to it.
	Writable
	// Symlink: it is a symbolic link where a real file or dir must be.
	Symlink
)

// UnsafeError says why a path of the home is not trusted.
type UnsafeError struct {
	Path    string
	Problem Problem
	UID     int         // the owner (ForeignOwner)
	Mode    fs.FileMode // its permissions (Writable)
}

func (e *UnsafeError) Error() string {
	switch e.Problem {
	case ForeignOwner:
		return fmt.Sprintf("%s belongs to uid %d, not to the user running routecodex (uid %d)", e.Path, e.UID, os.Getuid())
	case Writable:
		return fmt.Sprintf("%s can be written by group or others (mode %04o)", e.Path, uint32(e.Mode.Perm()))
	default:
		return fmt.Sprintf("%s is a symbolic link", e.Path)
	}
}

// Check refuses path when it is not ours or group/world-writable. With
// follow, a symbolic link is judged by its target (a home may be a link);
// without it, a link is refused. A missing path is fine (nil).
func Check(path string, follow bool) error {
	stat := os.Lstat
	if follow {
		stat = os.Stat
	}
	fi, err := stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return &UnsafeError{Path: path, Problem: Symlink}
	}
	return checkOwner(path, fi)
}

// OpenFile is os.OpenFile that refuses a symbolic link at path (the last
// element) instead of following it.
func OpenFile(path string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := os.OpenFile(path, flag|noFollow, perm)
	if err != nil && isLinkError(err) {
		return nil, &fs.PathError{Op: "open", Path: path, Err: &UnsafeError{Path: path, Problem: Symlink}}
	}
	return f, err
}

// ReadFile reads at most max bytes of path without following a link.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max))
}

// NoFollow is the open flag that refuses a final symbolic link (0 where
// the OS has none), for libraries that take open flags.
const NoFollow = noFollow

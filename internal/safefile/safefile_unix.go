//go:build !windows

package safefile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

const noFollow = syscall.O_NOFOLLOW

// isLinkError: O_NOFOLLOW on a link fails with ELOOP (EMLINK on some BSDs).
func isLinkError(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}

func checkOwner(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if int(st.Uid) != os.Getuid() {
		return &UnsafeError{Path: path, Problem: ForeignOwner, UID: int(st.Uid)}
	}
	// A sticky directory (like /tmp) lets others create entries but not
	// touch ours; a home is never one, so any group/other write bit counts.
	if fi.Mode().Perm()&0o022 != 0 {
		return &UnsafeError{Path: path, Problem: Writable, Mode: fi.Mode()}
	}
	return nil
}

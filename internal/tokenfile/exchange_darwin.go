package tokenfile

import (
	"errors"

	"golang.org/x/sys/unix"
)

// exchange swaps the names a and b atomically (renamex_np RENAME_SWAP).
func exchange(a, b string) error {
	err := unix.RenamexNp(a, b, unix.RENAME_SWAP)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.ENOSYS) {
		return errNoExchange // a file system without it
	}
	return err
}

package tokenfile

import (
	"fmt"
	"path/filepath"

	"github.com/gofrs/flock"
)

// LockRequest takes the exclusive lock <dir>/.<name>.request.lock of the
// token file at path, held for a whole token request (read, refresh,
// write) by processes without a daemon, so that two of them never send
// one refresh token twice. It is not the write lock (Write takes that one
// inside the request), and like it the file is left in place.
func LockRequest(path string) (unlock func(), err error) {
	dir, name := filepath.Split(path)
	l := flock.New(filepath.Join(dir, "."+name+".request.lock"))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock token file %s: %w", path, err)
	}
	return func() { _ = l.Unlock() }, nil
}

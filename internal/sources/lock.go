package sources

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Qwen Code's lock (its SharedTokenManager): the file oauth_creds.lock
// beside oauth_creds.json, created exclusively and holding an id, removed
// by its holder; one older than lockStale is a crashed holder's and is
// taken over.
const (
	lockStale = 10 * time.Second
	// lockPoll is the pause between two tries while another process
	// holds the lock.
	lockPoll = 100 * time.Millisecond
	// lockGiveUp bounds the wait (a holder that keeps touching its lock):
	// the write then fails and is retried later.
	lockGiveUp = 30 * time.Second
)

// ErrLockBusy: another tool held its lock for longer than the write waits.
var ErrLockBusy = errors.New("another program holds the tool's lock")

type lockOptions struct {
	now   func() time.Time
	sleep func(time.Duration)
}

// take creates path exclusively, waiting while another process holds a
// lock that is not stale; it returns the release, which removes the lock
// only while it is still ours.
func (o lockOptions) take(path string) (func(), error) {
	var idb [16]byte
	_, _ = rand.Read(idb[:])
	id := hex.EncodeToString(idb[:])
	start := o.now()
	for {
		err := createExclusive(path, id)
		if err == nil {
			return func() {
				if b, err := os.ReadFile(path); err == nil && string(b) == id {
					_ = os.Remove(path)
				}
			}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if fi, err := os.Stat(path); err == nil && o.now().Sub(fi.ModTime()) > lockStale {
			// A holder that died: its lock is stale. Remove it only if it is
			// still the same file (not one a live holder just made).
			if fi2, err := os.Stat(path); err == nil && os.SameFile(fi, fi2) {
				_ = os.Remove(path)
			}
			continue
		}
		if o.now().Sub(start) > lockGiveUp {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLockBusy)
		}
		o.sleep(lockPoll)
	}
}

func createExclusive(path, id string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(id)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path)
	}
	return err
}

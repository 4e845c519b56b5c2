//go:build linux || darwin

package tokenfile

import (
	"io/fs"
	"time"

	"golang.org/x/sys/unix"
)

// readForScan reads a token file for Read: one open (non-blocking, so that
// a FIFO planted in the auth dir cannot hang it), one fstat of what was
// opened, the reads, one close. At 10,000 files the os.File path cost a
// stat by name, a poller registration and a finalizer per file on top of
// what cat does. The write path keeps readLimited (its os.FileInfo is
// compared with os.SameFile).
func readForScan(path string) ([]byte, *scanInfo, error) {
	var fd int
	var err error
	opened := noteOwnOpen(path)
	for {
		fd, err = unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		opened(fs.ErrNotExist) // not opened: un-noted
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, nil, errNotRegular
	}
	info := &scanInfo{size: st.Size, mode: fs.FileMode(st.Mode & 0o777), modTime: time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec))}
	if st.Mode&unix.S_ISUID != 0 {
		info.mode |= fs.ModeSetuid
	}
	if st.Mode&unix.S_ISGID != 0 {
		info.mode |= fs.ModeSetgid
	}
	if st.Mode&unix.S_ISVTX != 0 {
		info.mode |= fs.ModeSticky
	}
	if st.Size > MaxFileSize {
		return nil, info, errTooLarge
	}
	// One byte more than the size: the read that finds the end needs no
	// second buffer, and a file that grew is still bounded by MaxFileSize.
	buf := make([]byte, 0, min(st.Size, MaxFileSize)+1)
	for {
		if len(buf) == cap(buf) {
			if len(buf) > MaxFileSize {
				return nil, info, errTooLarge
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := unix.Read(fd, buf[len(buf):cap(buf)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, info, &fs.PathError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			break
		}
		buf = buf[:len(buf)+n]
	}
	if len(buf) > MaxFileSize {
		return nil, info, errTooLarge
	}
	return buf, info, nil
}

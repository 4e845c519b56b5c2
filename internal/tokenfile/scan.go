package tokenfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Skip reports whether a directory entry name is never a token file:
// backups, hidden files (our locks and temporary files among them),
// RouteCodex's client-secret file, deepseek account files and non-JSON
// files.
func Skip(name string) bool {
	return strings.Contains(name, ".bak") ||
		strings.HasPrefix(name, ".") ||
		name == "oauth-clients.local.json" ||
		strings.HasPrefix(name, "deepseek-account-") ||
		!strings.HasSuffix(name, ".json")
}

// Read reads and parses one file (at most MaxFileSize bytes). Like Parse it
// never fails: an unreadable or oversized file comes back with Invalid set.
func Read(path string, opts Options) *File {
	data, info, err := readForScan(path)
	var f *File
	switch {
	case errors.Is(err, errTooLarge):
		f = Parse(path, nil, opts)
		f.Invalid = reasonTooLarge
	case err != nil:
		f = Parse(path, nil, opts)
		f.Invalid = reasonTexts[ReasonUnreadable] + ": " + describe(err)
		f.Retry = passing(err)
	default:
		f = Parse(path, data, opts)
	}
	if info != nil {
		f.Size = info.size
		f.Mode = info.mode
		f.ModTime = info.modTime
	}
	return f
}

// scanInfo is what Read keeps of the opened file's stat.
type scanInfo struct {
	size    int64
	mode    fs.FileMode
	modTime time.Time
}

var errTooLarge = errors.New("larger than 1 MiB")

// passing reports a read error that says nothing about the file: the
// process is out of descriptors or memory, or the call was interrupted.
func passing(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.EINTR, syscall.EAGAIN, syscall.ENOMEM} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Load reads the token file name of dir as Scan would see it: nil when the
// name is not a token file there (absent, skipped, a directory, a FIFO, a
// symlink that leaves dir or dangles). A symlink to another token file of
// dir comes back with LinkTo set. Symlinks are checked at every read, so a
// link created or changed while the daemon runs obeys the same rules as one
// found at start.
func Load(dir, name string, opts Options) *File {
	if Skip(name) {
		return nil
	}
	path := filepath.Join(dir, name)
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		f := Parse(path, nil, opts)
		f.Invalid = "unreadable: " + describe(err)
		f.Retry = passing(err)
		return f
	}
	var linkTo string
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		root, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return nil
		}
		var ok bool
		if linkTo, ok = linkTarget(root, path); !ok {
			return nil
		}
	case !fi.Mode().IsRegular():
		return nil
	}
	f := Read(path, opts)
	f.LinkTo = linkTo
	return f
}

// readLimited reads a regular file of at most MaxFileSize bytes without ever
// reading more than that (the size can change between stat and read).
func readLimited(path string) ([]byte, fs.FileInfo, error) {
	// Stat before open: opening a FIFO planted in the auth dir would block.
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, info, errNotRegular
	}
	if info.Size() > MaxFileSize {
		return nil, info, errTooLarge
	}
	opened := noteOwnOpen(path)
	file, err := os.Open(path)
	opened(err)
	if err != nil {
		return nil, info, err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, MaxFileSize+1))
	if err != nil {
		return nil, info, err
	}
	if len(data) > MaxFileSize {
		return nil, info, errTooLarge
	}
	// What was read is described by the open file, not by the path's stat
	// before the open (a rename may have come in between).
	if fi, err := file.Stat(); err == nil {
		info = fi
	}
	return data, info, nil
}

var errNotRegular = errors.New("not a regular file")

// describe is the OS reason of err without the path, which the caller shows
// beside it anyway.
func describe(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}

// Scan reads every token file directly in dir, sorted by name. Directories,
// skipped names and symlinks whose target is outside dir (or missing) are
// left out; symlinks to a file inside dir are followed.
func Scan(dir string, opts Options) ([]*File, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("scan auth dir %s: %w", dir, err)
	}
	var root string // resolved dir, computed only when a symlink needs it
	paths := make([]string, 0, len(entries))
	links := make([]string, 0, len(entries))
	for _, e := range entries {
		name := e.Name()
		if Skip(name) || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, name)
		linkTo := ""
		if e.Type()&fs.ModeSymlink != 0 {
			if root == "" {
				if root, err = filepath.EvalSymlinks(dir); err != nil {
					return nil, fmt.Errorf("scan auth dir %s: %w", dir, err)
				}
			}
			var ok bool
			if linkTo, ok = linkTarget(root, path); !ok {
				continue
			}
		} else if !e.Type().IsRegular() {
			continue // sockets, FIFOs, devices
		}
		paths = append(paths, path)
		links = append(links, linkTo)
	}
	files := readAll(paths, opts)
	for i, f := range files {
		f.LinkTo = links[i]
	}
	return files, nil
}

// readAll reads paths on every CPU, in order: a start over 10,000 files is
// bound by open/read/parse per file, which one goroutine does serially.
func readAll(paths []string, opts Options) []*File {
	files := make([]*File, len(paths))
	workers := min(runtime.GOMAXPROCS(0), len(paths))
	if workers <= 1 {
		for i, p := range paths {
			files[i] = Read(p, opts)
		}
		return files
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				files[i] = Read(paths[i], opts)
			}
		}()
	}
	wg.Wait()
	return files
}

// linkTarget reports whether the symlink at path resolves to an existing
// non-directory inside root, and when that target is itself a token file
// directly in root, its name.
func linkTarget(root, path string) (linkTo string, ok bool) {
	target, err := filepath.EvalSymlinks(path)
	if err != nil || !within(root, target) {
		return "", false
	}
	info, err := os.Stat(target)
	if err != nil || info.IsDir() {
		return "", false
	}
	if name := filepath.Base(target); filepath.Dir(target) == root && !Skip(name) {
		return name, true
	}
	return "", true
}

// within reports whether the resolved path target lies inside root.
func within(root, target string) bool {
	rel, err := filepath.Rel(root, target)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

package tokenfile

// TEMPORARY: signatures of the tokenfile API, replaced by the real
// implementation. Do not ship.

import "time"

// Skip reports whether a directory entry name is never a token file.
func Skip(name string) bool { panic("not implemented") }

// Parse builds a File from bytes read at path.
func Parse(path string, data []byte, opts Options) *File { panic("not implemented") }

// Read reads and parses one file (at most MaxFileSize bytes).
func Read(path string, opts Options) *File { panic("not implemented") }

// Scan reads every token file directly in dir, sorted by name.
func Scan(dir string, opts Options) ([]*File, error) { panic("not implemented") }

// StatusAt is the file's own status at now with the given refresh-ahead lead.
func (f *File) StatusAt(now time.Time, ahead time.Duration) (Status, string) {
	panic("not implemented")
}

// Refreshable: known provider, has a refresh token, not read-only, not invalid.
func (f *File) Refreshable() bool { panic("not implemented") }

// Merge applies u to the JSON object in data, keeping every other key, value,
// the key order and indentation.
func Merge(data []byte, u Update) ([]byte, error) { panic("not implemented") }

// Write merges u into the file at path under its lock and replaces it
// atomically. When ifRefreshToken is non-nil and the refresh token on disk
// differs from it, nothing is written and ErrConflict is returned.
func Write(path string, u Update, ifRefreshToken *string) (WriteResult, error) {
	panic("not implemented")
}

// Create writes a new token file (0600, two-space indent); it fails if the
// file exists.
func Create(path string, fields map[string]any, u Update) (WriteResult, error) {
	panic("not implemented")
}

// WriteResult says what was written.
type WriteResult struct {
	Hash [32]byte
	Data []byte
}

// Redact returns a short, safe prefix of a secret for logs ("abcd…").
func Redact(secret string) string { panic("not implemented") }

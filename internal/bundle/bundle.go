// Package bundle is the export format of token files (DESIGN.md section
// 13): a versioned JSON document, encrypted with age (filippo.io/age) to a
// passphrase (scrypt) or to X25519 recipients, optionally ASCII-armored. The
// result is a standard age file: `age -d` decrypts it.
//
// The decrypted document (version 1):
//
//	{
//	  "format": "routecodex-token-bundle",
//	  "version": 1,
//	  "createdAt": "2026-12-02T11:00:00Z",
//	  "files": [{"name": "qwen-oauth-1-work.json", "mode": 384,
//	             "sha256": "<hex of data>", "data": "<base64 of the file's bytes>"}],
//	  "aliases": {"qwen-oauth-1-work.json": "work"},
//	  "providers": [{"name": "corp", "settings": {…providers.corp of config.json…}}],
//	  "secretsIncluded": false
//	}
//
// A reader refuses a version above its own (VersionError) rather than
// guess at fields it does not know. The package is pure: it reads and
// writes streams, never files.
package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"
)

// FormatName marks a bundle's document.
const FormatName = "routecodex-token-bundle"

// Version is the document version this package writes and the highest it
// reads.
const Version = 1

// Bundle is the decrypted content of a bundle file.
type Bundle struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	Files     []File    `json:"files"`
	// Aliases are tokenDaemon.aliases entries of the exported files.
	Aliases map[string]string `json:"aliases,omitempty"`
	// Providers are tokenDaemon.providers entries, in config order.
	Providers []Provider `json:"providers,omitempty"`
	// SecretsIncluded: the providers keep their clientSecret.
	SecretsIncluded bool `json:"secretsIncluded"`
}

// File is one token file, byte for byte. Data holds secrets: never log it.
type File struct {
	Name   string      `json:"name"`
	Mode   fs.FileMode `json:"mode"` // permission bits only
	SHA256 string      `json:"sha256"`
	Data   []byte      `json:"data"`
}

// Provider is one tokenDaemon.providers member as written in config.json.
type Provider struct {
	Name     string          `json:"name"`
	Settings json.RawMessage `json:"settings"`
}

// Errors a caller branches on. Every error of Open and Decode wraps one.
var (
	// ErrWrongKey: the passphrase or identity does not open the bundle.
	ErrWrongKey = errors.New("wrong passphrase or key")
	// ErrCorrupt: truncated, tampered with or otherwise damaged.
	ErrCorrupt = errors.New("bundle damaged")
	// ErrNotBundle: not an age file at all.
	ErrNotBundle = errors.New("not a token bundle")
	// ErrNewerVersion: written by a newer version (see VersionError).
	ErrNewerVersion = errors.New("bundle of a newer format version")
)

// VersionError is a bundle of a format version above Version.
type VersionError struct{ Version int }

func (e *VersionError) Error() string {
	return fmt.Sprintf("bundle format version %d is newer than %d", e.Version, Version)
}

func (e *VersionError) Is(target error) bool { return target == ErrNewerVersion }

// NewFile makes a File of data with its checksum.
func NewFile(name string, mode fs.FileMode, data []byte) File {
	sum := sha256.Sum256(data)
	return File{Name: name, Mode: mode.Perm(), SHA256: hex.EncodeToString(sum[:]), Data: data}
}

// Encode renders b as its document, filling Format and Version.
func Encode(b *Bundle) ([]byte, error) {
	c := *b
	c.Format, c.Version = FormatName, Version
	if c.Files == nil {
		c.Files = []File{}
	}
	for _, f := range c.Files {
		if err := checkFile(f); err != nil {
			return nil, fmt.Errorf("encode bundle: %w", err)
		}
	}
	data, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return data, nil
}

// Decode reads a document made by Encode and checks it: format, version,
// file names, modes and checksums.
func Decode(data []byte) (*Bundle, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil || head.Format != FormatName {
		return nil, fmt.Errorf("decode bundle: %w: the content is not a token bundle document", ErrCorrupt)
	}
	if head.Version > Version {
		return nil, fmt.Errorf("decode bundle: %w", &VersionError{Version: head.Version})
	}
	if head.Version < 1 {
		return nil, fmt.Errorf("decode bundle: %w: version %d", ErrCorrupt, head.Version)
	}
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("decode bundle: %w: %v", ErrCorrupt, err)
	}
	seen := map[string]bool{}
	for _, f := range b.Files {
		if err := checkFile(f); err != nil {
			return nil, fmt.Errorf("decode bundle: %w: %v", ErrCorrupt, err)
		}
		sum := sha256.Sum256(f.Data)
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			return nil, fmt.Errorf("decode bundle: %w: checksum of %s does not match", ErrCorrupt, f.Name)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("decode bundle: %w: %s is in it twice", ErrCorrupt, f.Name)
		}
		seen[f.Name] = true
	}
	for _, p := range b.Providers {
		if p.Name == "" || !json.Valid(p.Settings) || !bytes.HasPrefix(bytes.TrimSpace(p.Settings), []byte("{")) {
			return nil, fmt.Errorf("decode bundle: %w: provider %q is not an object", ErrCorrupt, p.Name)
		}
	}
	return &b, nil
}

// checkFile: a bare *.json name (nothing that could leave the auth dir)
// and permission bits only.
func checkFile(f File) error {
	n := f.Name
	if n == "" || n != filepath.Base(n) || strings.ContainsAny(n, `/\`) || strings.HasPrefix(n, ".") ||
		!strings.HasSuffix(n, ".json") || n == ".." {
		return fmt.Errorf("file name %q is not a token file name", n)
	}
	if f.Mode&^fs.ModePerm != 0 {
		return fmt.Errorf("mode of %s is not a permission mode", n)
	}
	return nil
}

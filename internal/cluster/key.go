// Package cluster is the cluster-mode adapter of the token daemon (DESIGN.md
// section 16): several hosts share one set of accounts through etcd, with
// exactly one refresher. It implements the core's daemon.Cluster port; the
// core knows nothing of etcd. The etcd client is built only with the build
// tag "cluster" (node.go and its siblings); this file, the shared age key,
// is in every build so that `cluster init` works everywhere.
package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"filippo.io/age"
)

// maxValue bounds what is decrypted from etcd: a token file is at most
// 1 MiB (tokenfile.MaxFileSize).
const maxValue = 2 << 20

// GenerateKey writes a new age identity to path (0600; an existing file is
// never overwritten) and returns its public key.
func GenerateKey(path string) (recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", fmt.Errorf("cluster key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("cluster key %s: %w", path, err)
	}
	text := "# routecodex token-daemon cluster key: copy to every node, keep it secret\n" +
		"# public key: " + id.Recipient().String() + "\n" + id.String() + "\n"
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return "", fmt.Errorf("cluster key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("cluster key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("cluster key %s: %w", path, err)
	}
	return id.Recipient().String(), nil
}

// ErrBadKey means the key file holds no age X25519 identity.
var ErrBadKey = errors.New("holds no age identity (AGE-SECRET-KEY-1…); make one with `token-daemon cluster init`")

// Key is the shared age key of a cluster.
type Key struct {
	id *age.X25519Identity
}

// LoadKey reads the age identity file at path. A file readable by group or
// others is refused: it is the key to every token of the cluster.
func LoadKey(path string) (*Key, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cluster key %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 && os.PathSeparator == '/' {
		return nil, fmt.Errorf("cluster key %s: is readable by others (mode %o); chmod 600 it", path, st.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cluster key %s: %w", path, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "AGE-SECRET-KEY-1") {
			continue
		}
		id, err := age.ParseX25519Identity(line)
		if err != nil {
			break // never quote the line: it is the secret
		}
		return &Key{id: id}, nil
	}
	return nil, fmt.Errorf("cluster key %s: %w", path, ErrBadKey)
}

// Recipient is the key's public half (age1…), safe to show.
func (k *Key) Recipient() string { return k.id.Recipient().String() }

// Seal encrypts plaintext to the key.
func (k *Key) Seal(plaintext []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, k.id.Recipient())
	if err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

// Open decrypts what Seal made with the same key.
func (k *Key) Open(ciphertext []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), k.id)
	if err != nil {
		return nil, fmt.Errorf("decrypt (is the cluster key the same on every node?): %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(r, maxValue+1))
	if err != nil {
		return nil, fmt.Errorf("decrypt: %w", err)
	}
	if len(data) > maxValue {
		return nil, errors.New("decrypt: value too large")
	}
	return data, nil
}

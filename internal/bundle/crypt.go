package bundle

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
)

// MaxPlaintext bounds what Open decrypts: far more than any auth dir (a
// token file is at most 1 MiB), small enough that a hostile file cannot
// exhaust memory.
const MaxPlaintext = 256 << 20

// Key says whom a bundle is encrypted to, or who opens it: a passphrase
// (scrypt) or X25519 keys. Exactly one of the two.
type Key struct {
	Passphrase string
	// Recipients are age1… public keys (Seal).
	Recipients []string
	// Identities is the text of an age identity file, AGE-SECRET-KEY-1…
	// lines (Open).
	Identities string
	// WorkFactor is scrypt's log2(N) for Seal; 0 means age's default (18).
	WorkFactor int
}

// Seal encrypts plaintext to key and writes the age file to w, armored
// (PEM-like text) when armored is set.
func Seal(w io.Writer, plaintext []byte, key Key, armored bool) error {
	recips, err := recipients(key)
	if err != nil {
		return err
	}
	out := w
	var arm io.WriteCloser
	if armored {
		arm = armor.NewWriter(w)
		out = arm
	}
	enc, err := age.Encrypt(out, recips...)
	if err != nil {
		return fmt.Errorf("encrypt bundle: %w", err)
	}
	if _, err := enc.Write(plaintext); err != nil {
		return fmt.Errorf("encrypt bundle: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encrypt bundle: %w", err)
	}
	if arm != nil {
		if err := arm.Close(); err != nil {
			return fmt.Errorf("encrypt bundle: %w", err)
		}
	}
	return nil
}

func recipients(key Key) ([]age.Recipient, error) {
	switch {
	case key.Passphrase != "" && len(key.Recipients) > 0:
		return nil, errors.New("encrypt bundle: a passphrase or recipients, not both")
	case key.Passphrase != "":
		r, err := age.NewScryptRecipient(key.Passphrase)
		if err != nil {
			return nil, fmt.Errorf("encrypt bundle: %w", err)
		}
		if key.WorkFactor > 0 {
			r.SetWorkFactor(key.WorkFactor)
		}
		return []age.Recipient{r}, nil
	case len(key.Recipients) > 0:
		out := make([]age.Recipient, 0, len(key.Recipients))
		for _, s := range key.Recipients {
			r, err := age.ParseX25519Recipient(strings.TrimSpace(s))
			if err != nil {
				return nil, fmt.Errorf("encrypt bundle: recipient %q: %w", s, err)
			}
			out = append(out, r)
		}
		return out, nil
	}
	return nil, errors.New("encrypt bundle: no passphrase and no recipient")
}

// ParseRecipient checks an age1… public key.
func ParseRecipient(s string) error {
	_, err := age.ParseX25519Recipient(strings.TrimSpace(s))
	return err
}

const armorHeader = "-----BEGIN AGE ENCRYPTED FILE-----"

// Open decrypts an age file (binary or armored) with key and returns the
// plaintext. Its errors wrap ErrWrongKey, ErrCorrupt or ErrNotBundle.
func Open(r io.Reader, key Key) ([]byte, error) {
	ids, err := identities(key)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(len(armorHeader) + 64)
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	var src io.Reader = br
	switch {
	case bytes.HasPrefix(trimmed, []byte(armorHeader)):
		src = armor.NewReader(br)
	case bytes.HasPrefix(head, []byte("age-encryption.org/")):
	default:
		return nil, fmt.Errorf("open bundle: %w", ErrNotBundle)
	}
	dec, err := age.Decrypt(src, ids...)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, fmt.Errorf("open bundle: %w", ErrWrongKey)
		}
		return nil, fmt.Errorf("open bundle: %w: %v", ErrCorrupt, err)
	}
	data, err := io.ReadAll(io.LimitReader(dec, MaxPlaintext+1))
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w: %v", ErrCorrupt, err)
	}
	if len(data) > MaxPlaintext {
		return nil, fmt.Errorf("open bundle: %w: larger than %d bytes", ErrCorrupt, MaxPlaintext)
	}
	return data, nil
}

func identities(key Key) ([]age.Identity, error) {
	var ids []age.Identity
	if key.Passphrase != "" {
		id, err := age.NewScryptIdentity(key.Passphrase)
		if err != nil {
			return nil, fmt.Errorf("open bundle: %w", err)
		}
		ids = append(ids, id)
	}
	if strings.TrimSpace(key.Identities) != "" {
		parsed, err := age.ParseIdentities(strings.NewReader(key.Identities))
		if err != nil {
			return nil, fmt.Errorf("open bundle: the identity file: %w", err)
		}
		ids = append(ids, parsed...)
	}
	if len(ids) == 0 {
		return nil, errors.New("open bundle: no passphrase and no identity")
	}
	return ids, nil
}

// NewIdentity makes an X25519 key pair (for tests and for users who want
// one without the age CLI): the identity file line and its public key.
func NewIdentity() (identity, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	return id.String(), id.Recipient().String(), nil
}

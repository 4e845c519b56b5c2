package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func sample() *Bundle {
	return &Bundle{
		CreatedAt: time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC),
		Files: []File{
			NewFile("qwen-oauth-1-work.json", 0o600, []byte("{\n  \"access_token\": \"at-secret-1\"\n}\n")),
			NewFile("iflow-oauth-2.json", 0o640, []byte(`{"refresh_token":"rt-secret-2"}`)),
		},
		Aliases:   map[string]string{"qwen-oauth-1-work.json": "工作"},
		Providers: []Provider{{Name: "corp", Settings: json.RawMessage(`{"tokenUrl":"https://x.example/t"}`)}},
	}
}

// fast: a low scrypt work factor keeps the tests quick; the CLI uses age's
// default.
func fast(pass string) Key { return Key{Passphrase: pass, WorkFactor: 10} }

func seal(t *testing.T, b *Bundle, key Key, armored bool) []byte {
	t.Helper()
	doc, err := Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Seal(&buf, doc, key, armored); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	id, recip, err := NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		seal, opn Key
		armored   bool
	}{
		{"passphrase", fast("correct horse"), Key{Passphrase: "correct horse"}, false},
		{"passphrase armored", fast("pw"), Key{Passphrase: "pw"}, true},
		{"x25519", Key{Recipients: []string{recip}}, Key{Identities: "# key\n" + id + "\n"}, false},
		{"x25519 armored", Key{Recipients: []string{recip}}, Key{Identities: id}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := seal(t, sample(), c.seal, c.armored)
			for _, secret := range []string{"at-secret-1", "rt-secret-2", "工作", "corp"} {
				if bytes.Contains(data, []byte(secret)) {
					t.Fatalf("bundle holds %q in clear", secret)
				}
			}
			if c.armored != strings.HasPrefix(string(data), armorHeader) {
				t.Fatalf("armored=%v but bundle starts %q", c.armored, data[:20])
			}
			plain, err := Open(bytes.NewReader(data), c.opn)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(plain)
			if err != nil {
				t.Fatal(err)
			}
			want := sample()
			if len(got.Files) != 2 || !bytes.Equal(got.Files[0].Data, want.Files[0].Data) ||
				got.Files[1].Mode != 0o640 || got.Aliases["qwen-oauth-1-work.json"] != "工作" ||
				string(got.Providers[0].Settings) != `{"tokenUrl":"https://x.example/t"}` || got.Version != Version {
				t.Fatalf("round trip changed the bundle: %+v", got)
			}
		})
	}
}

func TestOpenFailures(t *testing.T) {
	good := seal(t, sample(), fast("pw"), false)
	_, recip, _ := NewIdentity()
	otherID, _, _ := NewIdentity()
	toKey := seal(t, sample(), Key{Recipients: []string{recip}}, false)

	check := func(t *testing.T, data []byte, key Key, want error) {
		t.Helper()
		_, err := Open(bytes.NewReader(data), key)
		if err == nil {
			plain, _ := Open(bytes.NewReader(data), key)
			_, err = Decode(plain)
		}
		if !errors.Is(err, want) {
			t.Fatalf("got %v, want %v", err, want)
		}
		if strings.Contains(err.Error(), "rt-secret") || strings.Contains(err.Error(), "pw") {
			t.Fatalf("error leaks a secret: %v", err)
		}
	}
	t.Run("wrong passphrase", func(t *testing.T) { check(t, good, Key{Passphrase: "wrong"}, ErrWrongKey) })
	t.Run("wrong identity", func(t *testing.T) { check(t, toKey, Key{Identities: otherID}, ErrWrongKey) })
	t.Run("passphrase for a key bundle", func(t *testing.T) { check(t, toKey, Key{Passphrase: "pw"}, ErrWrongKey) })
	t.Run("not age", func(t *testing.T) {
		check(t, []byte(`{"format":"routecodex-token-bundle"}`), Key{Passphrase: "pw"}, ErrNotBundle)
	})
	t.Run("empty", func(t *testing.T) { check(t, nil, Key{Passphrase: "pw"}, ErrNotBundle) })
	t.Run("truncated", func(t *testing.T) {
		for _, n := range []int{20, len(good) / 3, len(good) / 2, len(good) - 17, len(good) - 1} {
			check(t, good[:n], Key{Passphrase: "pw"}, ErrCorrupt)
		}
	})
	t.Run("tampered", func(t *testing.T) {
		for _, at := range []int{len(good) - 1, len(good) - 40, len(good) / 2} {
			bad := append([]byte(nil), good...)
			bad[at] ^= 0x01
			check(t, bad, Key{Passphrase: "pw"}, ErrCorrupt)
		}
	})
	t.Run("newer version", func(t *testing.T) {
		var buf bytes.Buffer
		doc := []byte(`{"format":"routecodex-token-bundle","version":2,"files":[]}`)
		if err := Seal(&buf, doc, fast("pw"), false); err != nil {
			t.Fatal(err)
		}
		plain, err := Open(&buf, Key{Passphrase: "pw"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = Decode(plain)
		var ve *VersionError
		if !errors.Is(err, ErrNewerVersion) || !errors.As(err, &ve) || ve.Version != 2 {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDecodeRejects(t *testing.T) {
	cases := map[string]string{
		"path in name":  `{"format":"routecodex-token-bundle","version":1,"files":[{"name":"../x.json","mode":384,"sha256":"","data":""}]}`,
		"not json name": `{"format":"routecodex-token-bundle","version":1,"files":[{"name":"x.txt","mode":384,"sha256":"","data":""}]}`,
		"setuid mode":   `{"format":"routecodex-token-bundle","version":1,"files":[{"name":"x.json","mode":2048,"sha256":"","data":""}]}`,
		"bad checksum":  `{"format":"routecodex-token-bundle","version":1,"files":[{"name":"x.json","mode":384,"sha256":"00","data":"e30="}]}`,
		"other format":  `{"format":"something","version":1}`,
		"version 0":     `{"format":"routecodex-token-bundle","version":0}`,
	}
	for name, doc := range cases {
		if _, err := Decode([]byte(doc)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: got %v, want ErrCorrupt", name, err)
		}
	}
}

package bundle

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// A bundle is a standard age file: the age CLI (Debian package age)
// decrypts it, binary and armored, to the document Decode reads.
func TestAgeCLIDecrypts(t *testing.T) {
	bin, err := exec.LookPath("age")
	if err != nil {
		t.Skip("the age CLI is not installed (Debian package age); .ci/run installs it")
	}
	id, recip, err := NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(keyFile, []byte(id+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, armored := range []bool{false, true} {
		data := seal(t, sample(), Key{Recipients: []string{recip}}, armored)
		in := filepath.Join(dir, "bundle.age")
		if err := os.WriteFile(in, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, "-d", "-i", keyFile, in)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("age -d (armored=%v): %v: %s", armored, err, errOut.String())
		}
		b, err := Decode(out.Bytes())
		if err != nil {
			t.Fatalf("armored=%v: %v", armored, err)
		}
		if len(b.Files) != 2 || !bytes.Equal(b.Files[1].Data, sample().Files[1].Data) {
			t.Fatalf("armored=%v: age decrypted another bundle: %+v", armored, b.Files)
		}
	}
}

package tokenfile

import (
	"encoding/json"
	"testing"
)

// firstString's fast path (no escapes, valid UTF-8) must give what
// encoding/json gives for every string value of a document that decodes.
func FuzzFirstStringMatchesUnmarshal(f *testing.F) {
	for _, s := range []string{`"plain"`, `""`, `"a\"b"`, `"\u00e9"`, "\"\xff\"", `"中文"`, `"tab\t"`, `" x "`, `"\\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		var want string
		if json.Unmarshal([]byte(raw), &want) != nil {
			return // firstString only sees values of documents that decoded
		}
		// As in a document: the value of a key of a decoded object.
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(`{"k":`+raw+`}`), &obj) != nil {
			return
		}
		if got := firstString(obj["k"]); got != want {
			t.Fatalf("%q: got %q, encoding/json %q", raw, got, want)
		}
	})
}

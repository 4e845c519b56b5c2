package tokenfile

import (
	"bytes"
	"encoding/json"
	"errors"
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

// decodeObject splits members itself once encoding/json has said the
// document is valid: the members and the reason must be json.Unmarshal's.
func FuzzDecodeObjectMatchesUnmarshal(f *testing.F) {
	for _, s := range []string{`{}`, ` {"a":1} `, `{"a":"x","a":"y"}`, `{"t":{"x":[1,{"y":"}"}]},"n":null}`, `[1]`, `null`, `"s"`, `1`,
		`{"k\u00e9y":true, "\u0000":-1.5e3}`, "{\"\xff\":1}", `{"a":"b\"}"}`, `{`, ``, `{"a":1,}`, "\ufeff{}", `{"a" : [ ] , "b" :{ } }`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want map[string]json.RawMessage
		wantReason := ""
		if err := json.Unmarshal(data, &want); err != nil {
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) {
				wantReason = reasonNotObject
			} else {
				wantReason = reasonNotJSON
			}
			want = nil
		} else if want == nil {
			wantReason = reasonNotObject
		}
		got, reason := decodeObject(data)
		if reason != wantReason || len(got) != len(want) {
			t.Fatalf("%q: reason %q, %d members; encoding/json: %q, %d", data, reason, len(got), wantReason, len(want))
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("%q: member %q = %q, encoding/json %q", data, k, got[k], v)
			}
		}
	})
}

package ipc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// trickyStrings are what a name, reason or path from disk may hold.
var trickyStrings = []string{
	"", "plain", `q"uote\back`, "<a href='x'>&amp;</a>", "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
	"中文 名字", "emoji 🎉", "bad utf8 \xff\xfe x", "sep \u2028 \u2029", "\xe2\x80", "€\xc3",
}

// fill sets every field of v (a pointer) from rng: strings from
// trickyStrings, pointers nil or set, ints and bools random. Every field is
// reached through reflection, so a new wire field is covered as soon as it
// exists.
func fill(rng *rand.Rand, v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(rng, p.Elem())
		v.Set(p)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(rng, v.Field(i))
		}
	case reflect.Slice:
		if rng.IntN(4) == 0 {
			v.SetZero()
			return
		}
		n := rng.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(rng, s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		if rng.IntN(3) == 0 {
			v.SetZero()
			return
		}
		m := reflect.MakeMap(v.Type())
		for range rng.IntN(4) {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(rng, k)
			fill(rng, e)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.String:
		v.SetString(trickyStrings[rng.IntN(len(trickyStrings))])
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(rng.Int64N(1<<40) - 1<<39)
	default:
		panic("fill: add " + v.Kind().String() + " (" + v.Type().String() + ") to the encoder and to fill")
	}
}

func TestAppendMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 11))
	for i := range 500 {
		var st Status
		fill(rng, reflect.ValueOf(&st).Elem())
		var l List
		fill(rng, reflect.ValueOf(&l).Elem())
		var d TokenDetail
		fill(rng, reflect.ValueOf(&d).Elem())
		for _, c := range []struct {
			name string
			v    any
			got  func(indent bool) []byte
		}{
			{"status", st, func(in bool) []byte { return AppendStatus(nil, &st, in) }},
			{"list", l, func(in bool) []byte { return AppendList(nil, &l, in) }},
			{"detail", d, func(bool) []byte { return AppendTokenDetail(nil, &d) }},
		} {
			want, err := json.Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.got(false); !bytes.Equal(got, want) {
				t.Fatalf("case %d %s compact:\n got %s\nwant %s", i, c.name, got, want)
			}
			if c.name == "detail" {
				continue
			}
			want, _ = json.MarshalIndent(c.v, "", "  ")
			if got := c.got(true); !bytes.Equal(got, want) {
				t.Fatalf("case %d %s indented:\n got %s\nwant %s", i, c.name, got, want)
			}
			var out bytes.Buffer
			if c.name == "status" {
				_ = WriteStatus(&out, &st, true)
			} else {
				_ = WriteList(&out, &l, true)
			}
			if !bytes.Equal(out.Bytes(), append(want, '\n')) {
				t.Fatalf("case %d %s: Write differs from Append", i, c.name)
			}
		}
	}
}

func TestAppendEmpty(t *testing.T) {
	for _, st := range []Status{{}, {Tokens: []TokenDetail{}}} {
		for _, in := range []bool{false, true} {
			want, _ := json.Marshal(st)
			if in {
				want, _ = json.MarshalIndent(st, "", "  ")
			}
			if got := AppendStatus(nil, &st, in); !bytes.Equal(got, want) {
				t.Errorf("got %s want %s", got, want)
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range trickyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s want %s", s, got, want)
		}
	})
}

// The streamed answers are, chunk after chunk, the bytes encoding/json
// gives for the same Status and List (compact and indented), over more
// than one chunk.
func TestStreamedAnswersMatchEncodingJSON(t *testing.T) {
	core := newFakeCore()
	base := core.states
	core.states = nil
	for i := range 400 { // ≈ 200 kB: several chunks
		s := base[i%len(base)]
		s.File = fmt.Sprintf("f-%03d-<&>\u2028.json", i)
		core.states = append(core.states, s)
	}
	r := serve(t, core, nil)
	started := testNow.Add(-time.Hour).Format(time.RFC3339)
	st := Status{Daemon: DaemonInfo{Running: true, PID: 4242, AuthDir: "/auth", StartedAt: &started, Version: "test"}}
	l := List{Tokens: []Token{}}
	st.Tokens = []TokenDetail{}
	for _, s := range core.states {
		st.Tokens = append(st.Tokens, DetailOf(s, testNow))
		l.Tokens = append(l.Tokens, TokenOf(s, testNow))
	}
	for _, c := range []struct {
		path string
		v    any
		in   bool
	}{{"/v1/status", st, false}, {"/v1/status?indent=1", st, true}, {"/v1/list", l, false}, {"/v1/list?indent=1", l, true}} {
		want, _ := json.Marshal(c.v)
		if c.in {
			want, _ = json.MarshalIndent(c.v, "", "  ")
		}
		want = append(want, '\n')
		code, _, got := r.raw(t, http.MethodGet, c.path, "")
		if code != http.StatusOK || !bytes.Equal(got, want) {
			t.Fatalf("%s: %d, %d bytes, want %d bytes equal to encoding/json's", c.path, code, len(got), len(want))
		}
	}
	// The client's printing path gets the same bytes.
	got, err := r.client.StatusJSON(context.Background())
	want, _ := json.MarshalIndent(st, "", "  ")
	if err != nil || !bytes.Equal(got, append(want, '\n')) {
		t.Fatalf("StatusJSON: %v", err)
	}
}

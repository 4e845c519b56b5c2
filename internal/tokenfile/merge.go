package tokenfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrNotObject means the data to merge into is not a JSON object.
var ErrNotObject = errors.New("not a JSON object")

// expiredLayout is how RouteCodex writes the `expired` field.
const expiredLayout = "2006-01-02T15:04:05.000Z"

// Merge applies u to the JSON object in data, keeping every other key,
// value, byte, the key order and indentation. It replaces only the values of
// the fields u carries (see Update); keys the file lacks are appended at the
// end of their object in the style of the object's last member. An Update
// that carries nothing returns data unchanged.
func Merge(data []byte, u Update) ([]byte, error) {
	if !json.Valid(data) {
		return nil, fmt.Errorf("merge: %w", ErrNotObject)
	}
	start := skipSpace(data, 0)
	if start >= len(data) || data[start] != '{' {
		return nil, fmt.Errorf("merge: %w", ErrNotObject)
	}
	top, err := scanObject(data, start)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	edits, err := topEdits(data, top, u)
	if err != nil {
		return nil, fmt.Errorf("merge: %w", err)
	}
	if len(edits) == 0 {
		return data, nil
	}
	multiline := bytes.IndexByte(data, '\n') >= 0
	out := make([]byte, 0, len(data)+256)
	out = append(out, data[:top.open]...)
	out = appendMerged(out, data, top, edits, "", multiline)
	out = append(out, data[top.close+1:]...)
	if !json.Valid(out) {
		// Cannot happen with a correct scanner; never write a broken file.
		return nil, errors.New("merge: produced invalid JSON")
	}
	return out, nil
}

// edit sets one key of an object to an encoded JSON value.
type edit struct {
	key string
	val []byte
}

// edits is an ordered set of edits: a later set of the same key replaces
// the value but keeps the first position.
type edits []edit

func (es *edits) set(key string, v any) error {
	val, err := encodeValue(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	for i := range *es {
		if (*es)[i].key == key {
			(*es)[i].val = val
			return nil
		}
	}
	*es = append(*es, edit{key, val})
	return nil
}

// setter returns a set function for es that keeps the first encoding
// error in *errp and ignores later sets once there is one.
func (es *edits) setter(errp *error) func(key string, v any) {
	return func(key string, v any) {
		if *errp == nil {
			*errp = es.set(key, v)
		}
	}
}

// setTokenFields sets the token fields u carries, the named string fields
// in the given order (the order in which new keys are appended), then
// expires_in.
func setTokenFields(set func(string, any), u Update, order ...string) {
	values := map[string]string{
		"access_token":  u.AccessToken,
		"refresh_token": u.RefreshToken,
		"token_type":    u.TokenType,
	}
	for _, key := range order {
		if v := values[key]; v != "" {
			set(key, v)
		}
	}
	if u.ExpiresIn > 0 {
		set("expires_in", u.ExpiresIn)
	}
}

// topEdits lists what u changes at the top level, including the rewritten
// nested token object when the file has one.
func topEdits(data []byte, top object, u Update) (edits, error) {
	var es edits
	var err error
	set := es.setter(&err)
	setTokenFields(set, u, "access_token", "refresh_token", "token_type")
	if !u.ExpiresAt.IsZero() {
		set("expires_at", u.ExpiresAt.UnixMilli())
		set("expired", u.ExpiresAt.UTC().Format(expiredLayout))
		if _, ok := top.find("expiry_date"); ok {
			set("expiry_date", u.ExpiresAt.UnixMilli())
		}
		issuedEdits(set, data, top, u)
	}
	keys := make([]string, 0, len(u.Extra))
	for k, v := range u.Extra {
		if v != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys) // appended keys come in a deterministic order
	for _, k := range keys {
		set(k, u.Extra[k])
	}
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, nil
	}

	if m, ok := top.find("token"); ok && data[m.valStart] == '{' {
		nested, err := scanObject(data, m.valStart)
		if err != nil {
			return nil, err
		}
		nes, err := tokenEdits(data, nested, u)
		if err != nil {
			return nil, err
		}
		if len(nes) > 0 {
			val := appendMerged(nil, data, nested, nes, lineIndent(data, m.keyStart), bytes.IndexByte(data, '\n') >= 0)
			es = append(es, edit{"token", val})
		}
	}
	return es, nil
}

// tokenEdits lists what u changes in a nested token object (gemini-cli and
// antigravity files): readers prefer it, so it must agree with the top level.
func tokenEdits(data []byte, nested object, u Update) (edits, error) {
	var es edits
	var err error
	set := es.setter(&err)
	setTokenFields(set, u, "access_token", "token_type", "refresh_token")
	if !u.ExpiresAt.IsZero() {
		set("expiry_timestamp", u.ExpiresAt.Unix())
		for _, key := range []string{"expires_at", "expiry"} {
			if m, ok := nested.find(key); ok {
				set(key, sameUnit(data[m.valStart:m.valEnd], u.ExpiresAt))
			}
		}
		issuedEdits(set, data, nested, u)
	}
	return es, err
}

// issuedEdits keeps the start of a token's lifetime consistent with its new
// expiry: a reader that knows only `timestamp` (antigravity) or
// `last_refresh` + `expires_in` must compute the same expiry as one reading
// `expires_at`. Each is written in the unit it had.
func issuedEdits(set func(string, any), data []byte, obj object, u Update) {
	in := u.ExpiresIn
	if in <= 0 {
		if m, ok := obj.find("expires_in"); ok {
			if n, ok := numberValue(data[m.valStart:m.valEnd]); ok && n >= 1 && n <= MaxLifetime.Seconds() {
				in = int64(n)
			}
		}
	}
	if in <= 0 {
		return
	}
	issued := u.ExpiresAt.Add(-time.Duration(in) * time.Second)
	for _, key := range []string{"timestamp", "last_refresh"} {
		if m, ok := obj.find(key); ok {
			set(key, sameUnit(data[m.valStart:m.valEnd], issued))
		}
	}
}

// sameUnit expresses t like the old value was: an RFC 3339 string, seconds
// or milliseconds.
func sameUnit(old []byte, t time.Time) any {
	if len(old) > 0 && old[0] == '"' {
		var s string
		if json.Unmarshal(old, &s) == nil {
			if _, ok := numberValue(old); !ok {
				return t.UTC().Format(expiredLayout)
			}
		}
	}
	if n, ok := numberValue(old); ok && n > 0 && n <= 1e11 {
		return t.Unix()
	}
	return t.UnixMilli()
}

func encodeValue(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep URLs such as resource_url readable
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// appendMerged appends to out the object obj of data (from its '{' to its
// '}') with edits applied: values of present keys are replaced in place,
// the others appended after the last member.
func appendMerged(out, data []byte, obj object, es edits, indent string, multiline bool) []byte {
	used := make([]bool, len(es))
	prev := obj.open
	for _, m := range obj.members {
		i := slices.IndexFunc(es, func(e edit) bool { return e.key == m.key })
		if i < 0 {
			continue
		}
		used[i] = true
		out = append(out, data[prev:m.valStart]...)
		out = append(out, es[i].val...)
		prev = m.valEnd
	}
	var added []edit
	for i, e := range es {
		if !used[i] {
			added = append(added, e)
		}
	}
	if len(added) == 0 {
		return append(out, data[prev:obj.close+1]...)
	}

	if n := len(obj.members); n > 0 {
		// Copy the layout of the last member: the whitespace before its key
		// and the bytes between its key and its value.
		last := obj.members[n-1]
		sepFrom := obj.open + 1
		if n > 1 {
			sepFrom = skipSpace(data, obj.members[n-2].valEnd) + 1 // past the comma
		}
		sep := data[sepFrom:last.keyStart]
		colon := data[last.keyEnd:last.valStart]
		out = append(out, data[prev:last.valEnd]...)
		for _, e := range added {
			out = append(out, ',')
			out = append(out, sep...)
			out = appendKey(out, e.key)
			out = append(out, colon...)
			out = append(out, e.val...)
		}
		return append(out, data[last.valEnd:obj.close+1]...)
	}

	// An empty object: two spaces deeper than its line, or compact when
	// the whole file is one line.
	out = append(out, data[prev:obj.open+1]...)
	for i, e := range added {
		if i > 0 {
			out = append(out, ',')
		}
		if multiline {
			out = append(out, '\n')
			out = append(out, indent...)
			out = append(out, "  "...)
		}
		out = appendKey(out, e.key)
		out = append(out, ':')
		if multiline {
			out = append(out, ' ')
		}
		out = append(out, e.val...)
	}
	if multiline {
		out = append(out, '\n')
		out = append(out, indent...)
	}
	return append(out, '}')
}

func appendKey(out []byte, key string) []byte {
	k, _ := encodeValue(key) // a string always encodes
	return append(out, k...)
}

// lineIndent is the leading whitespace of the line holding offset i.
func lineIndent(data []byte, i int) string {
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	end := start
	for end < len(data) && (data[end] == ' ' || data[end] == '\t') {
		end++
	}
	return string(data[start:end])
}

// object is the layout of one JSON object in a byte slice.
type object struct {
	open, close int // offsets of '{' and '}'
	members     []member
}

type member struct {
	key              string
	keyStart, keyEnd int // the key's quotes included
	valStart, valEnd int
}

// find returns the last member named key (the one encoding/json reads).
func (o object) find(key string) (member, bool) {
	for i := len(o.members) - 1; i >= 0; i-- {
		if o.members[i].key == key {
			return o.members[i], true
		}
	}
	return member{}, false
}

var errSyntax = errors.New("malformed JSON")

// scanObject lays out the object starting at data[i] == '{'. data has
// already passed json.Valid, so the scanner only needs to find boundaries.
func scanObject(data []byte, i int) (object, error) {
	obj := object{open: i}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		obj.close = i
		return obj, nil
	}
	for i < len(data) {
		var m member
		m.keyStart = i
		end, err := scanString(data, i)
		if err != nil {
			return obj, err
		}
		m.keyEnd = end
		raw := data[m.keyStart:m.keyEnd]
		if bytes.IndexByte(raw, '\\') < 0 {
			m.key = string(raw[1 : len(raw)-1])
		} else if err := json.Unmarshal(raw, &m.key); err != nil {
			return obj, errSyntax
		}
		i = skipSpace(data, end)
		if i >= len(data) || data[i] != ':' {
			return obj, errSyntax
		}
		m.valStart = skipSpace(data, i+1)
		if m.valEnd, err = scanValue(data, m.valStart); err != nil {
			return obj, err
		}
		obj.members = append(obj.members, m)
		i = skipSpace(data, m.valEnd)
		if i >= len(data) {
			break
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			obj.close = i
			return obj, nil
		default:
			return obj, errSyntax
		}
	}
	return obj, errSyntax
}

// scanString returns the offset just past the string starting at data[i].
func scanString(data []byte, i int) (int, error) {
	if i >= len(data) || data[i] != '"' {
		return 0, errSyntax
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errSyntax
}

// scanValue returns the offset just past the value starting at data[i].
func scanValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errSyntax
	}
	switch data[i] {
	case '"':
		return scanString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, err := scanString(data, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errSyntax
	default: // number, true, false, null
		j := i
		for j < len(data) && !strings.ContainsRune(",}] \t\r\n", rune(data[j])) {
			j++
		}
		if j == i {
			return 0, errSyntax
		}
		return j, nil
	}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i
}

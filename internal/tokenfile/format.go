package tokenfile

// format.go: the hooks through which other tools' token files (DESIGN.md
// section 15: Codex's auth.json, Claude Code's .credentials.json, …) are
// read with their own field names and written by the same locked,
// compare-and-swap, merging atomic write as RouteCodex's files.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Format reads and merges the files of one tool. Parse never fails (like
// the package's Parse: an unusable file comes back with Invalid set, using
// this package's reasons for bytes that are not a JSON object); Merge
// changes only the fields the tool's file keeps, every other key, value and
// byte staying as they were.
type Format interface {
	Parse(path string, data []byte) *File
	Merge(data []byte, u Update) ([]byte, error)
}

// WriteOptions change how WriteWith reads, merges and locks a file.
type WriteOptions struct {
	// Format of the file; nil is RouteCodex's own (Parse and Merge).
	Format Format
	// Lock, when set, is taken after the file's own lock and held around
	// the whole read-compare-merge-replace: another tool's lock (Qwen
	// Code's oauth_creds.lock).
	Lock func() (unlock func(), err error)
}

func (o WriteOptions) parse(path string, data []byte) *File {
	if o.Format != nil {
		return o.Format.Parse(path, data)
	}
	return Parse(path, data, Options{})
}

func (o WriteOptions) merge(data []byte, u Update) ([]byte, error) {
	if o.Format != nil {
		return o.Format.Merge(data, u)
	}
	return Merge(data, u)
}

// Time is a time value for Edit, written in the unit of the value it
// replaces (RFC 3339 string, seconds or milliseconds); a new key gets
// Default's unit.
type Time struct {
	T time.Time
	// Unit of a new key: "ms" (the default), "s" or "rfc3339".
	Default string
}

// FieldEdit sets one value of a JSON document, by its path of object keys
// from the top.
type FieldEdit struct {
	Path  []string
	Value any // encoded as JSON; a Time is written in the old value's unit
	// IfPresent: only replace a key the object has; never add it.
	IfPresent bool
}

// ErrNoPath means an edit names a key inside an object the file lacks.
var ErrNoPath = errors.New("no such object")

// Edit applies edits to the JSON object in data, keeping every other key,
// value and byte, the key order and the indentation (as Merge does). Keys
// an object lacks are appended at its end in the order of edits, unless
// the edit is IfPresent. An edit inside a nested object the file lacks is
// skipped. Edits that change nothing return data unchanged.
func Edit(data []byte, fes []FieldEdit) ([]byte, error) {
	if !json.Valid(data) {
		return nil, fmt.Errorf("edit: %w", ErrNotObject)
	}
	start := skipSpace(data, 0)
	if start >= len(data) || data[start] != '{' {
		return nil, fmt.Errorf("edit: %w", ErrNotObject)
	}
	top, err := scanObject(data, start)
	if err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	}
	multiline := bytes.IndexByte(data, '\n') >= 0
	es, err := objectEdits(data, top, "", fes, multiline)
	if err != nil {
		return nil, fmt.Errorf("edit: %w", err)
	}
	if len(es) == 0 {
		return data, nil
	}
	out := make([]byte, 0, len(data)+128)
	out = append(out, data[:top.open]...)
	out = appendMerged(out, data, top, es, "", multiline)
	out = append(out, data[top.close+1:]...)
	if !json.Valid(out) {
		return nil, errors.New("edit: produced invalid JSON")
	}
	if bytes.Equal(out, data) {
		return data, nil
	}
	return out, nil
}

// objectEdits turns the field edits of one object into its member edits;
// indent is the leading whitespace of the line of the object's key.
func objectEdits(data []byte, obj object, indent string, fes []FieldEdit, multiline bool) (edits, error) {
	var es edits
	var nestedOrder []string
	nested := map[string][]FieldEdit{}
	for _, fe := range fes {
		if len(fe.Path) == 0 {
			continue
		}
		key := fe.Path[0]
		if len(fe.Path) > 1 {
			if _, seen := nested[key]; !seen {
				nestedOrder = append(nestedOrder, key)
			}
			nested[key] = append(nested[key], FieldEdit{Path: fe.Path[1:], Value: fe.Value, IfPresent: fe.IfPresent})
			continue
		}
		m, ok := obj.find(key)
		if fe.IfPresent && !ok {
			continue
		}
		v := fe.Value
		if t, isTime := v.(Time); isTime {
			if ok {
				v = sameUnit(data[m.valStart:m.valEnd], t.T)
			} else {
				v = inUnit(t)
			}
		}
		if err := es.set(key, v); err != nil {
			return nil, err
		}
	}
	for _, key := range nestedOrder {
		m, ok := obj.find(key)
		if !ok || data[m.valStart] != '{' {
			continue
		}
		inner, err := scanObject(data, m.valStart)
		if err != nil {
			return nil, err
		}
		ind := lineIndent(data, m.keyStart)
		nes, err := objectEdits(data, inner, ind, nested[key], multiline)
		if err != nil {
			return nil, err
		}
		if len(nes) > 0 {
			es = append(es, edit{key, appendMerged(nil, data, inner, nes, ind, multiline)})
		}
	}
	return es, nil
}

func inUnit(t Time) any {
	switch t.Default {
	case "s":
		return t.T.Unix()
	case "rfc3339":
		return t.T.UTC().Format(time.RFC3339)
	}
	return t.T.UnixMilli()
}

// WriteWith is Write with other tools' formats and locks (see
// WriteOptions); Write is WriteWith with the zero options.
func WriteWith(path string, u Update, ifRefreshToken *string, o WriteOptions) (WriteResult, error) {
	target, err := resolveInDir(path)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
	}
	unlock, err := lock(target)
	if err != nil {
		return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
	}
	defer unlock()
	if o.Lock != nil {
		release, err := o.Lock()
		if err != nil {
			return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
		}
		defer release()
	}
	for range writeAttempts {
		res, done, err := writeOnce(target, u, ifRefreshToken, o)
		if err != nil {
			return WriteResult{}, fmt.Errorf("write token file %s: %w", path, err)
		}
		if done {
			return res, nil
		}
	}
	return WriteResult{}, fmt.Errorf("write token file %s: %w", path, errKeepsChanging)
}

package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// maxAliasRunes bounds an alias: it is a label, not a document.
const maxAliasRunes = 64

// ErrBadAlias means an alias cannot be stored (too long, control
// characters, or a file name that is not a plain token file name).
var ErrBadAlias = errors.New("bad alias")

// BadAliasError is why an alias cannot be stored, in English (Error) or
// worded from the catalogs (Text); it is ErrBadAlias for errors.Is.
type BadAliasError struct {
	Format string
	Args   []any
}

func (e *BadAliasError) Error() string {
	return ErrBadAlias.Error() + ": " + fmt.Sprintf(e.Format, e.Args...)
}

func (e *BadAliasError) Is(target error) bool { return target == ErrBadAlias }

// Text is why, in lang.
func (e *BadAliasError) Text(lang i18n.Lang) string { return i18n.T(lang, msgKey(e.Format), e.Args...) }

func badAlias(format string, args ...any) error { return &BadAliasError{Format: format, Args: args} }

// CheckAlias validates a file name and alias pair for SetAlias and returns
// the file name with ".json" and the trimmed alias.
func CheckAlias(file, alias string) (string, string, error) {
	name := strings.TrimSpace(file)
	if !sourceFileName(name) && (name == "" || name != filepath.Base(name) || strings.ContainsAny(name, `/\`) || strings.HasPrefix(name, ".")) {
		return "", "", badAlias("%q is not a token file name", file)
	}
	if !strings.HasSuffix(name, ".json") {
		name += ".json"
	}
	alias = strings.TrimSpace(alias)
	if n := len([]rune(alias)); n > maxAliasRunes {
		return "", "", badAlias("longer than %d characters", maxAliasRunes)
	}
	for _, r := range alias {
		if unicode.IsControl(r) {
			return "", "", badAlias("it holds a control character")
		}
	}
	return name, alias, nil
}

// SetAlias writes tokenDaemon.aliases[file] = alias into the config file at
// path ("" alias removes the entry), changing no other byte of the file:
// key order, formatting and everything RouteCodex keeps there stay as they
// were. A missing file, tokenDaemon block or aliases object is created. The
// write is atomic (temporary file, fsync, rename, directory fsync) and keeps
// the file's mode; a symlinked config is written through to its target.
// The result must still be a valid configuration, else nothing is written.
func SetAlias(path, file, alias string) error {
	name, alias, err := CheckAlias(file, alias)
	if err != nil {
		return err
	}
	target, data, mode, err := readForMerge(path)
	if err != nil {
		return err
	}
	out, changed, err := mergeAlias(data, name, alias)
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.File = path
			return ce
		}
		return newError(path, "", "not valid JSON")
	}
	if !changed {
		return nil
	}
	if _, err := Parse(path, out); err != nil {
		return err // names the file and the key
	}
	return writeFileAtomic(target, out, mode)
}

// readForMerge reads the config file at path for an in-place merge: the
// file a link points to, its bytes (nil when it does not exist yet) and
// its mode (0600 for a new file).
func readForMerge(path string) (target string, data []byte, mode fs.FileMode, err error) {
	target = path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	mode = 0o600
	data, err = os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return target, nil, mode, nil
	case err != nil:
		return "", nil, 0, fmt.Errorf("read config: %w", err)
	}
	if info, err := os.Stat(target); err == nil {
		mode = info.Mode().Perm()
	}
	return target, data, mode, nil
}

// span is one member of a JSON object: byte offsets into the document.
type span struct {
	key              string
	keyStart         int // the opening quote of the key
	valStart, valEnd int
	prevEnd          int // end of the previous member's value, or just past '{'
}

// objectMembers lists the members of the object whose '{' is at data[open],
// and the offset of its closing '}'.
func objectMembers(data []byte, open int) ([]span, int, error) {
	dec := json.NewDecoder(bytes.NewReader(data[open:]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, 0, errors.New("not an object")
	}
	var out []span
	prev := open + int(dec.InputOffset())
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, 0, err
		}
		key, _ := tok.(string)
		keyStart := skipSpaceComma(data, prev)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, 0, err
		}
		valEnd := open + int(dec.InputOffset())
		valStart := valEnd - len(raw)
		out = append(out, span{key: key, keyStart: keyStart, valStart: valStart, valEnd: valEnd, prevEnd: prev})
		prev = valEnd
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, 0, errors.New("unterminated object")
	}
	closing := open + int(dec.InputOffset()) - 1
	return out, closing, nil
}

func skipSpaceComma(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r' || data[i] == ',') {
		i++
	}
	return i
}

// lineIndent is the run of spaces and tabs that starts the line holding
// data[i].
func lineIndent(data []byte, i int) string {
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	end := start
	for end < len(data) && (data[end] == ' ' || data[end] == '\t') {
		end++
	}
	return string(data[start:end])
}

// layout says how members of the object at data[open] are written: on
// their own lines with an indent (the first member's), or inline.
func layout(data []byte, open int, members []span, unit string) (indent string, multiline bool) {
	if len(members) > 0 {
		between := data[members[0].prevEnd:members[0].keyStart]
		if !bytes.ContainsRune(between, '\n') {
			return "", false
		}
		return lineIndent(data, members[0].keyStart), true
	}
	return lineIndent(data, open) + unit, true
}

// indentUnit guesses the document's indent step (two spaces by default).
func indentUnit(data []byte, root []span) string {
	if len(root) > 0 {
		if ind := lineIndent(data, root[0].keyStart); ind != "" && bytes.ContainsRune(data[root[0].prevEnd:root[0].keyStart], '\n') {
			return ind
		}
	}
	return "  "
}

// insertMember adds `"key": value` as the last member of the object at
// data[open]; value is laid out for the member's indent by render.
func insertMember(data []byte, open int, members []span, closing int, unit, key string, render func(indent string) string) []byte {
	indent, multiline := layout(data, open, members, unit)
	k, _ := json.Marshal(key)
	var ins string
	if multiline {
		ins = "\n" + indent + string(k) + ": " + render(indent)
	} else {
		ins = " " + string(k) + ": " + render("")
	}
	at := open + 1
	if len(members) > 0 {
		at = members[len(members)-1].valEnd
		ins = "," + ins
	}
	tail := data[at:]
	if len(members) == 0 {
		// An empty object: close it on its own line (or inline).
		tail = bytes.TrimLeft(data[at:closing], " \t\r\n")
		tail = append(tail, data[closing:]...)
		if multiline {
			ins += "\n" + lineIndent(data, open)
		} else {
			ins += " "
		}
	}
	out := make([]byte, 0, len(data)+len(ins))
	out = append(out, data[:at]...)
	out = append(out, ins...)
	out = append(out, tail...)
	return out
}

// removeMember drops member i of an object, with its separating comma.
func removeMember(data []byte, members []span, i int) []byte {
	m := members[i]
	var from, to int
	switch {
	case len(members) == 1:
		from, to = m.prevEnd, m.valEnd // leaves "{" + trailing space + "}"
	case i == 0:
		from, to = m.keyStart, members[1].keyStart
	default:
		from, to = m.prevEnd, m.valEnd
	}
	out := append([]byte(nil), data[:from]...)
	return append(out, data[to:]...)
}

// objectValue renders a one-member object {key: value} at indent.
func objectValue(unit, key, value string, nested func(indent string) string) func(indent string) string {
	return func(indent string) string {
		k, _ := json.Marshal(key)
		inner := value
		if nested != nil {
			inner = nested(indent + unit)
		}
		if indent == "" && nested == nil {
			return "{ " + string(k) + ": " + inner + " }"
		}
		return "{\n" + indent + unit + string(k) + ": " + inner + "\n" + indent + "}"
	}
}

// mergeAlias returns data with tokenDaemon.aliases[name] set to alias
// (removed when alias is ""), and whether anything changed.
func mergeAlias(data []byte, name, alias string) ([]byte, bool, error) {
	val, _ := json.Marshal(alias)
	value := string(val)
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		if alias == "" {
			return data, false, nil
		}
		k, _ := json.Marshal(name)
		doc := "{\n  \"tokenDaemon\": {\n    \"aliases\": {\n      " + string(k) + ": " + value + "\n    }\n  }\n}\n"
		return []byte(doc), true, nil
	}
	rootOpen := bytes.IndexByte(data, '{')
	if rootOpen < 0 || rootOpen != len(data)-len(bytes.TrimLeft(data, " \t\r\n")) {
		return nil, false, newError("", "", "must hold a JSON object")
	}
	root, rootClose, err := objectMembers(data, rootOpen)
	if err != nil {
		return nil, false, newError("", "", "not valid JSON")
	}
	unit := indentUnit(data, root)
	aliasesObj := objectValue(unit, name, value, nil)

	td := find(root, "tokenDaemon")
	if td == nil {
		if alias == "" {
			return data, false, nil
		}
		return insertMember(data, rootOpen, root, rootClose, unit, "tokenDaemon",
			objectValue(unit, "aliases", "", aliasesObj)), true, nil
	}
	if string(data[td.valStart:td.valEnd]) == "null" {
		if alias == "" {
			return data, false, nil
		}
		indent := lineIndent(data, td.keyStart)
		repl := objectValue(unit, "aliases", "", aliasesObj)(indent)
		return splice(data, td.valStart, td.valEnd, repl), true, nil
	}
	if data[td.valStart] != '{' {
		return nil, false, newError("", "tokenDaemon", "must be an object")
	}
	tdMembers, tdClose, err := objectMembers(data, td.valStart)
	if err != nil {
		return nil, false, err
	}
	al := find(tdMembers, "aliases")
	if al == nil {
		if alias == "" {
			return data, false, nil
		}
		return insertMember(data, td.valStart, tdMembers, tdClose, unit, "aliases", aliasesObj), true, nil
	}
	if data[al.valStart] != '{' {
		return nil, false, newError("", "tokenDaemon.aliases", "must be an object")
	}
	alMembers, alClose, err := objectMembers(data, al.valStart)
	if err != nil {
		return nil, false, err
	}
	// The config may name the file with or without ".json".
	bare := strings.TrimSuffix(name, ".json")
	var idx []int
	for i, m := range alMembers {
		if k := strings.TrimSpace(m.key); k == name || k == bare {
			idx = append(idx, i)
		}
	}
	if alias == "" {
		if len(idx) == 0 {
			return data, false, nil
		}
		out := data
		for j := len(idx) - 1; j >= 0; j-- { // from the end: offsets stay valid
			members, _, err := objectMembers(out, al.valStart)
			if err != nil {
				return nil, false, err
			}
			out = removeMember(out, members, idx[j])
		}
		return out, true, nil
	}
	if len(idx) == 0 {
		return insertMember(data, al.valStart, alMembers, alClose, unit, name, func(string) string { return value }), true, nil
	}
	out := data
	for j := len(idx) - 1; j >= 1; j-- { // keep the first, drop duplicates
		members, _, err := objectMembers(out, al.valStart)
		if err != nil {
			return nil, false, err
		}
		out = removeMember(out, members, idx[j])
	}
	m := alMembers[idx[0]]
	if string(out[m.valStart:m.valEnd]) == value {
		return out, len(idx) > 1, nil
	}
	return splice(out, m.valStart, m.valEnd, value), true, nil
}

func find(members []span, key string) *span {
	for i := range members {
		if members[i].key == key {
			return &members[i]
		}
	}
	return nil
}

func splice(data []byte, from, to int, repl string) []byte {
	out := make([]byte, 0, len(data)-(to-from)+len(repl))
	out = append(out, data[:from]...)
	out = append(out, repl...)
	return append(out, data[to:]...)
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, fsynced, given mode, renamed over path, then the directory
// fsynced, so a reader sees the whole old or the whole new file.
func writeFileAtomic(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create config dir: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write config: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: not every OS can sync a directory
		d.Close()
	}
	return nil
}

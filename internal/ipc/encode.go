package ipc

import (
	"io"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The large answers (GET /v1/status and /v1/list, `status --json` and
// `list --json`) are encoded here without reflection: at 10,000 tokens
// encoding/json spent most of the answer's time and allocations walking the
// same struct types. The output is byte for byte what encoding/json gives
// (json.Marshal, or json.MarshalIndent(v, "", "  ") when indented); the
// tests compare the two over every field, so a field added to a wire type
// without being added here fails them.

// AppendStatus appends st as JSON; indented, in the layout of
// json.MarshalIndent(st, "", "  ").
func AppendStatus(b []byte, st *Status, indent bool) []byte {
	w := jsonw{b: b, indent: indent}
	n := len(st.Tokens)
	if st.Tokens == nil {
		n = -1
	}
	w.status(&st.Daemon, n, func(i int) *TokenDetail { return &st.Tokens[i] }, nil)
	return w.b
}

// AppendList appends l as JSON, like AppendStatus.
func AppendList(b []byte, l *List, indent bool) []byte {
	w := jsonw{b: b, indent: indent}
	n := len(l.Tokens)
	if l.Tokens == nil {
		n = -1
	}
	w.list(n, func(i int) *Token { return &l.Tokens[i] }, nil)
	return w.b
}

// status encodes a Status of n tokens (-1: a nil slice), the i-th given by
// token; flush, when not nil, is called after each token (it may take the
// bytes so far and reset w.b).
func (w *jsonw) status(d *DaemonInfo, n int, token func(int) *TokenDetail, flush func()) {
	w.open('{')
	w.key("daemon")
	w.daemonInfo(d)
	w.key("tokens")
	w.array(n, func(i int) { w.tokenDetail(token(i)) }, flush)
	w.close('}')
}

func (w *jsonw) list(n int, token func(int) *Token, flush func()) {
	w.open('{')
	w.key("tokens")
	w.array(n, func(i int) { w.token(token(i)) }, flush)
	w.close('}')
}

func (w *jsonw) array(n int, elem func(int), flush func()) {
	if n < 0 {
		w.null()
		return
	}
	w.open('[')
	for i := range n {
		w.elem()
		elem(i)
		if flush != nil {
			flush()
		}
	}
	w.close(']')
}

// WriteStatus writes st to out as AppendStatus encodes it, and a newline,
// in chunks: a 5 MB listing is never whole in memory.
func WriteStatus(out io.Writer, st *Status, indent bool) error {
	n := len(st.Tokens)
	if st.Tokens == nil {
		n = -1
	}
	return writeChunked(out, indent, func(w *jsonw, flush func()) {
		w.status(&st.Daemon, n, func(i int) *TokenDetail { return &st.Tokens[i] }, flush)
	})
}

// WriteList writes l to out like WriteStatus.
func WriteList(out io.Writer, l *List, indent bool) error {
	n := len(l.Tokens)
	if l.Tokens == nil {
		n = -1
	}
	return writeChunked(out, indent, func(w *jsonw, flush func()) {
		w.list(n, func(i int) *Token { return &l.Tokens[i] }, flush)
	})
}

// streamChunk is how much of a large answer is encoded before it is
// written out.
const streamChunk = 32 << 10

var chunkBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2*streamChunk); return &b }}

// writeChunked writes what encode produces to out in chunks of about
// streamChunk, then a final newline (as json.Encoder ends a value). After a
// write error the encoding runs to its end without writing; the error is
// returned.
func writeChunked(out io.Writer, indent bool, encode func(w *jsonw, flush func())) error {
	bp := chunkBufs.Get().(*[]byte)
	w := jsonw{b: (*bp)[:0], indent: indent}
	var werr error
	flush := func() {
		if len(w.b) >= streamChunk {
			if werr == nil {
				_, werr = out.Write(w.b)
			}
			w.b = w.b[:0]
		}
	}
	encode(&w, flush)
	w.b = append(w.b, '\n')
	if werr == nil {
		_, werr = out.Write(w.b)
	}
	if cap(w.b) <= 4*streamChunk {
		*bp = w.b[:0]
		chunkBufs.Put(bp)
	}
	return werr
}

// AppendTokenDetail appends one token's detail as compact JSON.
func AppendTokenDetail(b []byte, t *TokenDetail) []byte {
	w := jsonw{b: b}
	w.tokenDetail(t)
	return w.b
}

func (w *jsonw) daemonInfo(d *DaemonInfo) {
	w.open('{')
	w.key("running")
	w.bool(d.Running)
	w.key("pid")
	w.int(int64(d.PID))
	w.key("authDir")
	w.string(d.AuthDir)
	w.key("startedAt")
	w.stringPtr(d.StartedAt)
	w.key("version")
	w.string(d.Version)
	if d.WebURL != "" {
		w.key("webURL")
		w.string(d.WebURL)
	}
	if d.ConfigError != "" {
		w.key("configError")
		w.string(d.ConfigError)
	}
	if len(d.ConfigErrorText) > 0 {
		w.key("configErrorText")
		w.stringMap(d.ConfigErrorText)
	}
	if c := d.Cluster; c != nil {
		w.key("cluster")
		w.open('{')
		w.key("node")
		w.string(c.Node)
		w.key("role")
		w.string(c.Role)
		w.key("leader")
		w.string(c.Leader)
		w.key("members")
		w.strings(c.Members)
		w.close('}')
	}
	w.close('}')
}

// tokenFields are Token's fields, in the object already opened.
func (w *jsonw) tokenFields(t *Token) {
	w.key("file")
	w.string(t.File)
	w.key("path")
	w.string(t.Path)
	w.key("provider")
	w.string(t.Provider)
	w.key("alias")
	w.string(t.Alias)
	w.key("displayName")
	w.string(t.DisplayName)
	w.key("email")
	w.string(t.Email)
	w.key("status")
	w.string(t.Status)
	w.key("reason")
	w.string(t.Reason)
	w.key("expiresAt")
	w.stringPtr(t.ExpiresAt)
	w.key("remainingSeconds")
	if t.RemainingSeconds == nil {
		w.null()
	} else {
		w.int(*t.RemainingSeconds)
	}
	w.key("refreshable")
	w.bool(t.Refreshable)
	w.key("reasonCode")
	w.string(t.ReasonCode)
	if t.Source != "" {
		w.key("source")
		w.string(t.Source)
	}
	if t.Watch {
		w.key("watch")
		w.bool(t.Watch)
	}
	if t.Login != "" {
		w.key("login")
		w.string(t.Login)
	}
	if len(t.ReasonArgs) > 0 {
		w.key("reasonArgs")
		w.strings(t.ReasonArgs)
	}
	w.key("health")
	w.open('{')
	w.key("score")
	w.int(int64(t.Health.Score))
	w.key("grade")
	w.string(string(t.Health.Grade))
	w.key("factors")
	if t.Health.Factors == nil {
		w.null()
	} else {
		w.open('[')
		for i := range t.Health.Factors {
			fc := &t.Health.Factors[i]
			w.elem()
			w.open('{')
			w.key("factor")
			w.string(fc.Factor)
			w.key("impact")
			w.int(int64(fc.Impact))
			w.key("detail")
			w.string(fc.Detail)
			w.close('}')
		}
		w.close(']')
	}
	w.close('}')
}

func (w *jsonw) token(t *Token) {
	w.open('{')
	w.tokenFields(t)
	w.close('}')
}

func (w *jsonw) tokenDetail(t *TokenDetail) {
	w.open('{')
	w.tokenFields(&t.Token) // embedded: its fields come first, flattened
	w.key("lastRefreshAt")
	w.stringPtr(t.LastRefreshAt)
	w.key("nextRefreshAt")
	w.stringPtr(t.NextRefreshAt)
	w.key("lastError")
	w.string(t.LastError)
	w.key("failures")
	w.int(int64(t.Failures))
	w.key("usage")
	w.open('{')
	w.key("last24h")
	w.int(int64(t.Usage.Last24h))
	w.key("last7d")
	w.int(int64(t.Usage.Last7d))
	w.key("lastAccessAt")
	w.stringPtr(t.Usage.LastAccessAt)
	w.key("opens24h")
	w.int(int64(t.Usage.Opens24h))
	w.key("opens7d")
	w.int(int64(t.Usage.Opens7d))
	w.key("lastOpenAt")
	w.stringPtr(t.Usage.LastOpenAt)
	w.close('}')
	w.close('}')
}

// jsonw appends JSON values. In indent mode it lays them out as
// json.MarshalIndent with prefix "" and indent "  " does: one member or
// element a line, "key": value, and empty objects and arrays as {} and [].
type jsonw struct {
	b      []byte
	indent bool
	depth  int
	// empty says the innermost open object or array has no member yet; a
	// bit a level (the wire types nest four deep at most).
	empty uint64
}

func (w *jsonw) open(c byte) {
	w.b = append(w.b, c)
	w.depth++
	w.empty |= 1 << w.depth
}

func (w *jsonw) close(c byte) {
	if w.empty&(1<<w.depth) == 0 {
		w.newline(w.depth - 1)
	}
	w.empty &^= 1 << w.depth
	w.depth--
	w.b = append(w.b, c)
}

// next starts a member or element: a comma after the first, then in indent
// mode a new line.
func (w *jsonw) next() {
	if w.empty&(1<<w.depth) != 0 {
		w.empty &^= 1 << w.depth
	} else {
		w.b = append(w.b, ',')
	}
	w.newline(w.depth)
}

func (w *jsonw) newline(depth int) {
	if !w.indent {
		return
	}
	w.b = append(w.b, '\n')
	for range depth {
		w.b = append(w.b, ' ', ' ')
	}
}

func (w *jsonw) elem() { w.next() }

func (w *jsonw) key(k string) {
	w.next()
	w.string(k)
	w.b = append(w.b, ':')
	if w.indent {
		w.b = append(w.b, ' ')
	}
}

func (w *jsonw) null() { w.b = append(w.b, "null"...) }

func (w *jsonw) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

func (w *jsonw) int(v int64) { w.b = strconv.AppendInt(w.b, v, 10) }

func (w *jsonw) strings(ss []string) {
	if ss == nil {
		w.null()
		return
	}
	w.open('[')
	for _, s := range ss {
		w.elem()
		w.string(s)
	}
	w.close(']')
}

// stringMap encodes m with its keys sorted, as encoding/json does.
func (w *jsonw) stringMap(m map[string]string) {
	if m == nil {
		w.null()
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	w.open('{')
	for _, k := range keys {
		w.key(k)
		w.string(m[k])
	}
	w.close('}')
}

func (w *jsonw) stringPtr(s *string) {
	if s == nil {
		w.null()
		return
	}
	w.string(*s)
}

// string appends s quoted as encoding/json does by default: HTML-escaped
// (<, > and & as \u003c …), control characters escaped, invalid UTF-8 as
// \ufffd, and U+2028 and U+2029 escaped.
func (w *jsonw) string(s string) { w.b = appendJSONString(w.b, s) }

const hexDigits = "0123456789abcdef"

func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

package tokenfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// routeCodexName is the name pattern RouteCodex gives its files:
// <provider>-oauth-<seq>[-<alias>].json.
var routeCodexName = regexp.MustCompile(`^(.+)-oauth-(\d+)(?:-(.+))?\.json$`)

// builtinTypes maps the values of a file's type/provider field to the
// canonical provider name.
var builtinTypes = map[string]string{
	"iflow":             ProviderIFlow,
	"iflow-oauth":       ProviderIFlow,
	"qwen":              ProviderQwen,
	"qwen-oauth":        ProviderQwen,
	"gemini":            ProviderGeminiCLI,
	"gemini-cli":        ProviderGeminiCLI,
	"gemini-cli-oauth":  ProviderGeminiCLI,
	"gemini-oauth":      ProviderGeminiCLI,
	"antigravity":       ProviderAntigravity,
	"antigravity-oauth": ProviderAntigravity,
	"codex":             ProviderCodex,
	"codex-oauth":       ProviderCodex,
	"claude":            ProviderClaude,
	"claude-oauth":      ProviderClaude,
}

// builtinPrefixes maps file-name prefixes to providers; the longest match
// wins, so "gemini-cli-" and a generic "gemini-corp-" beat "gemini-".
var builtinPrefixes = map[string]string{
	"iflow-":       ProviderIFlow,
	"qwen-":        ProviderQwen,
	"gemini-cli-":  ProviderGeminiCLI,
	"gemini-":      ProviderGeminiCLI,
	"antigravity-": ProviderAntigravity,
	"codex-":       ProviderCodex,
	"claude-":      ProviderClaude,
}

// Parse builds a File from bytes read at path. It never fails: a file that
// cannot be used is returned with Invalid set to the reason.
func Parse(path string, data []byte, opts Options) *File {
	f := &File{
		Name: filepath.Base(path),
		Path: path,
		Hash: sha256.Sum256(data),
		Size: int64(len(data)),
	}
	obj, reason := decodeObject(data)
	f.Invalid = reason
	f.fill(obj, opts)
	f.applyHandoff(opts.HandedOff)
	return f
}

// applyHandoff marks f read-only while it holds the very bytes that were
// handed off to another machine.
func (f *File) applyHandoff(handedOff map[string][32]byte) {
	if h, ok := handedOff[f.Name]; ok && h == f.Hash && f.Invalid == "" {
		f.HandedOff = true
		f.ReadOnly = true
	}
}

// WithHandoff is f as it reads under the handed-off set: a copy with
// HandedOff and ReadOnly set when its bytes are the handed-off ones. A file
// that is not handed off comes back as f itself (its read-only state from
// its alias or flag cannot be recomputed here; read the file again).
func (f *File) WithHandoff(handedOff map[string][32]byte) *File {
	if f.HandedOff {
		return f
	}
	c := *f
	c.applyHandoff(handedOff)
	if !c.HandedOff {
		return f
	}
	return &c
}

// decodeObject decodes the top level of a token file, keeping values raw so
// that only the fields the model needs are decoded, by their exact names.
// encoding/json decides validity; the members of a valid document are then
// split without reflection (at 10,000 files the reflective map decode was
// the largest part of a scan's CPU and allocations). The result is what
// json.Unmarshal into a map[string]json.RawMessage gives (fuzzed against
// it); the values share data's memory.
func decodeObject(data []byte) (map[string]json.RawMessage, string) {
	if !json.Valid(data) {
		return nil, reasonNotJSON
	}
	obj, ok := splitObject(data)
	if !ok { // an array, a string, a number, true, false or null
		return nil, reasonNotObject
	}
	return obj, ""
}

// splitObject returns the members of the object that data (valid JSON)
// holds; ok is false when data holds another kind of value. A key given
// twice keeps its last value, as with json.Unmarshal.
func splitObject(data []byte) (obj map[string]json.RawMessage, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	obj = make(map[string]json.RawMessage, 16)
	i = skipSpace(data, i+1)
	if data[i] == '}' {
		return obj, true
	}
	for {
		end := skipString(data, i)
		key := unquoteKey(data[i:end])
		i = skipSpace(data, end) // at ':'
		i = skipSpace(data, i+1) // at the value
		end = skipValue(data, i)
		obj[key] = data[i:end:end]
		i = skipSpace(data, end) // at ',' or '}'
		if data[i] != ',' {
			return obj, true
		}
		i = skipSpace(data, i+1)
	}
}

// skipString returns the index after the string that starts at data[i].
func skipString(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// skipValue returns the index after the value that starts at data[i].
func skipValue(data []byte, i int) int {
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				j = skipString(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return len(data)
	}
	j := i // a number or a literal
	for j < len(data) {
		switch data[j] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return j
		}
		j++
	}
	return j
}

// unquoteKey is a quoted key as json.Unmarshal gives it: its bytes when it
// has no escape and is valid UTF-8, else decoded.
func unquoteKey(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s)
	return s
}

// fill sets every derived field of f from the decoded top-level object
// (nil when the file is invalid: identity then comes from the name alone).
func (f *File) fill(obj map[string]json.RawMessage, opts Options) {
	var token map[string]json.RawMessage
	if raw, ok := obj["token"]; ok && isObject(raw) {
		// raw is a member of a valid document: always an object here.
		token, _ = splitObject(raw)
	}

	f.Provider = detectProvider(f.Name, obj, opts)
	f.Alias = detectAlias(f.Name, obj, opts)

	f.AccessToken = firstString(obj["access_token"], token["access_token"])
	f.RefreshToken = firstString(obj["refresh_token"], token["refresh_token"])
	f.APIKey = firstString(obj["api_key"], obj["apiKey"])
	f.Email = firstString(obj["email"], token["email"])
	f.AccountID = idString(obj["account_id"])
	if f.AccountID == "" {
		f.AccountID = idString(obj["account_uuid"]) // claude (CLIProxyAPI's name too)
	}
	f.Workspace = firstString(obj["organization_uuid"])
	f.ProjectID = firstString(obj["project_id"], obj["projectId"], token["project_id"], token["projectId"])
	f.ResourceURL = firstString(obj["resource_url"], obj["resourceUrl"])
	f.TokenType = firstString(token["token_type"], obj["token_type"])
	name := firstString(obj["name"])

	f.ReadOnly = strings.EqualFold(f.Alias, "static")
	if !f.ReadOnly && (isTrue(obj["norefresh"]) || isTrue(obj["noRefresh"])) {
		// Older RouteCodex versions wrote the flag into qwen files after a
		// failed refresh; on qwen it counts only with a stable API key.
		f.ReadOnly = f.Provider != ProviderQwen || (f.APIKey != "" && f.APIKey != f.AccessToken)
	}

	if obj != nil && f.AccessToken == "" && f.APIKey == "" && f.RefreshToken == "" {
		f.Invalid = reasonNoSecret
	}
	if f.AccessToken != "" {
		f.ExpiresAt = expiry(obj, token)
	}
	if in, ok := numberValue(obj["expires_in"]); ok {
		if d := time.Duration(in * float64(time.Second)); in < MaxLifetime.Seconds() && d >= MinLifetime {
			f.Lifetime = d
		}
	}

	switch {
	case f.Alias != "" && f.Email != "":
		f.DisplayName = f.Alias + " (" + f.Email + ")"
	case f.Alias != "":
		f.DisplayName = f.Alias
	case f.Email != "":
		f.DisplayName = f.Email
	case name != "":
		f.DisplayName = name
	case f.AccountID != "":
		f.DisplayName = f.AccountID
	default:
		f.DisplayName = strings.TrimSuffix(f.Name, ".json")
	}
}

// detectProvider: the type/provider field, else the file-name prefix, else "".
func detectProvider(name string, obj map[string]json.RawMessage, opts Options) string {
	for _, key := range []string{"type", "provider"} {
		v := strings.ToLower(strings.TrimSpace(firstString(obj[key])))
		if v == "" {
			continue
		}
		if p, ok := builtinTypes[v]; ok {
			return p
		}
		for g := range opts.Generic {
			if v == strings.ToLower(g) || v == strings.ToLower(g)+"-oauth" {
				return g
			}
		}
	}
	best, bestLen := "", 0
	for prefix, p := range builtinPrefixes {
		// The plan's own names: a bare "<provider>.json" (iflow.json,
		// qwen.json) is that provider, like "<provider>-….json".
		bare := strings.TrimSuffix(prefix, "-") + ".json"
		if len(prefix) > bestLen && (strings.HasPrefix(name, prefix) || name == bare) {
			best, bestLen = p, len(prefix)
		}
	}
	for g, prefix := range opts.Generic {
		if prefix == "" {
			prefix = g
		}
		if !strings.HasSuffix(prefix, "-") {
			prefix += "-"
		}
		// A tie between two generic providers goes to the smaller name,
		// so that map order never decides.
		if strings.HasPrefix(name, prefix) || name == strings.TrimSuffix(prefix, "-")+".json" {
			if len(prefix) > bestLen || (len(prefix) == bestLen && g < best) {
				best, bestLen = g, len(prefix)
			}
		}
	}
	return best
}

// detectAlias: config, the alias field, the RouteCodex name pattern; a value
// that is empty or "default" passes to the next source.
func detectAlias(name string, obj map[string]json.RawMessage, opts Options) string {
	candidates := []string{opts.Aliases[name], firstString(obj["alias"])}
	if m := routeCodexName.FindStringSubmatch(name); m != nil {
		candidates = append(candidates, m[3])
	}
	for _, c := range candidates {
		c = strings.TrimSpace(c)
		if c != "" && !strings.EqualFold(c, "default") {
			return c
		}
	}
	return ""
}

// expiry finds the access token's expiry: the nested token object's fields
// win, then the top-level fields, then timestamp/last_refresh + expires_in.
// It returns the zero time when the file says nothing usable.
func expiry(obj, token map[string]json.RawMessage) time.Time {
	for _, key := range []string{"expiry_timestamp", "expires_at", "expiry"} {
		if t, ok := timeValue(token[key]); ok {
			return t
		}
	}
	for _, key := range []string{"expires_at", "expired", "expiry_date", "expiry"} {
		if t, ok := timeValue(obj[key]); ok {
			return t
		}
	}
	in, ok := numberValue(obj["expires_in"])
	if !ok || in < MinLifetime.Seconds() || in > MaxLifetime.Seconds() {
		return time.Time{}
	}
	for _, key := range []string{"timestamp", "last_refresh"} {
		if t, ok := timeValue(obj[key]); ok {
			return t.Add(time.Duration(in * float64(time.Second)))
		}
	}
	return time.Time{}
}

// timeValue reads a number (seconds, or milliseconds above 1e11), a numeric
// string, or an RFC 3339 string. Null, zero, negative and absurd values are
// absent.
func timeValue(raw json.RawMessage) (time.Time, bool) {
	if n, ok := numberValue(raw); ok {
		return fromNumber(n)
	}
	s := firstString(raw)
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func fromNumber(n float64) (time.Time, bool) {
	// 1e16 ms is far beyond year 300000: anything larger is garbage and
	// would overflow int64 nanoseconds arithmetic below.
	if n <= 0 || n >= 1e16 || math.IsNaN(n) {
		return time.Time{}, false
	}
	if n > 1e11 {
		return time.UnixMilli(int64(n)).UTC(), true
	}
	sec, frac := math.Modf(n)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
}

// numberValue reads a JSON number or a string holding one.
func numberValue(raw json.RawMessage) (float64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0, false
	}
	s := string(raw)
	if raw[0] == '"' {
		s = strings.TrimSpace(firstString(raw))
	} else if raw[0] != '-' && (raw[0] < '0' || raw[0] > '9') {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, false
	}
	return n, true
}

// firstString returns the first raw value that is a non-empty JSON string.
func firstString(raws ...json.RawMessage) string {
	for _, raw := range raws {
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 || raw[0] != '"' {
			continue
		}
		// Without escapes and in valid UTF-8 (what encoding/json would
		// replace), the string is its bytes between the quotes: raw comes
		// from a document that decoded, so it is a well-formed string.
		if len(raw) >= 2 && raw[len(raw)-1] == '"' && bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) {
			if len(raw) > 2 {
				return string(raw[1 : len(raw)-1])
			}
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil && s != "" {
			return s
		}
	}
	return ""
}

// idString reads an identifier written as a string or as a number.
func idString(raw json.RawMessage) string {
	if s := firstString(raw); s != "" {
		return s
	}
	if _, ok := numberValue(raw); ok {
		return string(bytes.TrimSpace(raw))
	}
	return ""
}

// isTrue reports a JSON true, or the string "true".
func isTrue(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return string(raw) == "true" || strings.EqualFold(firstString(raw), "true")
}

func isObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

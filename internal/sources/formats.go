// Package sources reads and writes the token files other tools keep
// (DESIGN.md section 15): a CLIProxyAPI auth dir, Codex's auth.json, Claude
// Code's .credentials.json, Gemini CLI's and Qwen Code's oauth_creds.json,
// and further RouteCodex-style directories. Each tool's field names are
// mapped to the token-file model of internal/tokenfile, and every write
// goes through tokenfile.WriteWith: the same lock, compare-and-swap, merge
// (every other key, its value and the key order kept) and atomic replace
// as RouteCodex's own files. It imports only tokenfile.
package sources

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The formats of tokenDaemon.sources[].format.
const (
	FormatRouteCodex  = "routecodex"
	FormatCLIProxyAPI = "cliproxyapi"
	FormatCodexCLI    = "codex-cli"
	FormatClaudeCode  = "claude-code"
	FormatGeminiCLI   = "gemini-cli"
	FormatQwenCode    = "qwen-code"
)

// Formats lists every format, in the order `sources` shows them.
var Formats = []string{FormatCodexCLI, FormatClaudeCode, FormatGeminiCLI, FormatQwenCode, FormatCLIProxyAPI, FormatRouteCodex}

// Provider names of the two providers a file of these formats may need
// beside the built-in ones of tokenfile.
const (
	ProviderCodex  = "codex"
	ProviderClaude = "claude"
)

// fileFormat is one tool's file: how it reads into the model and which
// of its fields an update changes.
type fileFormat struct {
	// flat maps the decoded document to a RouteCodex-style object that
	// tokenfile.Parse understands; nil keeps the document as it is.
	flat func(obj map[string]any) map[string]any
	// edits are the changes of u to the file; now is the time of the
	// write (last_refresh).
	edits func(u tokenfile.Update, now time.Time) []tokenfile.FieldEdit
	// loggedOut reports the tool's own "logged out" write.
	loggedOut func(obj map[string]any) bool
	provider  func(name string, obj map[string]any) string
	login     string // the tool's own login command
}

// format is a tokenfile.Format for one file of one source.
type format struct {
	ff   *fileFormat
	opts tokenfile.Options
	now  func() time.Time
}

// Parse reads data with the tool's field names. Bytes that are not a JSON
// object come back invalid with tokenfile's reasons.
func (f format) Parse(path string, data []byte) *tokenfile.File {
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&obj) != nil || obj == nil {
		return tokenfile.Parse(path, data, f.opts)
	}
	body := data
	if f.ff.flat != nil {
		flat := f.ff.flat(obj)
		if b, err := json.Marshal(flat); err == nil {
			body = b
		}
	}
	tf := tokenfile.Parse(path, body, f.opts)
	tf.Hash = sha256.Sum256(data)
	tf.Size = int64(len(data))
	if f.ff.provider != nil {
		if p := f.ff.provider(filepath.Base(path), obj); p != "" {
			tf.Provider = p
		}
	}
	if f.ff.loggedOut != nil && f.ff.loggedOut(obj) {
		tf.LoggedOut = true
		tf.Invalid = ""
	}
	tf.Login = f.ff.login
	return tf
}

// Merge writes u into data, changing only the fields the tool keeps.
func (f format) Merge(data []byte, u tokenfile.Update) ([]byte, error) {
	if f.ff.edits == nil {
		return tokenfile.Merge(data, u)
	}
	now := time.Now()
	if f.now != nil {
		now = f.now()
	}
	return tokenfile.Edit(data, f.ff.edits(u, now))
}

// edit collects field edits, leaving out empty values.
type edit []tokenfile.FieldEdit

func (e *edit) set(v any, ifPresent bool, path ...string) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return
		}
	case tokenfile.Time:
		if x.T.IsZero() {
			return
		}
	case nil:
		return
	}
	*e = append(*e, tokenfile.FieldEdit{Path: path, Value: v, IfPresent: ifPresent})
}

func extraString(u tokenfile.Update, key string) string {
	s, _ := u.Extra[key].(string)
	return s
}

var formats = map[string]*fileFormat{
	FormatCodexCLI: {
		flat: func(obj map[string]any) map[string]any {
			tokens, _ := obj["tokens"].(map[string]any)
			out := map[string]any{"type": ProviderCodex, "name": "Codex"}
			copyKeys(out, tokens, "access_token", "refresh_token", "id_token", "account_id")
			if k, ok := obj["OPENAI_API_KEY"].(string); ok && k != "" {
				out["api_key"] = k
			}
			claims := jwtClaims(str(tokens["id_token"]))
			if email := str(claims["email"]); email != "" {
				out["email"] = email
			} else if prof, ok := claims["https://api.openai.com/profile"].(map[string]any); ok {
				out["email"] = str(prof["email"])
			}
			if out["account_id"] == nil {
				if auth, ok := claims["https://api.openai.com/auth"].(map[string]any); ok {
					out["account_id"] = str(auth["chatgpt_account_id"])
				}
			}
			if exp := jwtClaims(str(tokens["access_token"]))["exp"]; exp != nil {
				out["expires_at"] = exp
			}
			return out
		},
		edits: func(u tokenfile.Update, now time.Time) []tokenfile.FieldEdit {
			var e edit
			e.set(u.AccessToken, false, "tokens", "access_token")
			e.set(u.RefreshToken, false, "tokens", "refresh_token")
			e.set(extraString(u, "id_token"), false, "tokens", "id_token")
			e.set(tokenfile.Time{T: now, Default: "rfc3339"}, false, "last_refresh")
			return e
		},
		provider: fixed(ProviderCodex),
		login:    "codex login",
	},
	FormatClaudeCode: {
		flat: func(obj map[string]any) map[string]any {
			oauth, _ := obj["claudeAiOauth"].(map[string]any)
			out := map[string]any{"type": ProviderClaude, "name": "Claude Code"}
			if sub := str(oauth["subscriptionType"]); sub != "" {
				out["name"] = "Claude Code (" + sub + ")"
			}
			out["access_token"] = oauth["accessToken"]
			out["refresh_token"] = oauth["refreshToken"]
			out["expires_at"] = oauth["expiresAt"]
			return out
		},
		edits: func(u tokenfile.Update, now time.Time) []tokenfile.FieldEdit {
			var e edit
			e.set(u.AccessToken, false, "claudeAiOauth", "accessToken")
			e.set(u.RefreshToken, false, "claudeAiOauth", "refreshToken")
			e.set(tokenfile.Time{T: u.ExpiresAt}, false, "claudeAiOauth", "expiresAt")
			return e
		},
		// After invalid_grant Claude Code blanks both tokens and sets
		// expiresAt to 0.
		loggedOut: func(obj map[string]any) bool {
			oauth, ok := obj["claudeAiOauth"].(map[string]any)
			return ok && str(oauth["accessToken"]) == "" && str(oauth["refreshToken"]) == ""
		},
		provider: fixed(ProviderClaude),
		login:    "claude /login",
	},
	FormatGeminiCLI: {
		flat: func(obj map[string]any) map[string]any {
			out := map[string]any{"type": tokenfile.ProviderGeminiCLI, "name": "Gemini CLI"}
			copyKeys(out, obj, "access_token", "refresh_token", "token_type", "expiry_date")
			if email := str(jwtClaims(str(obj["id_token"]))["email"]); email != "" {
				out["email"] = email
			}
			return out
		},
		edits: func(u tokenfile.Update, now time.Time) []tokenfile.FieldEdit {
			var e edit
			e.set(u.AccessToken, false, "access_token")
			e.set(u.RefreshToken, false, "refresh_token")
			e.set(u.TokenType, true, "token_type")
			e.set(tokenfile.Time{T: u.ExpiresAt}, false, "expiry_date")
			e.set(extraString(u, "id_token"), true, "id_token")
			return e
		},
		login: "gemini",
	},
	FormatQwenCode: {
		flat: func(obj map[string]any) map[string]any {
			out := map[string]any{"type": tokenfile.ProviderQwen, "name": "Qwen Code"}
			copyKeys(out, obj, "access_token", "refresh_token", "token_type", "expiry_date", "resource_url")
			return out
		},
		edits: func(u tokenfile.Update, now time.Time) []tokenfile.FieldEdit {
			var e edit
			e.set(u.AccessToken, false, "access_token")
			e.set(u.RefreshToken, false, "refresh_token")
			e.set(u.TokenType, true, "token_type")
			e.set(tokenfile.Time{T: u.ExpiresAt}, false, "expiry_date")
			// Qwen Code keeps the bare host the server answered.
			host := strings.TrimPrefix(strings.TrimPrefix(extraString(u, "resource_url"), "https://"), "http://")
			e.set(host, true, "resource_url")
			return e
		},
		login: "qwen",
	},
	FormatCLIProxyAPI: {
		// CLIProxyAPI's files are flat like RouteCodex's (a gemini file
		// nests its token object): tokenfile reads them as they are.
		provider: func(name string, obj map[string]any) string {
			t := strings.ToLower(str(obj["type"]))
			for _, p := range []string{ProviderCodex, ProviderClaude} {
				if t == p || (t == "" && strings.HasPrefix(name, p+"-")) {
					return p
				}
			}
			return ""
		},
		edits: func(u tokenfile.Update, now time.Time) []tokenfile.FieldEdit {
			var e edit
			e.set(u.AccessToken, true, "access_token")
			e.set(u.RefreshToken, true, "refresh_token")
			e.set(extraString(u, "id_token"), true, "id_token")
			if u.ExpiresIn > 0 {
				e.set(u.ExpiresIn, true, "expires_in")
			}
			e.set(tokenfile.Time{T: now}, true, "timestamp")
			e.set(tokenfile.Time{T: now, Default: "rfc3339"}, true, "last_refresh")
			e.set(tokenfile.Time{T: u.ExpiresAt, Default: "rfc3339"}, true, "expired")
			// gemini: the nested token object of golang.org/x/oauth2.
			e.set(u.AccessToken, true, "token", "access_token")
			e.set(u.RefreshToken, true, "token", "refresh_token")
			e.set(tokenfile.Time{T: u.ExpiresAt, Default: "rfc3339"}, true, "token", "expiry")
			return e
		},
	},
	FormatRouteCodex: {},
}

// loginOf is the own login command of a CLIProxyAPI file's tool.
func cliproxyLogin(provider string) string {
	switch provider {
	case ProviderCodex:
		return "cli-proxy-api --codex-login"
	case ProviderClaude:
		return "cli-proxy-api --claude-login"
	case tokenfile.ProviderGeminiCLI:
		return "cli-proxy-api --login"
	case tokenfile.ProviderAntigravity:
		return "cli-proxy-api --antigravity-login"
	}
	return ""
}

func fixed(p string) func(string, map[string]any) string {
	return func(string, map[string]any) string { return p }
}

func copyKeys(dst, src map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := src[k]; ok && v != nil {
			dst[k] = v
		}
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// jwtClaims decodes the claims of a JWT without checking its signature
// (only to tell who logged in and when the token expires); nil when s is
// not a JWT of three non-empty parts.
func jwtClaims(s string) map[string]any {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&claims) != nil {
		return nil
	}
	return claims
}

package provider

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// secretUse says whether a provider sends a client secret.
type secretUse int

const (
	secretOptional secretUse = iota // sent when one is configured (generic)
	secretRequired                  // iflow, gemini-cli, antigravity
	secretNone                      // qwen: public client, never sent
)

// maxBody caps what is read of any answer.
const maxBody = 1 << 20

// defaultExpiresIn is assumed when a token answer has no expires_in, so a
// fresh token is never scheduled as already expired (a refresh loop).
const defaultExpiresIn = 3600

// client is what every provider shares: settings, credentials and the
// token endpoint. The token requests are written here rather than through
// oauth2.Config.Exchange/TokenSource because the providers need what it does
// not offer: Accept: application/json, credentials in body and header at
// once (iflow), the injected clock, the raw body of a 200 that is not a
// token (iflow's busy answer), and errors that never echo a body.
type client struct {
	name    string
	def     Settings // built-in defaults (zero for a generic provider)
	user    Settings // the user's settings from config
	s       Settings // effective: def merged with user
	secret  secretUse
	authDir string
	getenv  func(string) string
	http    *http.Client
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	// rawBasic sends Basic base64(id:secret) without the form-encoding of
	// RFC 6749 §2.3.1, as the iFlow CLI does.
	rawBasic bool
	// reclassify, when set, replaces the class classify gave a token
	// answer's error with the provider's own rules (codex, claude).
	reclassify func(e *Error, body []byte)
	// ownOrder keeps an error description's sentences in the server's
	// order: OpenAI and Anthropic put the specific one first.
	ownOrder bool
}

func (c *client) Name() string { return c.name }

// tokenResponse is a token endpoint's answer: RFC 6749 §5.1/§5.2 plus the
// extras of the providers here.
type tokenResponse struct {
	AccessToken      string   `json:"access_token"`
	RefreshToken     string   `json:"refresh_token"`
	TokenType        string   `json:"token_type"`
	ExpiresIn        flexInt  `json:"expires_in"`
	IDToken          string   `json:"id_token"`
	ResourceURL      string   `json:"resource_url"`
	Scope            string   `json:"scope"`
	Error            apiError `json:"error"`
	ErrorDescription string   `json:"error_description"`
	Code             idValue  `json:"code"`    // OpenAI's top-level code (codex)
	Success          *bool    `json:"success"` // iflow
	Message          string   `json:"message"` // iflow
	Msg              string   `json:"msg"`
	// Who logged in, in claude's code exchange answer.
	Account *struct {
		UUID         string `json:"uuid"`
		EmailAddress string `json:"email_address"`
	} `json:"account"`
	Organization *struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	} `json:"organization"`
}

// apiError is an answer's error: RFC 6749's string ("invalid_grant"), or
// the object of OpenAI and Anthropic ({"message","type","code"}).
type apiError struct {
	Code    string // the string, or the object's code (else its type)
	Message string
}

func (e *apiError) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		e.Code = s
		return nil
	}
	var o struct {
		Message string  `json:"message"`
		Type    string  `json:"type"`
		Code    idValue `json:"code"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		*e = apiError{} // null, a number: no usable error
		return nil
	}
	e.Code, e.Message = firstNonEmpty(string(o.Code), o.Type), o.Message
	return nil
}

func (e apiError) empty() bool { return e.Code == "" && e.Message == "" }

// idValue is a string, or a number kept as its text; null and other values
// are empty.
type idValue string

func (v *idValue) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*v = idValue(s)
		return nil
	}
	var n json.Number
	if json.Unmarshal(b, &n) == nil {
		*v = idValue(n.String())
		return nil
	}
	*v = ""
	return nil
}

// flexInt accepts a JSON number or numeric string (some servers quote
// expires_in).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("not a number")
	}
	// Converting a float beyond int64 is undefined; such a value is out of
	// any range its users accept anyway.
	*n = flexInt(max(min(f, 1<<53), -(1 << 53)))
	return nil
}

// postToken POSTs form to the token endpoint with the client credentials
// placed per authStyle, and returns the token answer or a classified
// *Error. secrets are values to scrub from any error text.
func (c *client) postToken(ctx context.Context, form url.Values, cr credentials, secrets ...string) (*tokenResponse, error) {
	secrets = append(secrets, cr.Secret, form.Get("code"), form.Get("code_verifier"), form.Get("device_code"))
	form = cloneValues(form)
	style := c.s.AuthStyle
	if c.secret == secretNone || style == "" {
		style = AuthStyleParams
	}
	if style == AuthStyleParams || style == AuthStyleBoth {
		form.Set("client_id", cr.ID)
		if cr.Secret != "" && c.secret != secretNone {
			form.Set("client_secret", cr.Secret)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.s.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Provider: c.name, Class: Misconfigured, Description: "bad token URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if style == AuthStyleHeader || style == AuthStyleBoth {
		id, sec := cr.ID, cr.Secret
		if !c.rawBasic {
			id, sec = url.QueryEscape(id), url.QueryEscape(sec)
		}
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":"+sec)))
	}
	return c.tokenAnswer(ctx, req, secrets)
}

// postTokenJSON POSTs body as JSON to the token endpoint (codex's refresh,
// every claude request) with the extra headers hdr; the answer is read as
// postToken's. The caller puts client_id in body: these are public clients.
func (c *client) postTokenJSON(ctx context.Context, body map[string]any, hdr http.Header, secrets ...string) (*tokenResponse, error) {
	for _, k := range []string{"refresh_token", "code", "code_verifier"} {
		if v, ok := body[k].(string); ok {
			secrets = append(secrets, v)
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, &Error{Provider: c.name, Class: Misconfigured, Description: "cannot encode the token request", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.s.TokenURL, bytes.NewReader(data))
	if err != nil {
		return nil, &Error{Provider: c.name, Class: Misconfigured, Description: "bad token URL", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	return c.tokenAnswer(ctx, req, secrets)
}

// tokenAnswer sends a token request and returns the token or a *Error.
func (c *client) tokenAnswer(ctx context.Context, req *http.Request, secrets []string) (*tokenResponse, error) {
	status, hdr, body, err := c.do(req)
	if err != nil {
		return nil, c.transportError(ctx, err, secrets)
	}
	var tr tokenResponse
	jsonErr := json.Unmarshal(body, &tr)
	if status >= 200 && status < 300 && jsonErr == nil && tr.AccessToken != "" && tr.Error.empty() {
		return &tr, nil
	}
	return nil, c.classifyAnswer(status, hdr, body, secrets)
}

// classifyAnswer is the provider's own classification when it has one
// (codex, claude), else classify.
func (c *client) classifyAnswer(status int, hdr http.Header, body []byte, secrets []string) *Error {
	e := c.classify(status, hdr, body, secrets)
	if c.reclassify != nil {
		c.reclassify(e, body)
	}
	return e
}

// do sends req and reads at most maxBody of the answer.
func (c *client) do(req *http.Request) (int, http.Header, []byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, body, nil
}

// update turns a token answer into what is written to the file. oldRefresh
// is the refresh token used ("" for a new login).
func (c *client) update(tr *tokenResponse, oldRefresh string) tokenfile.Update {
	exp, note := clampExpiresIn(int64(tr.ExpiresIn))
	u := tokenfile.Update{
		AccessToken: tr.AccessToken,
		TokenType:   tr.TokenType,
		ExpiresIn:   exp,
		ExpiresAt:   c.now().Add(time.Duration(exp) * time.Second),
		Note:        note,
	}
	if tr.RefreshToken != "" && tr.RefreshToken != oldRefresh {
		u.RefreshToken = tr.RefreshToken
	}
	return u
}

// clampExpiresIn keeps a provider's expires_in within 1 s … 366 days; a
// value outside (or none) is treated as absent and defaultExpiresIn assumed,
// with a note for the log when the provider sent one. Unclamped, 1e10 s
// overflows the time arithmetic into a year-1759 expiry (expired for ever,
// refreshed every minute) and 0 or a negative value makes a refresh loop.
func clampExpiresIn(v int64) (int64, string) {
	switch {
	case v == 0:
		return defaultExpiresIn, ""
	case v < int64(tokenfile.MinLifetime/time.Second) || v > int64(tokenfile.MaxLifetime/time.Second):
		return defaultExpiresIn, fmt.Sprintf("expires_in %d s is outside 1 s … 366 days; assuming %d s", v, defaultExpiresIn)
	}
	return v, ""
}

// classify turns a non-token answer into a *Error (DESIGN.md §4).
func (c *client) classify(status int, hdr http.Header, body []byte, secrets []string) *Error {
	e := &Error{Provider: c.name, Class: Transient, StatusCode: status}
	if hdr != nil {
		e.RetryAfter = parseRetryAfter(hdr.Get("Retry-After"), c.now())
		if ms, err := strconv.ParseInt(strings.TrimSpace(hdr.Get("Retry-After-Ms")), 10, 64); err == nil && ms > 0 {
			// Anthropic's finer hint; the larger of the two wins.
			e.RetryAfter = max(e.RetryAfter, min(time.Duration(ms)*time.Millisecond, 24*time.Hour))
		}
	}
	var tr tokenResponse
	isJSON := json.Unmarshal(body, &tr) == nil
	if isJSON {
		e.Code = tr.Error.Code
		e.Description = firstNonEmpty(tr.ErrorDescription, tr.Error.Message, tr.Message, tr.Msg)
	}
	switch {
	case isJSON && tr.Success != nil && !*tr.Success && tr.Error.empty():
		// iflow's "busy" answer, with HTTP 500 or 200.
		e.Description = "server busy: " + firstNonEmpty(tr.Message, tr.Msg, "success=false")
	case e.Code == "" && e.Description == "" && status >= 200 && status < 300:
		e.Description = "answer is not a token: " + describeNonToken(body)
	case e.Code == "" && e.Description == "":
		e.Description = excerpt(body)
	}
	if !c.ownOrder {
		e.Description = specificFirst(e.Description)
	}
	e.Description = scrub(truncate(e.Description, 300), secrets)
	e.Code = scrub(truncate(e.Code, 64), secrets)

	desc := strings.ToLower(e.Description)
	switch {
	case e.Code == "invalid_client", e.Code == "unauthorized_client":
		// The provider rejects the client, not the user's token: a login
		// would meet the same answer.
		e.Class = Misconfigured
		e.Fix, e.Problem, e.ProblemArgs = c.credentialsFix()
	case e.Code == "invalid_grant":
		e.Class = Permanent
	case e.Code == "invalid_request" && (strings.Contains(desc, "refresh") || strings.Contains(desc, "client_id") || strings.Contains(desc, "client id")):
		e.Class = Permanent
	case status == http.StatusUnauthorized:
		e.Class = Permanent
	}
	return e
}

// transportError is a request that got no answer: always transient. The
// error kept never holds a URL query (iflow puts the access token there).
func (c *client) transportError(ctx context.Context, err error, secrets []string) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = &url.Error{Op: ue.Op, URL: stripQuery(ue.URL), Err: ue.Err}
	}
	desc := "request failed: " + err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded:
		desc = "request timed out"
	case errors.Is(err, context.Canceled):
		desc = "request canceled"
	}
	return &Error{Provider: c.name, Class: Transient, Description: scrub(truncate(desc, 300), secrets), Err: err}
}

// parseRetryAfter reads delay-seconds or an HTTP-date; 0 when absent.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		d = time.Duration(min(max(n, 0), 86400)) * time.Second // no overflow
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	// A server cannot make the daemon wait for ever.
	return min(max(d, 0), 24*time.Hour)
}

func stripQuery(raw string) string {
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		return raw[:i]
	}
	return raw
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// describeNonToken names the keys of a JSON object rather than showing
// values (a token may hide under an unexpected key), else an excerpt.
func describeNonToken(body []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) != nil {
		return excerpt(body)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return "JSON object with keys [" + truncate(strings.Join(keys, ", "), 150) + "]"
}

// excerpt is a short one-line view of a body for an error message.
func excerpt(body []byte) string {
	s := strings.Join(strings.Fields(string(bytes.ToValidUTF8(body, []byte("?")))), " ")
	if s == "" {
		return "empty body"
	}
	return truncate(s, 200)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// redact keeps a short prefix of a secret.
func redact(s string) string {
	if len(s) <= 8 {
		return "…"
	}
	return s[:4] + "…"
}

// scrub removes from text every secret sent, and any long token-like run a
// server may echo (a rotated token in a malformed answer).
func scrub(text string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= 4 {
			text = strings.ReplaceAll(text, s, redact(s))
		}
	}
	return scrubTokenLike(text)
}

func isTokenChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._~+/=-", r)
}

// scrubTokenLike redacts runs of at least 20 token characters that mix
// letters and digits (host names and words are left alone).
func scrubTokenLike(text string) string {
	var b strings.Builder
	runes := []rune(text)
	for i := 0; i < len(runes); {
		if !isTokenChar(runes[i]) {
			b.WriteRune(runes[i])
			i++
			continue
		}
		j := i
		letters, digits := false, false
		for j < len(runes) && isTokenChar(runes[j]) {
			letters = letters || (runes[j] >= 'a' && runes[j] <= 'z') || (runes[j] >= 'A' && runes[j] <= 'Z')
			digits = digits || (runes[j] >= '0' && runes[j] <= '9')
			j++
		}
		run := string(runes[i:j])
		if j-i >= 20 && letters && digits {
			run = redact(run)
		}
		b.WriteString(run)
		i = j
	}
	return b.String()
}

// Package fakeprov is a local stand-in for the codex (auth.openai.com) and
// claude (claude.ai, platform.claude.com, api.anthropic.com) endpoints,
// answering as PROVIDERS.md describes: rotation with single-use refresh
// tokens, the strict reuse case (a reused codex token ends the whole login,
// the winner's new token too), each error body, claude's JSON-only
// validation, the authorization pages, the code exchange with PKCE and
// codex's device login. It is for tests only (the product never imports
// it); it serves on 127.0.0.1 and reaches nothing.
package fakeprov

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Public client ids of PROVIDERS.md.
const (
	CodexClientID  = "app_EMoamEEZ73f0CkXaXp7hrann"
	ClaudeClientID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
)

// Identity is the account a login or a token chain belongs to.
type Identity struct {
	Email     string
	AccountID string // codex chatgpt_account_id; claude account uuid
	Plan      string // codex chatgpt_plan_type
	OrgID     string // claude organization uuid
	OrgName   string
}

// Canned error bodies (PROVIDERS.md, codex "Rotation" and claude "Rotation").
const (
	CodexReused      = `{"error":{"message":"Your refresh token has already been used to generate a new access token. Please try signing in again.","type":"invalid_request_error","param":null,"code":"refresh_token_reused"}}`
	CodexInvalidated = `{"error":{"message":"Your session has ended. Please log in again.","type":"invalid_request_error","param":null,"code":"refresh_token_invalidated"}}`
	CodexExpired     = `{"error":{"message":"Your refresh token has expired. Please try signing in again.","type":"invalid_request_error","param":null,"code":"refresh_token_expired"}}`
	CodexTokenExp    = `{"error":{"message":"Could not validate your token. Please try signing in again.","type":"invalid_request_error","param":null,"code":"token_expired"}}`
	CodexEmpty       = `{"error":{"message":"Invalid 'refresh_token': empty string. Expected a string with minimum length 1, but got an empty string instead.","type":"invalid_request_error","param":"refresh_token","code":"empty_string"}}`
	ClaudeNotFound   = `{"error": "invalid_grant", "error_description": "Refresh token not found or invalid"}`
	ClaudeExpired    = `{"error": "invalid_grant", "error_description": "Refresh token expired"}`
	ClaudeBadCode    = `{"error": "invalid_grant", "error_description": "Invalid 'code' in request."}`
	ClaudeBadFormat  = `{"error":{"message":"Invalid request format","type":"invalid_request_error"},"request_id":"req_011CFAKE","type":"error"}`
)

// Canned is an answer given instead of the normal one.
type Canned struct {
	Status int
	Body   string
	Header http.Header
}

// Request is what the server saw of one token request (no values).
type Request struct {
	Provider    string // "codex" or "claude"
	Path        string
	ContentType string
	UserAgent   string
	Grant       string
	Fields      []string // the body's field names, sorted
	JSON        bool
}

type chain struct {
	id      Identity
	current string // the one live refresh token; "" when the family is dead
	used    map[string]bool
}

type codeGrant struct {
	provider, redirect, challenge, state string
	id                                   Identity
}

// Server is the fake. Its fields may be set before the first request.
type Server struct {
	*httptest.Server

	// Lifetime of issued access tokens (default 10 days for codex, 8 h for
	// claude).
	CodexLifetime, ClaudeLifetime time.Duration
	// ClaudeReuseRevokes makes a reused claude token end its family too
	// (off, as PROVIDERS.md's fakeprov: uncertain).
	ClaudeReuseRevokes bool
	// ClaudeOmitRefresh makes claude refresh answers carry no new refresh
	// token (PROVIDERS.md: a refresh answer may lack it).
	ClaudeOmitRefresh bool
	// CodexRedirects are the redirect URIs the codex client accepts
	// (default localhost:1455 and :1457 /auth/callback).
	CodexRedirects []string
	// ClaudeManual is the copy/paste redirect (default: this server's
	// /claude/manual, which shows code#state).
	ClaudeManual string
	// DeviceApproveAfter approves a device login at its n-th poll (0: only
	// ApproveDevice does).
	DeviceApproveAfter int
	// Now is the clock of issued expiries (default time.Now).
	Now func() time.Time

	mu       sync.Mutex
	chains   map[string]*chain // by refresh token (any of the family)
	codes    map[string]*codeGrant
	login    map[string]Identity // who the authorize page signs in
	canned   map[string][]Canned // by provider, answered in order
	requests []Request
	issued   []string
	seq      int
	devices  map[string]*device
	access   map[string]Identity // issued access token → its account
}

type device struct {
	userCode string
	approved bool
	polls    int
	verifier string
	id       Identity
}

// New starts a server on 127.0.0.1.
func New() *Server {
	s := &Server{
		chains: map[string]*chain{}, codes: map[string]*codeGrant{}, login: map[string]Identity{},
		canned: map[string][]Canned{}, devices: map[string]*device{}, access: map[string]Identity{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /codex/token", s.codexToken)
	mux.HandleFunc("GET /codex/authorize", s.authorize("codex"))
	mux.HandleFunc("POST /codex/approve", s.approve)
	mux.HandleFunc("POST /codex/deviceauth/usercode", s.deviceUserCode)
	mux.HandleFunc("POST /codex/deviceauth/token", s.deviceToken)
	mux.HandleFunc("POST /claude/token", s.claudeToken)
	mux.HandleFunc("GET /claude/authorize", s.authorize("claude"))
	mux.HandleFunc("POST /claude/approve", s.approve)
	mux.HandleFunc("GET /claude/manual", s.manualPage)
	mux.HandleFunc("GET /claude/profile", s.profile)
	s.Server = httptest.NewServer(mux)
	return s
}

// Settings are the tokenDaemon.providers entries that point codex and
// claude at this server.
func (s *Server) Settings() map[string]map[string]any {
	return map[string]map[string]any{
		"codex": {"authUrl": s.URL + "/codex/authorize", "tokenUrl": s.URL + "/codex/token",
			"deviceCodeUrl": s.URL + "/codex/deviceauth/usercode"},
		"claude": {"authUrl": s.URL + "/claude/authorize", "tokenUrl": s.URL + "/claude/token",
			"userInfoUrl": s.URL + "/claude/profile", "manualRedirectUrl": s.manualURL()},
	}
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) manualURL() string {
	if s.ClaudeManual != "" {
		return s.ClaudeManual
	}
	return s.URL + "/claude/manual"
}

// AddChain registers a live refresh token of a new login family.
func (s *Server) AddChain(refreshToken string, id Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &chain{id: id, current: refreshToken, used: map[string]bool{}}
	s.chains[refreshToken] = c
}

// LoginAs sets who the authorization page of provider signs in.
func (s *Server) LoginAs(provider string, id Identity) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.login[provider] = id
}

// Fail makes the next token requests of provider answer these, in order.
func (s *Server) Fail(provider string, answers ...Canned) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canned[provider] = append(s.canned[provider], answers...)
}

// Requests lists the token requests seen.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Issued lists every token value handed out (for leak checks).
func (s *Server) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// Live reports whether refreshToken would be accepted now.
func (s *Server) Live(refreshToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.chains[refreshToken]
	return c != nil && c.current == refreshToken
}

// ApproveDevice approves every pending device login.
func (s *Server) ApproveDevice() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		d.approved = true
	}
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// JWT makes an unsigned-looking sample JWT of claims.
func JWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "HS256", "typ": "JWT"}) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("signature-not-checked"))
}

// CodexIDToken is the id_token of a codex identity.
func CodexIDToken(id Identity, exp time.Time) string {
	return JWT(map[string]any{
		"email": id.Email, "exp": exp.Unix(),
		"https://api.openai.com/auth": map[string]any{
			"chatgpt_account_id": id.AccountID, "chatgpt_plan_type": id.Plan, "chatgpt_user_id": "user-" + id.Email,
		},
	})
}

// codexAccess is a codex access token: a JWT with exp and the auth claims.
func codexAccess(id Identity, exp time.Time, seq int) string {
	return JWT(map[string]any{
		"exp": exp.Unix(), "jti": fmt.Sprintf("FAKE-AT-%d-%s", seq, randomString(6)),
		"https://api.openai.com/auth": map[string]any{"chatgpt_account_id": id.AccountID},
	})
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// body reads a token request as JSON (json=true) or form, with its field
// names.
func body(r *http.Request) (map[string]any, bool, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		return nil, false, err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, true, err
		}
		return m, true, nil
	}
	v, err := url.ParseQuery(string(data))
	if err != nil {
		return nil, false, err
	}
	m := map[string]any{}
	for k := range v {
		m[k] = v.Get(k)
	}
	return m, false, nil
}

func str(m map[string]any, k string) string { v, _ := m[k].(string); return v }

func (s *Server) record(prov string, r *http.Request, m map[string]any, isJSON bool) {
	var fields []string
	for k := range m {
		fields = append(fields, k)
	}
	sortStrings(fields)
	s.requests = append(s.requests, Request{Provider: prov, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
		UserAgent: r.Header.Get("User-Agent"), Grant: str(m, "grant_type"), Fields: fields, JSON: isJSON})
}

func sortStrings(a []string) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// cannedLocked pops a canned answer of provider.
func (s *Server) cannedLocked(prov string) (Canned, bool) {
	q := s.canned[prov]
	if len(q) == 0 {
		return Canned{}, false
	}
	s.canned[prov] = q[1:]
	return q[0], true
}

func writeCanned(w http.ResponseWriter, c Canned) {
	for k, vs := range c.Header {
		w.Header()[k] = vs
	}
	writeJSON(w, c.Status, c.Body)
}

// issueLocked rotates a chain: a new access and refresh token.
func (s *Server) issueLocked(prov string, c *chain, lifetime time.Duration) (access, refresh string, exp time.Time) {
	s.seq++
	exp = s.now().Add(lifetime).Truncate(time.Second)
	refresh = fmt.Sprintf("FAKE-%s-RT-%d-%s", strings.ToUpper(prov), s.seq, randomString(8))
	if prov == "codex" {
		access = codexAccess(c.id, exp, s.seq)
	} else {
		access = fmt.Sprintf("sk-ant-oat01-FAKE-%d-%s", s.seq, randomString(8))
	}
	if c.current != "" {
		c.used[c.current] = true
	}
	c.current = refresh
	s.chains[refresh] = c
	s.issued = append(s.issued, access, refresh)
	s.access[access] = c.id
	return access, refresh, exp
}

func (s *Server) codexToken(w http.ResponseWriter, r *http.Request) {
	m, isJSON, err := body(r)
	if err != nil {
		writeJSON(w, 400, `{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record("codex", r, m, isJSON)
	if c, ok := s.cannedLocked("codex"); ok {
		writeCanned(w, c)
		return
	}
	if str(m, "client_id") != CodexClientID {
		writeJSON(w, 401, `{"error":{"message":"Unknown client.","type":"invalid_request_error","param":null,"code":"invalid_client"}}`)
		return
	}
	lifetime := s.CodexLifetime
	if lifetime == 0 {
		lifetime = 10 * 24 * time.Hour
	}
	switch str(m, "grant_type") {
	case "refresh_token":
		rt := str(m, "refresh_token")
		if rt == "" {
			writeJSON(w, 400, CodexEmpty)
			return
		}
		c := s.chains[rt]
		switch {
		case c == nil:
			writeJSON(w, 401, CodexTokenExp)
			return
		case c.used[rt]:
			// The strict case: the whole family ends, the winner's too.
			c.current = ""
			writeJSON(w, 401, CodexReused)
			return
		case c.current != rt:
			writeJSON(w, 401, CodexInvalidated)
			return
		}
		access, refresh, exp := s.issueLocked("codex", c, lifetime)
		idt := CodexIDToken(c.id, exp)
		ans, _ := json.Marshal(map[string]any{"access_token": access, "refresh_token": refresh, "id_token": idt,
			"expires_in": int(exp.Sub(s.now()).Seconds()), "token_type": "Bearer"})
		writeJSON(w, 200, string(ans))
	case "authorization_code":
		s.exchangeLocked(w, "codex", m, lifetime)
	default:
		writeJSON(w, 400, `{"error":{"message":"Unsupported grant_type.","type":"invalid_request_error","param":"grant_type","code":"unsupported_grant_type"}}`)
	}
}

// claudeFields are the only fields each grant may carry.
var claudeFields = map[string]map[string]bool{
	"refresh_token":      {"grant_type": true, "refresh_token": true, "client_id": true, "scope": true},
	"authorization_code": {"grant_type": true, "code": true, "redirect_uri": true, "client_id": true, "code_verifier": true, "state": true},
}

func (s *Server) claudeToken(w http.ResponseWriter, r *http.Request) {
	m, isJSON, err := body(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.record("claude", r, m, isJSON)
	}
	if err != nil || !isJSON {
		writeJSON(w, 400, ClaudeBadFormat) // JSON only
		return
	}
	allowed := claudeFields[str(m, "grant_type")]
	for k := range m {
		if !allowed[k] {
			writeJSON(w, 400, ClaudeBadFormat) // unknown fields
			return
		}
	}
	if c, ok := s.cannedLocked("claude"); ok {
		writeCanned(w, c)
		return
	}
	if str(m, "client_id") != ClaudeClientID {
		writeJSON(w, 400, `{"error": "invalid_client", "error_description": "Invalid client"}`)
		return
	}
	lifetime := s.ClaudeLifetime
	if lifetime == 0 {
		lifetime = 8 * time.Hour
	}
	switch str(m, "grant_type") {
	case "refresh_token":
		rt := str(m, "refresh_token")
		c := s.chains[rt]
		if c == nil || c.current != rt {
			if c != nil && c.used[rt] && s.ClaudeReuseRevokes {
				c.current = ""
			}
			writeJSON(w, 400, ClaudeNotFound)
			return
		}
		access, refresh, exp := s.issueLocked("claude", c, lifetime)
		ans := map[string]any{"token_type": "Bearer", "access_token": access, "refresh_token": refresh,
			"expires_in": int(exp.Sub(s.now()).Seconds()), "scope": "user:inference user:profile"}
		if s.ClaudeOmitRefresh {
			delete(ans, "refresh_token")
			c.current = rt // the old one stays live
			delete(c.used, rt)
		}
		data, _ := json.Marshal(ans)
		writeJSON(w, 200, string(data))
	case "authorization_code":
		if str(m, "state") == "" {
			writeJSON(w, 400, `{"error": "invalid_request", "error_description": "Missing state"}`)
			return
		}
		s.exchangeLocked(w, "claude", m, lifetime)
	default:
		writeJSON(w, 400, ClaudeBadFormat)
	}
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// exchangeLocked trades a code (single use) for tokens: the redirect URI
// and PKCE verifier must match the authorization request.
func (s *Server) exchangeLocked(w http.ResponseWriter, prov string, m map[string]any, lifetime time.Duration) {
	code := str(m, "code")
	g := s.codes[code]
	delete(s.codes, code)
	bad := func() {
		if prov == "claude" {
			writeJSON(w, 400, ClaudeBadCode)
		} else {
			writeJSON(w, 400, `{"error":"invalid_grant","error_description":"Invalid authorization code."}`)
		}
	}
	if g == nil || g.provider != prov || str(m, "redirect_uri") != g.redirect || s256(str(m, "code_verifier")) != g.challenge {
		bad()
		return
	}
	if prov == "claude" && str(m, "state") != g.state {
		bad()
		return
	}
	c := &chain{id: g.id, used: map[string]bool{}}
	access, refresh, exp := s.issueLocked(prov, c, lifetime)
	ans := map[string]any{"access_token": access, "refresh_token": refresh, "expires_in": int(exp.Sub(s.now()).Seconds()), "token_type": "Bearer"}
	if prov == "codex" {
		ans["id_token"] = CodexIDToken(g.id, exp)
	} else {
		ans["scope"] = "user:inference user:profile"
		ans["account"] = map[string]any{"uuid": g.id.AccountID, "email_address": g.id.Email}
		ans["organization"] = map[string]any{"uuid": g.id.OrgID, "name": g.id.OrgName}
	}
	data, _ := json.Marshal(ans)
	writeJSON(w, 200, string(data))
}

func (s *Server) codexRedirectOK(uri string) bool {
	allowed := s.CodexRedirects
	if allowed == nil {
		allowed = []string{"http://localhost:1455/auth/callback", "http://localhost:1457/auth/callback"}
	}
	for _, a := range allowed {
		if a == uri {
			return true
		}
	}
	return false
}

func (s *Server) claudeRedirectOK(uri string) bool {
	if uri == s.manualURL() {
		return true
	}
	u, err := url.Parse(uri)
	return err == nil && u.Scheme == "http" && u.Hostname() == "localhost" && u.Port() != "" && u.Path == "/callback" && u.RawQuery == ""
}

// authorize checks the authorization request and shows a sign-in page
// with one button (id="approve"), as a provider's consent page would.
func (s *Server) authorize(prov string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		redirect := q.Get("redirect_uri")
		problem := ""
		switch {
		case q.Get("response_type") != "code":
			problem = "response_type must be code"
		case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
			problem = "PKCE S256 required"
		case q.Get("state") == "":
			problem = "state required"
		case prov == "codex" && q.Get("client_id") != CodexClientID, prov == "claude" && q.Get("client_id") != ClaudeClientID:
			problem = "unknown client_id"
		case prov == "codex" && !s.codexRedirectOK(redirect):
			problem = "redirect_uri is not registered for this client"
		case prov == "claude" && !s.claudeRedirectOK(redirect):
			problem = "redirect_uri is not registered for this client"
		case prov == "codex" && (q.Get("codex_cli_simplified_flow") != "true" || q.Get("id_token_add_organizations") != "true" || !strings.Contains(q.Get("scope"), "offline_access")):
			problem = "codex parameters missing"
		case prov == "claude" && q.Get("code") != "true":
			problem = "code=true missing"
		}
		if problem != "" {
			http.Error(w, problem, http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		id := s.login[prov]
		code := fmt.Sprintf("FAKE-%s-CODE-%s", strings.ToUpper(prov), randomString(12))
		s.codes[code] = &codeGrant{provider: prov, redirect: redirect, challenge: q.Get("code_challenge"), state: q.Get("state"), id: id}
		s.mu.Unlock()
		title := map[string]string{"codex": "Sign in to ChatGPT (fake)", "claude": "Authorize Claude Code (fake)"}[prov]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>%s</title><style>body{font-family:sans-serif;margin:3em}button{font-size:1.2em;padding:.5em 1em}</style></head>
<body><h1>%s</h1><p>Signed in as <b>%s</b> (%s)</p>
<form method="post" action="/%s/approve"><input type="hidden" name="code" value="%s"><button id="approve" type="submit">Continue</button></form></body></html>`,
			title, title, html.EscapeString(id.Email), html.EscapeString(id.AccountID+id.OrgID), prov, html.EscapeString(code))
	}
}

// approve sends the browser back to the redirect URI with the code.
func (s *Server) approve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	code := r.PostForm.Get("code")
	s.mu.Lock()
	g := s.codes[code]
	s.mu.Unlock()
	if g == nil {
		http.Error(w, "unknown code", http.StatusBadRequest)
		return
	}
	q := url.Values{"code": {code}, "state": {g.state}}
	if g.provider == "codex" {
		q.Set("scope", "openid profile email offline_access")
	}
	http.Redirect(w, r, g.redirect+"?"+q.Encode(), http.StatusFound)
}

// manualPage is claude's copy/paste page: it shows code#state.
func (s *Server) manualPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><html><body><p>Paste this code into Claude Code:</p><pre id="code">%s#%s</pre></body></html>`,
		html.EscapeString(q.Get("code")), html.EscapeString(q.Get("state")))
}

// profile is claude's OAuth profile of a live access token.
func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.access[token]
	if !ok || !strings.HasPrefix(token, "sk-ant-oat01-") {
		writeJSON(w, 401, `{"type":"error","error":{"type":"authentication_error","message":"Invalid bearer token"}}`)
		return
	}
	data, _ := json.Marshal(map[string]any{"account": map[string]any{"uuid": id.AccountID, "email": id.Email},
		"organization": map[string]any{"uuid": id.OrgID, "name": id.OrgName}})
	writeJSON(w, 200, string(data))
}

// deviceUserCode starts a codex device login (interval is a string).
func (s *Server) deviceUserCode(w http.ResponseWriter, r *http.Request) {
	m, isJSON, err := body(r)
	if err != nil || !isJSON || str(m, "client_id") != CodexClientID {
		writeJSON(w, 400, `{"error":{"message":"bad request","type":"invalid_request_error","param":null,"code":null}}`)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "FAKE-DEVICE-" + randomString(8)
	d := &device{userCode: fmt.Sprintf("FAKE-%04d", len(s.devices)+1), id: s.login["codex"], verifier: randomString(32)}
	s.devices[id] = d
	data, _ := json.Marshal(map[string]any{"device_auth_id": id, "user_code": d.userCode, "interval": "1"})
	writeJSON(w, 200, string(data))
}

// deviceToken answers 403 until approved, then the code and PKCE pair.
func (s *Server) deviceToken(w http.ResponseWriter, r *http.Request) {
	m, _, err := body(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.devices[str(m, "device_auth_id")]
	if err != nil || d == nil || d.userCode != str(m, "user_code") {
		writeJSON(w, 404, `{"error":{"message":"Unknown device code","type":"invalid_request_error","param":null,"code":null}}`)
		return
	}
	d.polls++
	if s.DeviceApproveAfter > 0 && d.polls >= s.DeviceApproveAfter {
		d.approved = true
	}
	if !d.approved {
		writeJSON(w, 403, `{"error":{"message":"Authorization pending","type":"invalid_request_error","param":null,"code":"deviceauth_authorization_pending"}}`)
		return
	}
	code := "FAKE-DEVICE-CODE-" + randomString(12)
	ch := s256(d.verifier)
	s.codes[code] = &codeGrant{provider: "codex", redirect: s.URL + "/deviceauth/callback", challenge: ch, id: d.id}
	delete(s.devices, str(m, "device_auth_id"))
	data, _ := json.Marshal(map[string]any{"authorization_code": code, "code_challenge": ch, "code_verifier": d.verifier})
	writeJSON(w, 200, string(data))
}

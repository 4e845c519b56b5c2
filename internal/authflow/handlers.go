package authflow

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// exchangeTimeout bounds the work done while the browser waits on the
// callback (code exchange, userinfo, project lookup, writes).
const exchangeTimeout = 90 * time.Second

// t is a text in the daemon's default language, for what no browser asks
// for (log lines, texts kept in a flow).
func (s *Server) t(key string, args ...any) string {
	return i18n.T(s.defaultLang(), i18n.Key(key), args...)
}

// tr is a text in the language of the page that r asks for.
func (s *Server) tr(r *http.Request, key string, args ...any) string {
	return i18n.T(s.langOf(r), i18n.Key(key), args...)
}

func (s *Server) defaultLang() i18n.Lang {
	if s.o.Language != nil {
		return s.o.Language.Default()
	}
	return s.o.Lang
}

// langOf is the language of a page: the configured one, else the
// browser's Accept-Language (Options.Language), else the default.
func (s *Server) langOf(r *http.Request) i18n.Lang {
	if s.o.Language == nil || r == nil {
		return s.o.Lang
	}
	return s.o.Language.ForRequest(r.Header.Get("Accept-Language"))
}

func (s *Server) routes() http.Handler {
	// One template set per language, so a page is rendered in the
	// language its request asks for.
	s.tmpl = map[i18n.Lang]*template.Template{}
	for _, lang := range i18n.Langs {
		s.tmpl[lang] = template.Must(template.New("").Funcs(template.FuncMap{
			"t":      func(key string, args ...any) string { return i18n.T(lang, i18n.Key(key), args...) },
			"status": func(st string) string { return i18n.StatusLabel(lang, st) },
			// A file name in a link is one path segment: %, # and ? in it
			// must not be read as escapes, a fragment or a query.
			"pathEscape": url.PathEscape,
		}).ParseFS(templateFS, "templates/*.html"))
	}

	mux := http.NewServeMux()
	s.mux = mux
	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /auth/{file}", s.handleAuthPage)
	mux.HandleFunc("POST /auth/{file}/start", s.handleAuthStart)
	mux.HandleFunc("POST /add/{provider}/start", s.handleAddStart)
	mux.HandleFunc("GET /flow/{id}", s.handleFlowPage)
	mux.HandleFunc("POST /flow/{id}/start", s.handleFlowStart)
	mux.HandleFunc("GET /flow/{id}/state", s.handleFlowState)
	mux.HandleFunc("POST /flow/{id}/save-new", s.handleSaveNew)
	mux.HandleFunc("GET /oauth2callback", s.handleCallback)
	mux.HandleFunc("GET /callback", s.handleCallbackElsewhere) // http://localhost:<port>/callback (claude)
	mux.HandleFunc("GET /device/{id}", s.handleDevice)
	mux.HandleFunc("GET /done/{id}", s.handleDone)
	mux.HandleFunc("POST /batch", s.handleBatchNew)
	mux.HandleFunc("GET /batch/{id}", s.handleBatchPage)
	mux.HandleFunc("POST /batch/{id}/start", s.handleBatchStart)
	mux.HandleFunc("POST /batch/{id}/skip", s.handleBatchSkip)
	mux.Handle("GET /assets/", http.FileServerFS(assetFS))
	public := func(p string) bool {
		return p == "/oauth2callback" || p == "/callback" || strings.HasPrefix(p, "/assets/")
	}
	return s.secure(public, mux)
}

// page is what every template gets.
type page struct {
	Title string
	Lang  string
	CSRF  string
	Data  any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The page's language depends on Accept-Language: caches must know.
	w.Header().Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	l := s.langOf(r)
	tmpl, ok := s.tmpl[l]
	if !ok {
		l, tmpl = i18n.EN, s.tmpl[i18n.EN]
	}
	lang := "en"
	if l == i18n.ZH {
		lang = "zh-CN"
	}
	if err := tmpl.ExecuteTemplate(w, name, page{Title: title, Lang: lang, CSRF: s.csrf, Data: data}); err != nil {
		s.o.Logger.Error("render page", "page", name, "err", err)
	}
}

// providerLabel names a provider on the login button.
func providerLabel(name string) string {
	switch name {
	case tokenfile.ProviderGeminiCLI, tokenfile.ProviderAntigravity:
		return "Google"
	case tokenfile.ProviderIFlow:
		return "iFlow"
	case tokenfile.ProviderQwen:
		return "Qwen"
	case tokenfile.ProviderCodex:
		return "ChatGPT"
	case tokenfile.ProviderClaude:
		return "Claude"
	}
	return name
}

type accountRow struct {
	File, Display, Status, Reason, Expires string
	CanAuth                                bool
}

type providerGroup struct {
	Provider, Title string
	Accounts        []accountRow
	CanAdd          bool
}

func (s *Server) fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	groups := map[string]*providerGroup{}
	var order []string
	add := func(prov string) *providerGroup {
		if g, ok := groups[prov]; ok {
			return g
		}
		title := prov
		if prov == "" {
			title = s.tr(r, "auth.unknownGroup")
		}
		g := &providerGroup{Provider: prov, Title: title, CanAdd: prov != "" && s.hasFlow(prov)}
		groups[prov] = g
		order = append(order, prov)
		return g
	}
	names := []string{tokenfile.ProviderAntigravity, tokenfile.ProviderClaude, tokenfile.ProviderCodex, tokenfile.ProviderGeminiCLI, tokenfile.ProviderIFlow, tokenfile.ProviderQwen}
	if pn, ok := s.o.Providers.(providerNames); ok {
		names = pn.Names()
	}
	for _, n := range names {
		add(n)
	}
	if s.o.Core != nil {
		for _, ts := range s.o.Core.Snapshot() {
			g := add(ts.Provider)
			// A handed-off file is static here until a login takes it back.
			handedOff := tokenfile.ReasonCode(ts.Reason) == tokenfile.ReasonHandedOff
			canAuth := ts.Provider != "" && (ts.Status != tokenfile.StatusStatic || handedOff) && ts.Status != tokenfile.StatusMissing && s.hasFlow(ts.Provider)
			g.Accounts = append(g.Accounts, accountRow{
				File: ts.File, Display: ts.DisplayName, Status: string(ts.Status),
				Reason: ts.Reason, Expires: s.fmtTime(ts.ExpiresAt), CanAuth: canAuth,
			})
		}
	}
	slices.SortStableFunc(order, func(a, b string) int {
		switch { // unknown provider last
		case a == "" && b != "":
			return 1
		case b == "" && a != "":
			return -1
		}
		return strings.Compare(a, b)
	})
	list := make([]*providerGroup, 0, len(order))
	for _, p := range order {
		list = append(list, groups[p])
	}
	s.render(w, r, http.StatusOK, "index.html", s.tr(r, "auth.indexTitle"), list)
}

type authView struct {
	File, Account, Status, Reason, Expires string
	Provider, Button, Action               string
	CanAuth                                bool
	Why                                    string
	NewAccount                             bool
	// Summary says in the page's language what state the token is in;
	// Reason is the core's detail.
	Summary string
}

func (s *Server) handleAuthPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	t, err := s.lookup(name)
	if err != nil {
		s.notFound(w, r, name)
		return
	}
	s.render(w, r, http.StatusOK, "auth.html", s.tr(r, string(i18n.AuthPlanTitle)), authView{
		File: name, Account: t.file.DisplayName, Status: t.state.Status, Reason: t.state.Reason,
		Summary: s.summary(r, t.state.Status, t.state.Reason),
		Expires: s.fmtTime(t.state.Expires), Provider: t.file.Provider,
		Button: s.tr(r, "auth.loginWith", providerLabel(t.file.Provider)),
		Action: "/auth/" + url.PathEscape(name) + "/start", CanAuth: t.canAuth,
		Why: t.whyIn(func(key string, args ...any) string { return s.tr(r, key, args...) }),
	})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, what string) {
	s.render(w, r, http.StatusNotFound, "message.html", s.tr(r, "auth.errorTitle"), s.tr(r, "auth.notFound", what))
}

func (s *Server) handleAuthStart(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	f, err := s.startForFile(s.baseCtx, name, false)
	if err != nil {
		s.startFailed(w, r, err, "/auth/"+url.PathEscape(name))
		return
	}
	s.redirectToFlow(w, r, f)
}

func (s *Server) handleAddStart(w http.ResponseWriter, r *http.Request) {
	f, err := s.startNew(s.baseCtx, r.PathValue("provider"), r.PostFormValue("alias"), false)
	if err != nil {
		s.startFailed(w, r, err, "/")
		return
	}
	s.redirectToFlow(w, r, f)
}

func (s *Server) startFailed(w http.ResponseWriter, r *http.Request, err error, retry string) {
	status := http.StatusBadGateway
	if errors.Is(err, ErrUnknownFile) || errors.Is(err, ErrUnknownProvider) {
		status = http.StatusNotFound
	} else if errors.Is(err, ErrNotReauthable) {
		status = http.StatusConflict
	}
	s.o.Logger.Warn("login start failed", "path", r.URL.Path, "err", err)
	reason := s.tr(r, "auth.err.start", shorten(err.Error()))
	var pt *PortTakenError
	if errors.As(err, &pt) {
		status = http.StatusConflict
		_, args := pt.ErrorCode()
		reason = s.tr(r, string(i18n.LoginPortTaken), args[0], args[1])
	}
	s.render(w, r, status, "done.html", s.tr(r, "auth.errorTitle"), doneView{
		Status: string(statusError), Reason: reason, Retry: retry,
	})
}

// redirectToFlow sends the browser on: to the provider, or to the device page.
func (s *Server) redirectToFlow(w http.ResponseWriter, r *http.Request, f *flow) {
	s.mu.Lock()
	target := f.authURL
	if f.device != nil {
		target = "/device/" + f.id
	}
	if f.status != statusPending || f.used {
		target = s.afterPageLocked(f)
	}
	s.mu.Unlock()
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// handleFlowPage is the login page of a flow started through Login for a
// new account.
func (s *Server) handleFlowPage(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		s.notFound(w, r, r.PathValue("id"))
		return
	}
	s.render(w, r, http.StatusOK, "auth.html", s.tr(r, string(i18n.AuthPlanTitle)), authView{
		Account: s.tr(r, "auth.newAccount", f.provider), Provider: f.provider, NewAccount: true,
		Button: s.tr(r, "auth.loginWith", providerLabel(f.provider)),
		Action: "/flow/" + f.id + "/start", CanAuth: true,
	})
}

func (s *Server) handleFlowStart(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		s.notFound(w, r, r.PathValue("id"))
		return
	}
	s.redirectToFlow(w, r, f)
}

type flowState struct {
	Status string `json:"status"`
	Done   string `json:"done"`
}

func (s *Server) handleFlowState(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	st := flowState{Status: string(f.status), Done: s.afterPageLocked(f)}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(st)
}

func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(s.baseCtx, exchangeTimeout)
	defer cancel()
	f := s.callback(ctx, r.URL.Query())
	if f == nil || f.id == "" {
		retry := ""
		if f != nil && f.file != "" {
			retry = "/auth/" + url.PathEscape(f.file)
		}
		s.render(w, r, http.StatusBadRequest, "done.html", s.tr(r, "auth.errorTitle"), doneView{
			Status: string(statusError), Reason: s.tr(r, "auth.err.state"), Retry: retry,
		})
		return
	}
	if s.hasSession(r) {
		s.mu.Lock()
		next := s.afterPageLocked(f)
		s.mu.Unlock()
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	// A browser without our cookie (the URL was opened elsewhere) still
	// learns the outcome; the page holds no secret.
	s.renderDone(w, r, f)
}

type deviceView struct {
	ID, UserCode, VerifyURL, Provider, File string
}

func (s *Server) handleDevice(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil || f.device == nil {
		s.notFound(w, r, r.PathValue("id"))
		return
	}
	s.mu.Lock()
	pending := f.status == statusPending
	s.mu.Unlock()
	if !pending {
		http.Redirect(w, r, "/done/"+f.id, http.StatusSeeOther)
		return
	}
	verify := firstNonEmpty(f.device.VerificationURIComplete, f.device.VerificationURI)
	if u, err := url.Parse(verify); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		verify = "" // never render a javascript: or other scheme as a link
	}
	s.render(w, r, http.StatusOK, "device.html", s.tr(r, "auth.deviceTitle"), deviceView{
		ID: f.id, UserCode: f.device.UserCode, VerifyURL: verify, Provider: f.provider, File: f.file,
	})
}

type doneView struct {
	ID, Status, File, Account, Reason, Warning, Retry string
	Created                                           bool
	OldAccount                                        string
}

func (s *Server) handleDone(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		s.notFound(w, r, r.PathValue("id"))
		return
	}
	s.renderDone(w, r, f)
}

func (s *Server) renderDone(w http.ResponseWriter, r *http.Request, f *flow) {
	s.mu.Lock()
	v := doneView{ID: f.id, Status: string(f.status), File: f.result, Account: f.account,
		Warning: f.warning, Created: f.created2, OldAccount: f.oldAcct}
	if f.status == statusMismatch {
		v.File = f.file
	}
	if f.status == statusError {
		v.Reason = s.reasonText(r, f)
	}
	if (f.status == statusError || f.status == statusSuccess) && f.shown != nil {
		defer f.shownOnce.Do(func() { close(f.shown) })
	}
	if f.batch != "" {
		v.Retry = "/batch/" + f.batch // retry or skip there
	} else if f.file != "" {
		v.Retry = "/auth/" + url.PathEscape(f.file)
	} else {
		v.Retry = "/"
	}
	s.mu.Unlock()
	title := s.tr(r, string(i18n.AuthSuccessHead))
	switch f.status {
	case statusError:
		title = s.tr(r, "auth.errorTitle")
	case statusMismatch:
		title = s.tr(r, "auth.mismatchTitle")
	case statusPending:
		title = s.tr(r, "auth.pending")
	}
	s.render(w, r, http.StatusOK, "done.html", title, v)
}

func (s *Server) reasonText(r *http.Request, f *flow) string {
	return FailureText(s.langOf(r), f.reason, f.detail)
}

// FailureText words a failed login's Reason and Detail (an Outcome's, or
// a client's copy of them) in lang, as the pages do.
func FailureText(lang i18n.Lang, reason, detail string) string {
	switch reason {
	case reasonDenied:
		return i18n.T(lang, i18n.AuthErrDenied)
	case reasonState:
		return i18n.T(lang, i18n.AuthErrState)
	case reasonExpired, reasonMismatch:
		return i18n.T(lang, i18n.AuthErrExpired)
	case reasonExchange:
		return i18n.T(lang, i18n.AuthErrExchange, detail)
	case reasonIdentity:
		return i18n.T(lang, i18n.AuthErrIdentity, detail)
	case reasonWrite:
		return i18n.T(lang, i18n.AuthErrWrite, detail)
	case reasonProvider:
		return i18n.T(lang, i18n.AuthErrProvider, detail)
	case reasonCanceled:
		return i18n.T(lang, i18n.AuthErrCanceled)
	}
	return i18n.T(lang, i18n.AuthErrStart, detail)
}

func (s *Server) handleSaveNew(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		s.notFound(w, r, r.PathValue("id"))
		return
	}
	ctx, cancel := context.WithTimeout(s.baseCtx, exchangeTimeout)
	defer cancel()
	if err := s.saveNew(ctx, f, r.PostFormValue("alias")); err != nil {
		s.render(w, r, http.StatusBadRequest, "message.html", s.tr(r, "auth.errorTitle"), err.Error())
		return
	}
	http.Redirect(w, r, "/done/"+f.id, http.StatusSeeOther)
}

// compile-time: the registry satisfies the optional interfaces.
var (
	_ Providers     = (*provider.Registry)(nil)
	_ providerNames = (*provider.Registry)(nil)
	_ filePrefixes  = (*provider.Registry)(nil)
)

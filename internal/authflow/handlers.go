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

func (s *Server) t(key string, args ...any) string {
	return i18n.T(s.o.Lang, i18n.Key(key), args...)
}

func (s *Server) routes() http.Handler {
	tmpl := template.Must(template.New("").Funcs(template.FuncMap{
		"t":      s.t,
		"status": func(st string) string { return i18n.StatusLabel(s.o.Lang, st) },
		// A file name in a link is one path segment: %, # and ? in it
		// must not be read as escapes, a fragment or a query.
		"pathEscape": url.PathEscape,
	}).ParseFS(templateFS, "templates/*.html"))
	s.tmpl = tmpl

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
	mux.HandleFunc("GET /device/{id}", s.handleDevice)
	mux.HandleFunc("GET /done/{id}", s.handleDone)
	mux.Handle("GET /assets/", http.FileServerFS(assetFS))
	public := func(p string) bool { return p == "/oauth2callback" || strings.HasPrefix(p, "/assets/") }
	return s.secure(public, mux)
}

// page is what every template gets.
type page struct {
	Title string
	Lang  string
	CSRF  string
	Data  any
}

func (s *Server) render(w http.ResponseWriter, status int, name, title string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	lang := "en"
	if s.o.Lang == i18n.ZH {
		lang = "zh-CN"
	}
	if err := s.tmpl.ExecuteTemplate(w, name, page{Title: title, Lang: lang, CSRF: s.csrf, Data: data}); err != nil {
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
			title = s.t("auth.unknownGroup")
		}
		g := &providerGroup{Provider: prov, Title: title, CanAdd: prov != "" && s.hasFlow(prov)}
		groups[prov] = g
		order = append(order, prov)
		return g
	}
	names := []string{tokenfile.ProviderAntigravity, tokenfile.ProviderGeminiCLI, tokenfile.ProviderIFlow, tokenfile.ProviderQwen}
	if pn, ok := s.o.Providers.(providerNames); ok {
		names = pn.Names()
	}
	for _, n := range names {
		add(n)
	}
	if s.o.Core != nil {
		for _, ts := range s.o.Core.Snapshot() {
			g := add(ts.Provider)
			canAuth := ts.Provider != "" && ts.Status != tokenfile.StatusStatic && ts.Status != tokenfile.StatusMissing && s.hasFlow(ts.Provider)
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
	s.render(w, http.StatusOK, "index.html", s.t("auth.indexTitle"), list)
}

type authView struct {
	File, Account, Status, Reason, Expires string
	Provider, Button, Action               string
	CanAuth                                bool
	Why                                    string
	NewAccount                             bool
}

func (s *Server) handleAuthPage(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	t, err := s.lookup(name)
	if err != nil {
		s.notFound(w, name)
		return
	}
	s.render(w, http.StatusOK, "auth.html", s.t("auth.pageTitle"), authView{
		File: name, Account: t.file.DisplayName, Status: t.state.Status, Reason: t.state.Reason,
		Expires: s.fmtTime(t.state.Expires), Provider: t.file.Provider,
		Button: s.t("auth.loginWith", providerLabel(t.file.Provider)),
		Action: "/auth/" + url.PathEscape(name) + "/start", CanAuth: t.canAuth, Why: t.why,
	})
}

func (s *Server) notFound(w http.ResponseWriter, what string) {
	s.render(w, http.StatusNotFound, "message.html", s.t("auth.errorTitle"), s.t("auth.notFound", what))
}

func (s *Server) handleAuthStart(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	f, err := s.startForFile(s.baseCtx, name)
	if err != nil {
		s.startFailed(w, r, err, "/auth/"+url.PathEscape(name))
		return
	}
	s.redirectToFlow(w, r, f)
}

func (s *Server) handleAddStart(w http.ResponseWriter, r *http.Request) {
	f, err := s.startNew(s.baseCtx, r.PathValue("provider"), r.PostFormValue("alias"))
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
	s.render(w, status, "done.html", s.t("auth.errorTitle"), doneView{
		Status: string(statusError), Reason: s.t("auth.err.start", shorten(err.Error())), Retry: retry,
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
		target = "/done/" + f.id
	}
	s.mu.Unlock()
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// handleFlowPage is the login page of a flow started through Login for a
// new account.
func (s *Server) handleFlowPage(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		s.notFound(w, r.PathValue("id"))
		return
	}
	s.render(w, http.StatusOK, "auth.html", s.t("auth.pageTitle"), authView{
		Account: s.t("auth.newAccount", f.provider), Provider: f.provider, NewAccount: true,
		Button: s.t("auth.loginWith", providerLabel(f.provider)),
		Action: "/flow/" + f.id + "/start", CanAuth: true,
	})
}

func (s *Server) handleFlowStart(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		s.notFound(w, r.PathValue("id"))
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
	st := flowState{Status: string(f.status), Done: "/done/" + f.id}
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
		s.render(w, http.StatusBadRequest, "done.html", s.t("auth.errorTitle"), doneView{
			Status: string(statusError), Reason: s.t("auth.err.state"), Retry: retry,
		})
		return
	}
	if s.hasSession(r) {
		http.Redirect(w, r, "/done/"+f.id, http.StatusSeeOther)
		return
	}
	// A browser without our cookie (the URL was opened elsewhere) still
	// learns the outcome; the page holds no secret.
	s.renderDone(w, f)
}

type deviceView struct {
	ID, UserCode, VerifyURL, Provider, File string
}

func (s *Server) handleDevice(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil || f.device == nil {
		s.notFound(w, r.PathValue("id"))
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
	s.render(w, http.StatusOK, "device.html", s.t("auth.deviceTitle"), deviceView{
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
		s.notFound(w, r.PathValue("id"))
		return
	}
	s.renderDone(w, f)
}

func (s *Server) renderDone(w http.ResponseWriter, f *flow) {
	s.mu.Lock()
	v := doneView{ID: f.id, Status: string(f.status), File: f.result, Account: f.account,
		Warning: f.warning, Created: f.created2, OldAccount: f.oldAcct}
	if f.status == statusMismatch {
		v.File = f.file
	}
	if f.status == statusError {
		v.Reason = s.reasonText(f)
	}
	if (f.status == statusError || f.status == statusSuccess) && f.shown != nil {
		defer f.shownOnce.Do(func() { close(f.shown) })
	}
	if f.file != "" {
		v.Retry = "/auth/" + url.PathEscape(f.file)
	} else {
		v.Retry = "/"
	}
	s.mu.Unlock()
	title := s.t("auth.successTitle")
	switch f.status {
	case statusError:
		title = s.t("auth.errorTitle")
	case statusMismatch:
		title = s.t("auth.mismatchTitle")
	case statusPending:
		title = s.t("auth.pending")
	}
	s.render(w, http.StatusOK, "done.html", title, v)
}

func (s *Server) reasonText(f *flow) string {
	switch f.reason {
	case reasonDenied:
		return s.t("auth.err.denied")
	case reasonState:
		return s.t("auth.err.state")
	case reasonExpired, reasonMismatch:
		return s.t("auth.err.expired")
	case reasonExchange:
		return s.t("auth.err.exchange", f.detail)
	case reasonIdentity:
		return s.t("auth.err.identity", f.detail)
	case reasonWrite:
		return s.t("auth.err.write", f.detail)
	case reasonProvider:
		return s.t("auth.err.provider", f.detail)
	case reasonCanceled:
		return s.t("auth.err.canceled")
	}
	return s.t("auth.err.start", f.detail)
}

func (s *Server) handleSaveNew(w http.ResponseWriter, r *http.Request) {
	f := s.flow(r.PathValue("id"))
	if f == nil {
		s.notFound(w, r.PathValue("id"))
		return
	}
	ctx, cancel := context.WithTimeout(s.baseCtx, exchangeTimeout)
	defer cancel()
	if err := s.saveNew(ctx, f, r.PostFormValue("alias")); err != nil {
		s.render(w, http.StatusBadRequest, "message.html", s.t("auth.errorTitle"), err.Error())
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

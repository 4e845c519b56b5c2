// Package web is the token daemon's web dashboard (`routecodex token-daemon
// ui`): every token with its status, live updates, per-token actions and a
// details page with the refresh history. It is a client of the daemon's
// local API (ipc), like the tray; the auth server mounts it behind its guard
// (secret cookie, Host check, CSRF on POSTs), so it does no access control
// of its own.
package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"iter"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// API is what the dashboard needs of the daemon; *ipc.Client implements it.
type API interface {
	Status(ctx context.Context) (ipc.Status, error)
	History(ctx context.Context, file string) (ipc.History, error)
	Refresh(ctx context.Context, names []string, all bool) ([]ipc.RefreshOutcome, error)
	SetAlias(ctx context.Context, file, alias string) error
	Events(ctx context.Context) iter.Seq2[ipc.Event, error]
}

// Options configure the dashboard.
type Options struct {
	API  API
	Lang i18n.Lang
	// CSRF is the token the pages send with their POSTs, in the
	// X-CSRF-Token header (authflow.Server.CSRFToken).
	CSRF   string
	Logger *slog.Logger
	// Heartbeat is how often an idle event stream sends a comment, so that
	// a vanished browser is noticed (default 15 s).
	Heartbeat time.Duration
	// ActionTimeout bounds one refresh or alias request (default 2 min:
	// a refresh may wait for a slow provider).
	ActionTimeout time.Duration
	// Transfer serves export and import (transfer.go); nil: not offered.
	Transfer Transfer
	// Language, when set, overrides Lang: pages follow the browser's
	// Accept-Language unless a language is configured; a config reload
	// may change it.
	Language *i18n.Setting
}

// Handler serves /ui and everything under /ui/.
type Handler struct {
	o    Options
	tmpl map[i18n.Lang]*template.Template
	mux  *http.ServeMux
}

// Paths served, for the auth server's Mount.
const (
	Root   = "/ui"
	Prefix = "/ui/"
)

// maxBody bounds an action's request body.
const maxBody = 16 << 10

// New builds the dashboard handler.
func New(o Options) *Handler {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Lang == "" {
		o.Lang = i18n.EN
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.ActionTimeout <= 0 {
		o.ActionTimeout = 2 * time.Minute
	}
	h := &Handler{o: o}
	// One template set per language: a page is rendered in the language
	// its request asks for.
	h.tmpl = map[i18n.Lang]*template.Template{}
	for _, lang := range i18n.Langs {
		h.tmpl[lang] = template.Must(template.New("").Funcs(template.FuncMap{
			"t": func(key string, args ...any) string { return i18n.T(lang, i18n.Key(key), args...) },
		}).ParseFS(templateFS, "templates/*.html"))
	}
	assets, _ := fs.Sub(assetFS, "assets")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ui", h.handleDashboard)
	mux.HandleFunc("GET /ui/{$}", h.handleDashboard)
	mux.HandleFunc("GET /ui/token/{file}", h.handleToken)
	mux.HandleFunc("GET /ui/events", h.handleEvents)
	mux.HandleFunc("GET /ui/api/status", h.handleStatus)
	mux.HandleFunc("GET /ui/api/history", h.handleHistory)
	mux.HandleFunc("POST /ui/api/refresh", h.handleRefresh)
	mux.HandleFunc("POST /ui/api/alias", h.handleAlias)
	h.mountTransfer(mux)
	mux.Handle("GET /ui/assets/", http.StripPrefix("/ui/assets/", http.FileServerFS(assets)))
	h.mux = mux
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// tr is a text in the language of the page r asks for.
func (h *Handler) tr(r *http.Request, key string, args ...any) string {
	return i18n.T(h.langOf(r), i18n.Key(key), args...)
}

// langOf is a page's language: the configured one, else the browser's
// Accept-Language (Options.Language), else Lang.
func (h *Handler) langOf(r *http.Request) i18n.Lang {
	if h.o.Language == nil || r == nil {
		return h.o.Lang
	}
	return h.o.Language.ForRequest(r.Header.Get("Accept-Language"))
}

// pageData is what the templates get; Boot is handed to the script as JSON.
type pageData struct {
	Lang  string
	Title string
	Boot  boot
}

// boot is the page's starting point: strings in the user's language, the
// CSRF token, and the data to show first (then kept live by /ui/events).
type boot struct {
	Page    string            `json:"page"` // "dashboard" | "token"
	CSRF    string            `json:"csrf"`
	Lang    string            `json:"lang"`
	Text    map[string]string `json:"text"`
	Status  map[string]string `json:"status"`
	Daemon  ipc.DaemonInfo    `json:"daemon"`
	Tokens  []ipc.TokenDetail `json:"tokens"`
	File    string            `json:"file,omitempty"`
	History []ipc.Attempt     `json:"history,omitempty"`
}

// uiText are the catalog keys the script uses.
var uiText = []i18n.Key{
	i18n.HeaderFile, i18n.HeaderDisplayName, i18n.HeaderStatus, i18n.HeaderExpires, i18n.HeaderRemaining,
	i18n.RemainDaysHours, i18n.RemainHoursMinutes, i18n.RemainMinutes, i18n.RemainUnderMinute,
	i18n.WebTitle, i18n.WebProvider, i18n.WebLastRefresh, i18n.WebNextRefresh, i18n.WebLastError, i18n.WebFailures,
	i18n.WebActions, i18n.WebRefreshNow, i18n.WebRefreshAll, i18n.WebReauth, i18n.WebSetAlias, i18n.WebAliasFor,
	i18n.WebDetails, i18n.WebHistory, i18n.WebNoHistory, i18n.WebTime, i18n.WebTrigger, i18n.WebManual,
	i18n.WebAutomatic, i18n.WebOutcome, i18n.WebAlias, i18n.WebEmail, i18n.WebPath, i18n.WebReason, i18n.WebNever,
	i18n.WebNoTokens, i18n.WebRefreshed, i18n.WebRefreshFailed, i18n.WebAliasSaved, i18n.WebActionFailed,
	i18n.WebLive, i18n.WebReconnecting, i18n.WebSessionExpired, i18n.WebAuthDir, i18n.StatusRefreshing,
	i18n.WebLastUse, i18n.WebUsage, i18n.SourcesWatchMark, i18n.SourcesLoginHint,
	i18n.HeaderHealth, i18n.WebHealthFactors, i18n.WebHealthNoFactors, i18n.WebSelectAll, i18n.WebSelected,
	i18n.WebRefreshSelected, i18n.WebReloginSelected, i18n.WebOpens, i18n.GradeHealthy, i18n.GradeAttention, i18n.GradeCritical,
	i18n.FactorStatus, i18n.FactorExpiry, i18n.FactorRefreshable, i18n.FactorSuccessRatio, i18n.FactorFailureStreak,
	i18n.FactorLastRefresh, i18n.FactorUsage,
}

func (h *Handler) boot(r *http.Request, page string) boot {
	lang := h.langOf(r)
	b := boot{Page: page, CSRF: h.o.CSRF, Lang: string(lang), Text: map[string]string{}, Status: map[string]string{}}
	for _, k := range append(uiText, transferText...) {
		b.Text[string(k)] = i18n.T(lang, k)
	}
	for _, st := range []string{"valid", "expiring", "expired", "refreshing", "refresh_failed", "needs_reauth", "invalid", "static", "missing"} {
		b.Status[st] = i18n.StatusLabel(lang, st)
	}
	return b
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, code int, name string, d pageData) {
	lang := h.langOf(r)
	tmpl, ok := h.tmpl[lang]
	if !ok {
		lang, tmpl = i18n.EN, h.tmpl[i18n.EN]
	}
	d.Lang = "en"
	if lang == i18n.ZH {
		d.Lang = "zh-CN"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Add("Vary", "Accept-Language")
	w.WriteHeader(code)
	if err := tmpl.ExecuteTemplate(w, name, d); err != nil {
		h.o.Logger.Error("web: render page", "page", name, "err", err)
	}
}

// daemonError answers a page request the daemon could not serve.
func (h *Handler) daemonError(w http.ResponseWriter, r *http.Request, err error) {
	h.o.Logger.Warn("web: daemon request failed", "err", err)
	http.Error(w, h.tr(r, string(i18n.WebDaemonError), err.Error()), http.StatusBadGateway)
}

func (h *Handler) handleDashboard(w http.ResponseWriter, r *http.Request) {
	st, err := h.o.API.Status(r.Context())
	if err != nil {
		h.daemonError(w, r, err)
		return
	}
	b := h.boot(r, "dashboard")
	b.Daemon, b.Tokens = st.Daemon, st.Tokens
	h.render(w, r, http.StatusOK, "dashboard.html", pageData{Title: h.tr(r, string(i18n.WebTitle)), Boot: b})
}

func (h *Handler) handleToken(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	st, err := h.o.API.Status(r.Context())
	if err != nil {
		h.daemonError(w, r, err)
		return
	}
	var tok *ipc.TokenDetail
	for i := range st.Tokens {
		if st.Tokens[i].File == file {
			tok = &st.Tokens[i]
		}
	}
	if tok == nil {
		http.Error(w, h.tr(r, string(i18n.WebNotFound), file), http.StatusNotFound)
		return
	}
	hist, err := h.o.API.History(r.Context(), file)
	var apiErr *ipc.APIError
	if err != nil && !(errors.As(err, &apiErr) && apiErr.Status == http.StatusNotImplemented) {
		h.daemonError(w, r, err)
		return
	}
	b := h.boot(r, "token")
	b.Daemon, b.Tokens, b.File, b.History = st.Daemon, []ipc.TokenDetail{*tok}, file, hist.Attempts
	h.render(w, r, http.StatusOK, "token.html", pageData{Title: tok.DisplayName, Boot: b})
}

func (h *Handler) handleStatus(w http.ResponseWriter, r *http.Request) {
	st, err := h.o.API.Status(r.Context())
	if err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (h *Handler) handleHistory(w http.ResponseWriter, r *http.Request) {
	hist, err := h.o.API.History(r.Context(), r.URL.Query().Get("file"))
	if err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, hist)
}

// refreshRequest is the body of POST /ui/api/refresh.
type refreshRequest struct {
	File  string   `json:"file,omitempty"`
	Files []string `json:"files,omitempty"` // a selection of the dashboard
	All   bool     `json:"all,omitempty"`
}

func (h *Handler) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var req refreshRequest
	if !decode(w, r, &req) {
		return
	}
	var names []string
	if req.File != "" {
		names = []string{req.File}
	}
	names = append(names, req.Files...)
	if (len(names) == 0) == !req.All {
		writeJSON(w, http.StatusBadRequest, ipc.ErrorBody{Error: `give either "file", "files" or "all": true`})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.ActionTimeout)
	defer cancel()
	results, err := h.o.API.Refresh(ctx, names, req.All)
	if err != nil {
		writeAPIError(w, err)
		return
	}
	if results == nil {
		results = []ipc.RefreshOutcome{}
	}
	writeJSON(w, http.StatusOK, ipc.RefreshResponse{Results: results})
}

func (h *Handler) handleAlias(w http.ResponseWriter, r *http.Request) {
	var req ipc.AliasRequest
	if !decode(w, r, &req) {
		return
	}
	if req.File == "" {
		writeJSON(w, http.StatusBadRequest, ipc.ErrorBody{Error: `give "file"`})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.ActionTimeout)
	defer cancel()
	if err := h.o.API.SetAlias(ctx, req.File, req.Alias); err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ipc.AliasRequest{File: req.File, Alias: strings.TrimSpace(req.Alias)})
}

// handleEvents relays the daemon's event stream as server-sent events:
// first a "snapshot" (every token, so a reconnecting page drops rows that
// vanished meanwhile), then one "token" or "removed" event per change. It
// ends when the browser goes away or the daemon's stream ends; the browser
// then reconnects on its own after the retry delay.
func (h *Handler) handleEvents(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(event string, v any) bool {
		data, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, data); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if _, err := fmt.Fprint(w, "retry: 2000\n\n"); err != nil {
		return
	}
	st, err := h.o.API.Status(ctx)
	if err != nil {
		send("offline", ipc.ErrorBody{Error: err.Error()})
		return
	}
	if !send("snapshot", st) {
		return
	}

	// The upstream stream is read on its own goroutine so that heartbeats
	// go out while it is idle.
	type item struct {
		ev  ipc.Event
		err error
	}
	upstream := make(chan item)
	go func() {
		defer close(upstream)
		for ev, err := range h.o.API.Events(ctx) {
			select {
			case upstream <- item{ev, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	beat := time.NewTicker(h.o.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case it, ok := <-upstream:
			if !ok {
				return
			}
			if it.err != nil {
				send("offline", ipc.ErrorBody{Error: it.err.Error()})
				return
			}
			event := "token"
			if it.ev.Type == "removed" {
				event = "removed"
			}
			if !send(event, it.ev) {
				return
			}
		}
	}
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, ipc.ErrorBody{Error: "bad request body: " + err.Error()})
		return false
	}
	return true
}

// writeAPIError passes the daemon's answer on (its code and sentence); a
// daemon that does not answer is a 502.
func writeAPIError(w http.ResponseWriter, err error) {
	code := http.StatusBadGateway
	var apiErr *ipc.APIError
	if errors.As(err, &apiErr) {
		code = apiErr.Status
	}
	writeJSON(w, code, ipc.ErrorBody{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

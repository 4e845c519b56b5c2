package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
)

// HistoryCore is implemented by a core that keeps refresh histories
// (*daemon.Daemon does); without it GET /v1/history answers 501.
type HistoryCore interface {
	History(file string) []daemon.Attempt
}

// ErrBadAlias is what an AliasSetter returns (wrapped) for an alias it
// refuses; the server answers 400 with its message.
var ErrBadAlias = errors.New("bad alias")

// AliasSetter stores a token file's alias (config.json and the core); the
// CLI wiring implements it. alias "" removes it.
type AliasSetter func(ctx context.Context, file, alias string) error

// fileOf finds the token file named exactly by name (with or without
// ".json"); aliases and emails are not accepted here, since an alias is
// what these routes are about.
func (s *Server) fileOf(name string) (daemon.TokenState, bool) {
	for _, st := range s.core.Snapshot() {
		if st.File == name || st.File == name+".json" {
			return st, true
		}
	}
	return daemon.TokenState{}, false
}

func (s *Server) handleHistory(w http.ResponseWriter, r *http.Request) {
	hc, ok := s.core.(HistoryCore)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this daemon keeps no refresh history", nil)
		return
	}
	name := r.URL.Query().Get("file")
	st, ok := s.fileOf(name)
	if name == "" || !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no token file %q", name), nil)
		return
	}
	list := hc.History(st.File)
	h := History{File: st.File, Attempts: make([]Attempt, 0, len(list))}
	for _, a := range list {
		h.Attempts = append(h.Attempts, Attempt{
			At: a.At.UTC().Format(time.RFC3339), Manual: a.Manual, Status: string(a.Status), Error: a.Error,
		})
	}
	writeJSON(w, http.StatusOK, h)
}

func (s *Server) handleAlias(w http.ResponseWriter, r *http.Request) {
	if s.opts.SetAlias == nil {
		writeError(w, http.StatusNotImplemented, "this daemon cannot set aliases", nil)
		return
	}
	var req AliasRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || strings.TrimSpace(req.File) == "" {
		writeError(w, http.StatusBadRequest, `request body is not an alias request: give "file" and "alias"`, nil)
		return
	}
	st, ok := s.fileOf(req.File)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no token file %q", req.File), nil)
		return
	}
	if err := s.opts.SetAlias(r.Context(), st.File, req.Alias); err != nil {
		code := http.StatusInternalServerError
		if errors.Is(err, ErrBadAlias) {
			code = http.StatusBadRequest
		}
		s.opts.Logger.Warn("ipc: set alias failed", "file", st.File, "err", err)
		writeError(w, code, err.Error(), nil)
		return
	}
	writeJSON(w, http.StatusOK, AliasRequest{File: st.File, Alias: strings.TrimSpace(req.Alias)})
}

// History returns the last refresh attempts of a token file (its file
// name, with or without ".json"), oldest first.
func (c *Client) History(ctx context.Context, file string) (History, error) {
	var h History
	err := c.do(ctx, http.MethodGet, "history?file="+url.QueryEscape(file), nil, &h)
	return h, err
}

// SetAlias sets the alias of a token file (its file name), kept in the
// daemon's config.json; alias "" removes it. A refused alias is an
// *APIError with Status 400, an unknown file Status 404.
func (c *Client) SetAlias(ctx context.Context, file, alias string) error {
	return c.do(ctx, http.MethodPost, "alias", AliasRequest{File: file, Alias: alias}, nil)
}

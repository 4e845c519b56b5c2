package ipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/routecodex/token-daemon/internal/daemon"
)

// Logins starts browser logins. The daemon's auth server implements it
// through an adapter in the CLI wiring, so that ipc does not depend on it.
// The login is cancelled when ctx ends.
type Logins interface {
	Login(ctx context.Context, req LoginRequest) (LoginStarted, <-chan LoginOutcome, error)
}

// handleReauth answers POST /v1/reauth with two JSON lines: where the user
// must log in, then (once they did, or failed) the outcome. The client
// staying connected keeps the login open; hanging up cancels it.
func (s *Server) handleReauth(w http.ResponseWriter, r *http.Request) {
	if s.opts.Logins == nil {
		writeError(w, http.StatusNotImplemented, "this daemon has no login server", nil)
		return
	}
	var req LoginRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || strings.TrimSpace(req.Name) == "" {
		writeError(w, http.StatusBadRequest, `request body is not a login request: give "name"`, nil)
		return
	}
	st, err := s.resolve(s.core.Snapshot(), req.Name)
	var amb *daemon.AmbiguousError
	switch {
	case err == nil:
		req.File = st.File
	case errors.As(err, &amb):
		writeError(w, http.StatusConflict,
			fmt.Sprintf("%q matches several token files: %s", req.Name, strings.Join(amb.Candidates, ", ")), amb.Candidates)
		return
	case errors.Is(err, daemon.ErrNotFound):
		req.Provider = req.Name // a new account of this provider
	default:
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("cannot resolve %q: %v", req.Name, err), nil)
		return
	}
	started, done, err := s.opts.Logins.Login(r.Context(), req)
	if err != nil {
		body := ErrorBody{Error: err.Error()}
		var coded interface{ ErrorCode() (string, []string) }
		if errors.As(err, &coded) {
			body.Code, body.Args = coded.ErrorCode()
		}
		writeJSON(w, http.StatusBadRequest, body)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	rc := http.NewResponseController(w)
	if enc.Encode(LoginEvent{Started: &started}) != nil || rc.Flush() != nil {
		return
	}
	select {
	case out := <-done:
		_ = enc.Encode(LoginEvent{Outcome: &out})
		_ = rc.Flush()
	case <-r.Context().Done():
	case <-s.stopping:
		_ = enc.Encode(LoginEvent{Outcome: &LoginOutcome{File: started.File, Error: "the token daemon stopped"}})
	}
}

// CodeSubmitter completes copy/paste logins; the daemon's Logins
// implements it.
type CodeSubmitter interface {
	SubmitCode(ctx context.Context, flowID, code string) error
}

// handleReauthCode answers POST /v1/reauth/code: 204 when the code was
// taken (the outcome comes on the login's own answer), 400 when it was not.
func (s *Server) handleReauthCode(w http.ResponseWriter, r *http.Request) {
	cs, ok := s.opts.Logins.(CodeSubmitter)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this daemon takes no pasted codes", nil)
		return
	}
	var req LoginCode
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.FlowID == "" || strings.TrimSpace(req.Code) == "" {
		writeError(w, http.StatusBadRequest, `request body is not a code: give "flowId" and "code"`, nil)
		return
	}
	if err := cs.SubmitCode(r.Context(), req.FlowID, req.Code); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// SubmitCode sends the code a copy/paste login's page showed.
func (c *Client) SubmitCode(ctx context.Context, flowID, code string) error {
	resp, err := c.send(ctx, http.MethodPost, "reauth/code", LoginCode{FlowID: flowID, Code: code})
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Login asks the daemon to start a login and waits for its outcome;
// started is called as soon as the page to open is known.
func (c *Client) Login(ctx context.Context, req LoginRequest, started func(LoginStarted)) (LoginOutcome, error) {
	resp, err := c.send(ctx, http.MethodPost, "reauth", req)
	if err != nil {
		return LoginOutcome{}, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var ev LoginEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return LoginOutcome{}, fmt.Errorf("login: bad answer from the daemon: %w", err)
		}
		switch {
		case ev.Started != nil:
			started(*ev.Started)
		case ev.Outcome != nil:
			return *ev.Outcome, nil
		}
	}
	if err := sc.Err(); err != nil {
		return LoginOutcome{}, fmt.Errorf("login: %w", err)
	}
	return LoginOutcome{}, errors.New("login: the daemon ended the answer without an outcome")
}

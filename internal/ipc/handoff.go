package ipc

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
)

// HandoffCore is implemented by a core that can stop refreshing files
// handed off to another machine (*daemon.Daemon does); without it POST
// /v1/handoff answers 501.
type HandoffCore interface {
	HandOff(ctx context.Context, set map[string][32]byte) error
}

// HandoffRequest is the body of POST /v1/handoff: the whole handed-off set
// (file name → hex sha256 of the exported bytes), replacing the daemon's.
// The answer comes once the set applies and refreshes in flight of those
// files have ended.
type HandoffRequest struct {
	Files map[string]string `json:"files"`
}

func (s *Server) handleHandoff(w http.ResponseWriter, r *http.Request) {
	hc, ok := s.core.(HandoffCore)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this daemon cannot hand off files", nil)
		return
	}
	var req HandoffRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, `request body is not a handoff request: give "files"`, nil)
		return
	}
	set := make(map[string][32]byte, len(req.Files))
	for name, sum := range req.Files {
		b, err := hex.DecodeString(sum)
		if err != nil || len(b) != 32 {
			writeError(w, http.StatusBadRequest, "handoff: the sha256 of "+name+" is not 64 hex digits", nil)
			return
		}
		var h [32]byte
		copy(h[:], b)
		set[name] = h
	}
	if err := hc.HandOff(r.Context(), set); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error(), nil)
		return
	}
	s.opts.Logger.Info("handed-off set replaced", "files", len(set))
	writeJSON(w, http.StatusOK, req)
}

// Handoff replaces the daemon's handed-off set and returns once it applies
// (refreshes of those files in flight have ended).
func (c *Client) Handoff(ctx context.Context, set map[string][32]byte) error {
	req := HandoffRequest{Files: make(map[string]string, len(set))}
	for name, h := range set {
		req.Files[name] = hex.EncodeToString(h[:])
	}
	return c.do(ctx, http.MethodPost, "handoff", req, nil)
}

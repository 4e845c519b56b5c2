package ipc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Batch re-login (DESIGN.md section 12): POST /v1/reauth-batch with the
// files to log in again; the answer is JSON lines: where the queue page is,
// then one line per file as it ends (logged in, failed or skipped). The
// client staying connected keeps the batch open; hanging up cancels it.

// BatchLogins starts batch re-logins; the CLI's adapter over the auth
// server implements it beside Logins.
type BatchLogins interface {
	BatchLogin(ctx context.Context, files []string) (BatchStarted, <-chan BatchItem, error)
}

// BatchRequest is the body of POST /v1/reauth-batch: exact file names.
type BatchRequest struct {
	Files []string `json:"files"`
}

// BatchStarted is the first line: the queue page to open.
type BatchStarted struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Total int    `json:"total"`
}

// BatchItem is how one file of the batch ended.
type BatchItem struct {
	File    string `json:"file"`
	Account string `json:"account,omitempty"`
	Skipped bool   `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"` // "" on success
}

// BatchEvent is one line of the answer.
type BatchEvent struct {
	Started *BatchStarted `json:"started,omitempty"`
	Item    *BatchItem    `json:"item,omitempty"`
}

func (s *Server) handleBatchReauth(w http.ResponseWriter, r *http.Request) {
	bl, ok := s.opts.Logins.(BatchLogins)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this daemon has no batch login", nil)
		return
	}
	var req BatchRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || len(req.Files) == 0 {
		writeError(w, http.StatusBadRequest, `request body is not a batch login request: give "files"`, nil)
		return
	}
	known := map[string]bool{}
	for _, st := range s.core.Snapshot() {
		known[st.File] = true
	}
	for _, f := range req.Files {
		if !known[f] {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no token file matches %q", f), nil)
			return
		}
	}
	started, items, err := bl.BatchLogin(r.Context(), req.Files)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	rc := http.NewResponseController(w)
	if enc.Encode(BatchEvent{Started: &started}) != nil || rc.Flush() != nil {
		return
	}
	for {
		select {
		case it, ok := <-items:
			if !ok {
				return
			}
			if enc.Encode(BatchEvent{Item: &it}) != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		}
	}
}

// BatchLogin asks the daemon for a batch re-login of files; started is
// called with the queue page, item with each file as it ends. It returns
// once every file ended, or with an error when the answer was cut short.
func (c *Client) BatchLogin(ctx context.Context, files []string, started func(BatchStarted), item func(BatchItem)) error {
	resp, err := c.send(ctx, http.MethodPost, "reauth-batch", BatchRequest{Files: files})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	total, seen := -1, 0
	for sc.Scan() {
		var ev BatchEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return fmt.Errorf("login: bad answer from the daemon: %w", err)
		}
		switch {
		case ev.Started != nil:
			total = ev.Started.Total
			started(*ev.Started)
		case ev.Item != nil:
			seen++
			item(*ev.Item)
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("login: %w", err)
	}
	if total < 0 || seen < total {
		return errors.New(strings.TrimSpace("login: the daemon ended the batch before every account was done"))
	}
	return nil
}

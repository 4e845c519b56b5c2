package authflow

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Batch re-login (DESIGN.md section 12): the logins of several files one
// after another in one browser tab. The queue page /batch/{id} shows
// "n / total" and the current account with a login and a skip button; a
// success moves on to the next file, a failure comes back to the queue to
// retry or skip.

// ErrSkipped is the error of a file the user skipped in a batch.
var ErrSkipped = errors.New("skipped")

// BatchItem is how one file of a batch ended.
type BatchItem struct {
	File    string
	Account string // who signed in, on success
	Err     error  // nil on success; ErrSkipped (wrapping the last failure, if any) when skipped
}

// BatchPending is a started batch: open URL, then read Items (one per file,
// in order; closed after the last, or when the batch is canceled).
type BatchPending struct {
	ID    string
	URL   string // the queue page, carrying ?k=<secret> once
	Total int
	Items <-chan BatchItem
}

// batch is a queue of files to log in again; guarded by Server.mu.
type batch struct {
	id      string
	files   []string
	next    int         // index of the current file; len(files) when done
	results []BatchItem // of files[:next]
	lastErr error       // the current file's last failure
	flowID  string      // the current file's flow, if started
	items   chan BatchItem
	ended   bool
	shown   chan struct{} // closed when the browser saw the summary
	once    bool
}

// BatchLogin starts a batch re-login of existing files, for the CLI and
// ipc. It ends when ctx ends (the current flow is canceled).
func (s *Server) BatchLogin(ctx context.Context, files []string) (*BatchPending, error) {
	if s.BaseURL() == "" {
		return nil, errors.New("login: the auth server is not listening")
	}
	if len(files) == 0 {
		return nil, errors.New("login: no file to log in")
	}
	b := s.newBatch(files)
	go func() {
		select {
		case <-ctx.Done():
			s.endBatch(b, true)
		case <-s.baseCtx.Done():
			s.endBatch(b, true)
		case <-b.shown:
		}
	}()
	return &BatchPending{ID: b.id, URL: s.BaseURL() + "/batch/" + b.id + "?" + secretParam + "=" + url.QueryEscape(s.o.Secret),
		Total: len(files), Items: b.items}, nil
}

func (s *Server) newBatch(files []string) *batch {
	b := &batch{id: randomToken(12), files: append([]string(nil), files...),
		items: make(chan BatchItem, len(files)), shown: make(chan struct{})}
	s.mu.Lock()
	if s.batches == nil {
		s.batches = map[string]*batch{}
	}
	s.batches[b.id] = b
	s.mu.Unlock()
	return b
}

// BatchShown is closed once the browser has been shown the summary of a
// batch (for a `login` serving its own pages). Unknown: closed.
func (s *Server) BatchShown(id string) <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.batches[id]; b != nil {
		return b.shown
	}
	c := make(chan struct{})
	close(c)
	return c
}

// recordLocked ends the current file of b with it and moves on.
func (s *Server) recordLocked(b *batch, it BatchItem) {
	if b.ended || b.next >= len(b.files) {
		return
	}
	b.results = append(b.results, it)
	b.items <- it // buffered: one slot per file
	b.next++
	b.lastErr, b.flowID = nil, ""
	if b.next == len(b.files) {
		b.ended = true
		close(b.items)
	}
}

// endBatch ends b early (the CLI went away): the current flow is canceled.
func (s *Server) endBatch(b *batch, cancel bool) {
	s.mu.Lock()
	var f *flow
	if !b.ended {
		b.ended = true
		close(b.items)
		f = s.flows[b.flowID]
	}
	s.mu.Unlock()
	if f != nil && cancel {
		s.fail(f, reasonCanceled, nil)
	}
}

// watchBatchFlow records the outcome of the current file's flow.
func (s *Server) watchBatchFlow(b *batch, f *flow, file string) {
	o := <-f.doneSignal(s)
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.ended || b.next >= len(b.files) || b.files[b.next] != file || b.flowID != f.id {
		return
	}
	if o.Err == nil {
		s.recordLocked(b, BatchItem{File: file, Account: o.Account})
		return
	}
	b.lastErr = o.Err // back on the queue page: retry or skip
	b.flowID = ""
}

type batchRow struct {
	File, Account, State, Detail string
	Current                      bool
}

type batchView struct {
	ID, File, Account, Provider, Button, LastError string
	N, Total, OK, Failed                           int
	Done                                           bool
	Rows                                           []batchRow
}

func (s *Server) handleBatchPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b := s.batches[r.PathValue("id")]
	if b == nil {
		s.mu.Unlock()
		s.notFound(w, r, r.PathValue("id"))
		return
	}
	v := batchView{ID: b.id, N: min(b.next+1, len(b.files)), Total: len(b.files), Done: b.next >= len(b.files)}
	for i, file := range b.files {
		row := batchRow{File: file, State: "waiting"}
		switch {
		case i < len(b.results):
			it := b.results[i]
			row.Account = it.Account
			switch {
			case it.Err == nil:
				row.State = "ok"
				v.OK++
			case errors.Is(it.Err, ErrSkipped):
				row.State = "skipped"
				v.Failed++
			default:
				row.State, row.Detail = "failed", shorten(it.Err.Error())
				v.Failed++
			}
		case i == b.next && !b.ended:
			row.State, row.Current = "current", true
		case b.ended:
			row.State = "canceled"
		}
		v.Rows = append(v.Rows, row)
	}
	var cur string
	if !v.Done && !b.ended {
		cur = b.files[b.next]
		if b.lastErr != nil {
			v.LastError = shorten(b.lastErr.Error())
		}
	}
	if v.Done || b.ended {
		v.Done = true
		if !b.once {
			b.once = true
			defer close(b.shown)
		}
	}
	s.mu.Unlock()
	if cur != "" {
		v.File = cur
		if t, err := s.lookup(cur); err == nil {
			v.Account, v.Provider = t.file.DisplayName, t.file.Provider
			v.Button = s.tr(r, "auth.loginWith", providerLabel(t.file.Provider))
		}
	}
	s.render(w, r, http.StatusOK, "batch.html", s.tr(r, string(i18n.BatchTitle)), v)
}

// handleBatchStart starts (or joins) the login of the current file.
func (s *Server) handleBatchStart(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	b := s.batches[id]
	if b == nil || b.ended {
		s.mu.Unlock()
		http.Redirect(w, r, "/batch/"+url.PathEscape(id), http.StatusSeeOther)
		return
	}
	file := b.files[b.next]
	s.mu.Unlock()
	f, err := s.startForFile(s.baseCtx, file, false) // the browser is here
	if err != nil {
		s.mu.Lock()
		if !b.ended && b.next < len(b.files) && b.files[b.next] == file {
			b.lastErr = err
		}
		s.mu.Unlock()
		s.startFailed(w, r, err, "/batch/"+id)
		return
	}
	s.mu.Lock()
	f.batch = id
	started := b.flowID != f.id
	if !b.ended && b.next < len(b.files) && b.files[b.next] == file {
		b.flowID = f.id
	}
	s.mu.Unlock()
	if started {
		go s.watchBatchFlow(b, f, file)
	}
	s.redirectToFlow(w, r, f)
}

// handleBatchSkip skips the current file (its form names it, so that a
// stale page cannot skip the next one).
func (s *Server) handleBatchSkip(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	file := r.PostFormValue("file")
	s.mu.Lock()
	b := s.batches[id]
	var f *flow
	if b != nil && !b.ended && b.next < len(b.files) && b.files[b.next] == file {
		err := ErrSkipped
		if b.lastErr != nil {
			err = fmt.Errorf("%w (%v)", ErrSkipped, b.lastErr)
		}
		f = s.flows[b.flowID]
		s.recordLocked(b, BatchItem{File: file, Err: err})
	}
	s.mu.Unlock()
	if f != nil {
		s.fail(f, reasonCanceled, nil) // a login left open in another tab
	}
	http.Redirect(w, r, "/batch/"+url.PathEscape(id), http.StatusSeeOther)
}

// handleBatchNew starts a batch from a form (the web UI's selection):
// one "file" value per account. It is not followed by a CLI: its items
// are only shown on the queue page.
func (s *Server) handleBatchNew(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	files := r.PostForm["file"]
	for _, f := range files {
		if !validName(f) {
			s.notFound(w, r, f)
			return
		}
	}
	if len(files) == 0 {
		http.Redirect(w, r, "/ui", http.StatusSeeOther)
		return
	}
	b := s.newBatch(files)
	http.Redirect(w, r, "/batch/"+b.id, http.StatusSeeOther)
}

// afterPage is where the browser goes once f ended: the queue for a
// successful login of a batch, else the flow's outcome page.
func (s *Server) afterPageLocked(f *flow) string {
	if f.batch != "" && f.status == statusSuccess {
		return "/batch/" + f.batch
	}
	return "/done/" + f.id
}

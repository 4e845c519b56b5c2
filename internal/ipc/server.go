package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/httplimits"
)

// Core is what the server needs of the daemon core (*daemon.Daemon
// implements it).
type Core interface {
	Snapshot() []daemon.TokenState
	Refresh(ctx context.Context, names []string, all bool) []daemon.RefreshResult
	Subscribe() (events <-chan daemon.Event, cancel func())
}

// ServerOptions tune the server. The zero value is usable.
type ServerOptions struct {
	Logger *slog.Logger
	// Now is the clock for remainingSeconds and event times; nil: time.Now.
	Now func() time.Time
	// Shutdown is called once after POST /v1/shutdown has been answered;
	// nil makes that route answer 501.
	Shutdown func()
	// Logins serves POST /v1/reauth; nil makes that route answer 501.
	Logins Logins
	// SetAlias serves POST /v1/alias; nil makes that route answer 501.
	SetAlias AliasSetter
}

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// shutdownGrace is how long Serve lets requests in flight finish once its
// context ends.
const shutdownGrace = 5 * time.Second

// Server is the daemon's local API over a Unix socket.
type Server struct {
	core    Core
	info    func() DaemonInfo
	opts    ServerOptions
	resolve func([]daemon.TokenState, string) (daemon.TokenState, error)

	// peerUID returns the uid of a connection's peer; supported=false means
	// the OS has no way to tell (the socket file's mode is the only guard).
	peerUID func(net.Conn) (uid int, supported bool, err error)
	// ownUID is the only uid the server answers.
	ownUID int

	routes       map[string]route
	stopping     chan struct{}
	stopOnce     sync.Once
	shutdownOnce sync.Once
}

type route struct {
	method  string
	handler http.HandlerFunc
}

// NewServer makes a server over core. info describes the daemon for
// GET /v1/status.
func NewServer(core Core, info func() DaemonInfo, opts ServerOptions) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		core:     core,
		info:     info,
		opts:     opts,
		resolve:  daemon.Resolve,
		peerUID:  peerUID,
		ownUID:   os.Getuid(),
		stopping: make(chan struct{}),
	}
	s.routes = map[string]route{
		"/" + APIVersion + "/status":       {http.MethodGet, s.handleStatus},
		"/" + APIVersion + "/list":         {http.MethodGet, s.handleList},
		"/" + APIVersion + "/refresh":      {http.MethodPost, s.handleRefresh},
		"/" + APIVersion + "/events":       {http.MethodGet, s.handleEvents},
		"/" + APIVersion + "/shutdown":     {http.MethodPost, s.handleShutdown},
		"/" + APIVersion + "/reauth":       {http.MethodPost, s.handleReauth},
		"/" + APIVersion + "/reauth/code":  {http.MethodPost, s.handleReauthCode},
		"/" + APIVersion + "/reauth-batch": {http.MethodPost, s.handleBatchReauth},
		"/" + APIVersion + "/history":      {http.MethodGet, s.handleHistory},
		"/" + APIVersion + "/alias":        {http.MethodPost, s.handleAlias},
		"/" + APIVersion + "/token":        {http.MethodGet, s.handleToken},
		"/" + APIVersion + "/handoff":      {http.MethodPost, s.handleHandoff},
	}
	return s
}

// Serve answers on ln until ctx ends, then stops: event streams end at
// once, other requests get a few seconds to finish, and ln is closed (which
// removes a socket file made by Listen; a listener handed in by a service
// manager keeps its file, which is the manager's).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Timeouts and a cap on open connections (DESIGN.md section 10): a
	// client that stalls mid-request is dropped, and a flood cannot take
	// every descriptor.
	srv := httplimits.NewServer(s, slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn))
	srv.ConnContext = s.connContext
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(httplimits.Limit(ln, httplimits.MaxConns())) }()

	select {
	case err := <-errc:
		s.stop()
		ln.Close()
		return fmt.Errorf("ipc serve: %w", err)
	case <-ctx.Done():
	}
	s.stop()
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		s.opts.Logger.Warn("ipc: requests still running at shutdown; closing them", "err", err)
		srv.Close()
	}
	<-errc
	return nil
}

func (s *Server) stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

type peerKey struct{}

type peerInfo struct {
	uid       int
	pid       int // 0: unknown
	supported bool
	err       error
}

func (s *Server) connContext(ctx context.Context, c net.Conn) context.Context {
	uid, supported, err := s.peerUID(c)
	pid, _, _ := peerPID(c) // 0 where the OS does not tell
	return context.WithValue(ctx, peerKey{}, peerInfo{uid: uid, pid: pid, supported: supported, err: err})
}

// ServeHTTP checks the peer, then routes. Every answer is JSON.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p, ok := r.Context().Value(peerKey{}).(peerInfo); !ok || (p.supported && (p.err != nil || p.uid != s.ownUID)) {
		s.opts.Logger.Warn("ipc: refused a connection from another user", "uid", p.uid, "err", p.err)
		writeError(w, http.StatusForbidden, "permission denied: the token daemon answers only the user that runs it", nil)
		return
	}
	rt, ok := s.routes[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no such API path %s", r.URL.Path), nil)
		return
	}
	if r.Method != rt.method {
		w.Header().Set("Allow", rt.method)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s is not allowed; use %s", r.Method, r.URL.Path, rt.method), nil)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	rt.handler(w, r)
}

// handleStatus streams the answer: at 10,000 tokens a whole answer in
// memory (5 MB, plus the wire structs it was made of) doubled the daemon's
// peak RSS. The bytes are those of AppendStatus.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	snap := s.core.Snapshot()
	info := s.info()
	var t TokenDetail
	streamAnswer(w, indented(r), func(e *jsonw, flush func()) {
		e.status(&info, len(snap), func(i int) *TokenDetail { t = DetailOf(snap[i], now); return &t }, flush)
	})
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) {
	now := s.opts.Now()
	snap := s.core.Snapshot()
	var t Token
	streamAnswer(w, indented(r), func(e *jsonw, flush func()) {
		e.list(len(snap), func(i int) *Token { t = TokenOf(snap[i], now); return &t }, flush)
	})
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var req RefreshRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, "request body is too large", nil)
			return
		}
		writeError(w, http.StatusBadRequest, "request body is not a refresh request: "+err.Error(), nil)
		return
	}
	switch {
	case req.All && len(req.Names) > 0:
		writeError(w, http.StatusBadRequest, `give either "names" or "all", not both`, nil)
		return
	case !req.All && len(req.Names) == 0:
		writeError(w, http.StatusBadRequest, `nothing to refresh: give "names" or "all"`, nil)
		return
	}

	var files []string
	if !req.All {
		snap := s.core.Snapshot()
		seen := make(map[string]bool)
		for _, name := range req.Names {
			st, err := s.resolve(snap, name)
			var amb *daemon.AmbiguousError
			switch {
			case errors.As(err, &amb):
				writeError(w, http.StatusConflict,
					fmt.Sprintf("%q matches several token files: %s", name, strings.Join(amb.Candidates, ", ")),
					amb.Candidates)
				return
			case errors.Is(err, daemon.ErrNotFound):
				writeError(w, http.StatusNotFound, fmt.Sprintf("no token file matches %q", name), nil)
				return
			case err != nil:
				writeError(w, http.StatusInternalServerError, fmt.Sprintf("cannot resolve %q: %v", name, err), nil)
				return
			}
			if !seen[st.File] {
				seen[st.File] = true
				files = append(files, st.File)
			}
		}
	}

	results := s.core.Refresh(r.Context(), files, req.All)
	resp := RefreshResponse{Results: make([]RefreshOutcome, 0, len(results))}
	for _, res := range results {
		resp.Results = append(resp.Results, OutcomeOf(res))
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleEvents streams state changes as JSON lines: first every token as a
// "token" event, so a client can start from the stream alone, then each
// change as it happens, until the client goes away or the server stops.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// Subscribe before the snapshot, so that no change falls between them
	// (a change may then be sent twice, which is harmless).
	events, cancel := s.core.Subscribe()
	defer cancel()

	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	enc := json.NewEncoder(w)
	send := func(ev daemon.Event) error {
		now := s.opts.Now()
		at := ev.At
		if at.IsZero() {
			at = now
		}
		if err := enc.Encode(Event{Type: string(ev.Type), At: at.UTC(), Token: DetailOf(ev.Token, now)}); err != nil {
			return err
		}
		return rc.Flush()
	}

	now := s.opts.Now()
	for _, t := range s.core.Snapshot() {
		if err := send(daemon.Event{Type: daemon.EventToken, At: now, Token: t}); err != nil {
			return
		}
	}
	if err := rc.Flush(); err != nil {
		return
	}
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return
			}
			if err := send(ev); err != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		}
	}
}

func (s *Server) handleShutdown(w http.ResponseWriter, _ *http.Request) {
	if s.opts.Shutdown == nil {
		writeError(w, http.StatusNotImplemented, "this server cannot be shut down through its API", nil)
		return
	}
	writeJSON(w, http.StatusAccepted, struct{}{})
	_ = http.NewResponseController(w).Flush()
	// After the answer, and not on this goroutine: Shutdown may wait for
	// the server, which waits for this handler.
	s.shutdownOnce.Do(func() { go s.opts.Shutdown() })
}

// indented reports whether a GET asked for the answer in the layout of
// `status --json` (?indent=1): the CLI then prints the body as it came.
func indented(r *http.Request) bool { return r.URL.Query().Get("indent") == "1" }

// streamAnswer sends what encode writes, in chunks (writeChunked). A write
// error (the client went away) stops nothing but the writes.
func streamAnswer(w http.ResponseWriter, indent bool, encode func(e *jsonw, flush func())) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_ = writeChunked(w, indent, encode)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string, candidates []string) {
	writeJSON(w, code, ErrorBody{Error: msg, Candidates: candidates})
}

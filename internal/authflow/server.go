// Package authflow is the daemon's loopback web server for browser
// re-authentication (DESIGN.md section 7): the account pages, the
// authorization-code and device flows, the OAuth callback, and the write of
// the new tokens into the token file.
package authflow

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/httplimits"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Core is what the server needs of the daemon core.
type Core interface {
	Snapshot() []daemon.TokenState
	// FileChanged tells the core a token file was written.
	FileChanged(name string)
}

// Providers finds a provider by name (provider.Registry implements it).
type Providers interface {
	Get(name string) (provider.Provider, bool)
}

// providerNames is implemented by provider.Registry; the pages use it to
// offer "add an account" for configured providers too.
type providerNames interface{ Names() []string }

// filePrefixes is implemented by provider.Registry (generic provider name →
// file prefix), for the names of new account files.
type filePrefixes interface{ Generic() map[string]string }

// DefaultPorts are the callback ports tried in order (config callbackPorts).
var DefaultPorts = []int{38421, 38422, 38423, 38424, 38425, 38426, 38427, 38428, 38429, 38430}

// Options configure a Server.
type Options struct {
	Core        Core
	Providers   Providers
	AuthDir     string
	FileOptions tokenfile.Options
	Lang        i18n.Lang
	Ports       []int  // nil: DefaultPorts
	Secret      string // the daemon's web secret (LoadOrCreateSecret)
	Now         func() time.Time
	Logger      *slog.Logger
	// RefreshAhead is the lead used for the status of a file the core does
	// not know yet (default 30 minutes).
	RefreshAhead time.Duration
	// Language, when set, overrides Lang: pages follow the browser's
	// Accept-Language unless a language is configured, and a config reload
	// may change it.
	Language *i18n.Setting
}

// Server serves the pages and runs the login flows.
type Server struct {
	o        Options
	handler  http.Handler
	mux      *http.ServeMux // behind the guard; Mount adds to it
	tmpl     map[i18n.Lang]*template.Template
	csrf     string
	baseCtx  context.Context
	cancelBg context.CancelFunc

	mu       sync.Mutex
	port     int
	fellBack bool
	flows    map[string]*flow  // by flow id
	byState  map[string]*flow  // open authorization-code flows by state
	batches  map[string]*batch // batch re-logins by id (batch.go)

	sessMu   sync.Mutex
	sessions map[string]time.Time // browser session value → expiry
}

// New builds a server; call Listen before serving or calling BaseURL.
func New(o Options) *Server {
	if o.Ports == nil {
		o.Ports = DefaultPorts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Lang == "" {
		o.Lang = i18n.EN
	}
	if o.RefreshAhead <= 0 {
		o.RefreshAhead = 30 * time.Minute
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		o:        o,
		csrf:     derive(o.Secret, "csrf"),
		baseCtx:  ctx,
		cancelBg: cancel,
		flows:    map[string]*flow{},
		byState:  map[string]*flow{},
	}
	s.handler = s.routes()
	return s
}

// Listen binds 127.0.0.1 on the first free port of Ports, else on an
// ephemeral port (FellBack then reports true).
func (s *Server) Listen() (net.Listener, error) {
	var firstErr error
	for i, p := range s.o.Ports {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			s.setPort(ln, false)
			if i > 0 {
				s.o.Logger.Warn("callback port taken, using the next one", "taken", s.o.Ports[0], "port", p, "url", s.BaseURL())
			}
			return ln, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1: %w", errors.Join(firstErr, err))
	}
	s.setPort(ln, len(s.o.Ports) > 0)
	if s.FellBack() {
		s.o.Logger.Warn("callback ports taken, using an ephemeral port", "taken", s.o.Ports, "port", s.Port(), "url", s.BaseURL())
	}
	return ln, nil
}

func (s *Server) setPort(ln net.Listener, fellBack bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.port = ln.Addr().(*net.TCPAddr).Port
	s.fellBack = fellBack
}

// FellBack reports whether every configured port was taken and the server
// listens on an ephemeral port instead.
func (s *Server) FellBack() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fellBack
}

// FallbackMessage is the sentence the CLI shows when the server does not
// listen on the first configured port ("" otherwise), e.g. "Port 38421 is
// taken; the sign-in pages use http://127.0.0.1:38422 instead.".
func (s *Server) FallbackMessage() string {
	if port := s.Port(); port == 0 || len(s.o.Ports) == 0 || port == s.o.Ports[0] {
		return ""
	}
	return i18n.T(s.defaultLang(), i18n.AuthPortFallback, s.o.Ports[0], s.BaseURL())
}

// Port is the port the server listens on (0 before Listen).
func (s *Server) Port() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.port
}

// BaseURL is http://127.0.0.1:PORT ("" before Listen).
func (s *Server) BaseURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.port == 0 {
		return ""
	}
	return "http://127.0.0.1:" + strconv.Itoa(s.port)
}

// Handler is the server's HTTP handler (Listen first: it checks the Host
// header against the bound port).
func (s *Server) Handler() http.Handler { return s.handler }

// sweepEvery is how often open flows are checked for expiry.
const sweepEvery = 15 * time.Second

// Serve serves on ln until ctx ends, then shuts down and cancels every open
// flow.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Timeouts and a cap on open connections (DESIGN.md section 10):
	// loopback is open to every local user, and a flood of stalled
	// requests must not take the descriptors the socket API needs.
	srv := httplimits.NewServer(s.handler, slog.NewLogLogger(s.o.Logger.Handler(), slog.LevelDebug))
	ln = httplimits.Limit(ln, httplimits.MaxConns())
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(sweepEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_ = srv.Shutdown(shutdownCtx)
				cancel()
				s.Close()
				close(done)
				return
			case <-t.C:
				s.sweep()
			}
		}
	}()
	err := srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-done
		return nil
	}
	return fmt.Errorf("serve auth pages: %w", err)
}

// Close cancels every open flow (device polls stop; waiters get an error).
func (s *Server) Close() {
	s.cancelBg()
	s.mu.Lock()
	var open []*flow
	for _, f := range s.flows {
		if f.status == statusPending || f.status == statusMismatch {
			open = append(open, f)
		}
	}
	s.mu.Unlock()
	for _, f := range open {
		s.fail(f, reasonCanceled, ErrCanceled)
	}
}

func (s *Server) now() time.Time { return s.o.Now() }

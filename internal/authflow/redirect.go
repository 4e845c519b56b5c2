package authflow

// redirect.go: where a provider sends the browser back. Most providers
// accept the server's own /oauth2callback; codex accepts only
// http://localhost:1455/auth/callback (or :1457), so its login listens
// there for its duration; claude accepts http://localhost:<any
// port>/callback and has a copy/paste variant.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/routecodex/token-daemon/internal/httplimits"
	"github.com/routecodex/token-daemon/internal/provider"
)

// PortTakenError: every fixed callback port of a provider is held by
// another program (for codex, typically a `codex login` in progress).
type PortTakenError struct {
	Provider string
	Ports    []int
}

func (e *PortTakenError) Error() string {
	ports := make([]string, len(e.Ports))
	for i, p := range e.Ports {
		ports[i] = strconv.Itoa(p)
	}
	return fmt.Sprintf("the %s login needs port %s on this machine, and another program holds it (a `%s login` in progress?); finish or stop it, then try again",
		e.Provider, strings.Join(ports, " or "), e.Provider)
}

// ErrorCode names the error for a client that words it in its own
// language (ipc passes it on): the key and its argument.
func (e *PortTakenError) ErrorCode() (string, []string) {
	ports := make([]string, len(e.Ports))
	for i, p := range e.Ports {
		ports[i] = strconv.Itoa(p)
	}
	return "login.portTaken", []string{e.Provider, strings.Join(ports, ", ")}
}

// ErrNoManual: the provider has no copy/paste login.
var ErrNoManual = errors.New("this login has no code to paste")

// redirectFor picks f's redirect URI, and for a fixed one binds its port
// (release frees it).
func (s *Server) redirectFor(p provider.Provider, f *flow) (redirect string, release func(), err error) {
	if f.manual {
		return p.(provider.ManualRedirect).ManualRedirectURI(), nil, nil
	}
	if fr, ok := p.(provider.FixedRedirects); ok {
		return s.listenFixed(f, fr.FixedRedirectURIs())
	}
	if lr, ok := p.(provider.LocalhostRedirect); ok {
		return "http://localhost:" + strconv.Itoa(s.Port()) + lr.LocalhostRedirectPath(), nil, nil
	}
	return s.BaseURL() + "/oauth2callback", nil, nil
}

// listenFixed binds 127.0.0.1 on the port of the first redirect URI that
// is free and serves its callback path there until released.
func (s *Server) listenFixed(f *flow, uris []string) (string, func(), error) {
	var taken []int
	for _, raw := range uris {
		u, err := url.Parse(raw)
		port, perr := strconv.Atoi(u.Port())
		if err != nil || perr != nil {
			return "", nil, fmt.Errorf("bad redirect URI %q of %s", raw, f.provider)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			taken = append(taken, port)
			continue
		}
		if len(taken) > 0 {
			s.o.Logger.Warn("callback port taken, using the next one the client accepts", "provider", f.provider, "taken", taken, "port", port)
		}
		srv := httplimits.NewServer(s.fixedHandler(port, u.Path), slog.NewLogLogger(s.o.Logger.Handler(), slog.LevelDebug))
		go func() { _ = srv.Serve(ln) }()
		release := sync.OnceFunc(func() {
			// Shutdown lets the callback in progress finish its answer.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if srv.Shutdown(ctx) != nil {
					_ = srv.Close()
				}
			}()
		})
		return raw, release, nil
	}
	s.o.Logger.Warn("every callback port of the login is taken", "provider", f.provider, "ports", taken)
	return "", nil, &PortTakenError{Provider: f.provider, Ports: taken}
}

// fixedHandler serves one callback path on a fixed port: the same Host
// check as the server (localhost or 127.0.0.1 with this port), nothing
// else.
func (s *Server) fixedHandler(port int, path string) http.Handler {
	p := strconv.Itoa(port)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w.Header())
		if r.Host != "localhost:"+p && r.Host != "127.0.0.1:"+p {
			http.Error(w, "misdirected request", http.StatusMisdirectedRequest)
			return
		}
		if r.URL.Path != path || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
			http.NotFound(w, r)
			return
		}
		s.handleCallbackElsewhere(w, r)
	})
}

// handleCallbackElsewhere is a callback that arrives on another origin
// than the pages (localhost:<port>, or codex's fixed port): the browser's
// session cookie belongs to 127.0.0.1:<port>, so after the exchange the
// browser goes back there to see the outcome.
func (s *Server) handleCallbackElsewhere(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(s.baseCtx, exchangeTimeout)
	defer cancel()
	f := s.callback(ctx, r.URL.Query())
	if f == nil || f.id == "" {
		s.render(w, r, http.StatusBadRequest, "done.html", s.tr(r, "auth.errorTitle"), doneView{
			Status: string(statusError), Reason: s.tr(r, "auth.err.state"),
		})
		return
	}
	if f.release != nil {
		f.release() // the callback is single use: the port is free again
	}
	http.Redirect(w, r, s.BaseURL()+"/done/"+f.id, http.StatusSeeOther)
}

// SubmitCode completes a copy/paste login with what the provider's page
// showed: "code#state" (claude), or the code alone.
func (s *Server) SubmitCode(ctx context.Context, flowID, pasted string) error {
	f := s.flow(flowID)
	if f == nil || !f.manual {
		return ErrNoManual
	}
	code, state, ok := strings.Cut(strings.TrimSpace(pasted), "#")
	if !ok {
		state = f.state
	}
	if code == "" {
		return errors.New("the pasted text holds no code")
	}
	ctx, cancel := context.WithTimeout(ctx, exchangeTimeout)
	defer cancel()
	got := s.callback(ctx, map[string][]string{"code": {code}, "state": {state}})
	if got == nil || got.id == "" {
		return ErrStateMismatch
	}
	return nil
}

package authflow

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/routecodex/token-daemon/internal/safefile"
)

// secretBytes is the entropy of a web secret.
const secretBytes = 32

// NewSecret makes a fresh web secret and keeps it at path (0600, parent
// dir 0700), replacing the one of an earlier run: links made before a
// restart stop working (DESIGN.md section 10). The file is created new and
// renamed into place, so a link planted at path is replaced, not followed.
func NewSecret(path string) (string, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create web secret dir: %w", err)
	}
	secret := RandomSecret()
	tmp := path + ".tmp-" + randomToken(6)
	f, err := safefile.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("write web secret: %w", err)
	}
	_, werr := f.WriteString(secret + "\n")
	if err := errors.Join(werr, f.Close()); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write web secret: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write web secret: %w", err)
	}
	return secret, nil
}

// RandomSecret is a web secret kept only in memory (a login served by the
// CLI itself, which no other process needs to reach).
func RandomSecret() string { return randomToken(secretBytes) }

// randomToken is n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand documentation)
	return base64.RawURLEncoding.EncodeToString(b)
}

// derive is HMAC-SHA256(secret, purpose): the cookie and the CSRF token are
// tied to the secret without revealing it.
func derive(secret, purpose string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func equal(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

const (
	sessionCookie = "routecodex_td"
	secretParam   = "k"
	csrfField     = "csrf"
)

// A browser session: a random value minted each time the secret is
// shown, valid for sessionTTL (the cookie's Max-Age and the server's own
// bound), never derived from the secret, so that a cookie that leaks (any
// local server on 127.0.0.1 sees the browser's cookies for that host, whatever
// the port) is worth at most one session. maxSessions bounds the table;
// the oldest goes first.
const (
	sessionTTL  = 12 * time.Hour
	maxSessions = 32
)

// cookieName is port-scoped: cookies are not, so two daemons of two homes
// on one machine would otherwise overwrite each other's session.
func (s *Server) cookieName() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sessionCookie + "_" + strconv.Itoa(s.port)
}

// newSession mints a session and returns its cookie value.
func (s *Server) newSession() string {
	v := randomToken(32)
	now := s.now()
	s.sessMu.Lock()
	defer s.sessMu.Unlock()
	if s.sessions == nil {
		s.sessions = map[string]time.Time{}
	}
	var oldest string
	for k, exp := range s.sessions {
		if !now.Before(exp) {
			delete(s.sessions, k)
		} else if oldest == "" || exp.Before(s.sessions[oldest]) {
			oldest = k
		}
	}
	if len(s.sessions) >= maxSessions {
		delete(s.sessions, oldest)
	}
	s.sessions[v] = now.Add(sessionTTL)
	return v
}

// hostOK: the Host header names the loopback address and our port
// (defeats DNS rebinding). localhost:<port> is the host of the redirect
// URIs that must say localhost (claude's /callback); a provider's fixed
// callback port has its own check (fixedHandler).
func (s *Server) hostOK(r *http.Request) bool {
	s.mu.Lock()
	port := s.port
	s.mu.Unlock()
	if port == 0 {
		return false
	}
	p := strconv.Itoa(port)
	return r.Host == "127.0.0.1:"+p || r.Host == "localhost:"+p
}

// setPageHeaders are the headers of every answer of the auth pages.
func setPageHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// secure wraps every route: Host check, then the secret (query once, then
// the cookie) except on public paths, then CSRF on POSTs.
func (s *Server) secure(public func(path string) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w.Header())
		if !s.hostOK(r) {
			http.Error(w, "misdirected request", http.StatusMisdirectedRequest)
			return
		}
		if public(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if k := r.URL.Query().Get(secretParam); k != "" {
			if !equal(k, s.o.Secret) || s.o.Secret == "" {
				s.forbidden(w)
				return
			}
			http.SetCookie(w, &http.Cookie{
				Name: s.cookieName(), Value: s.newSession(), Path: "/",
				MaxAge: int(sessionTTL / time.Second), HttpOnly: true, SameSite: http.SameSiteLaxMode,
			})
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				u := *r.URL
				q := u.Query()
				q.Del(secretParam)
				u.RawQuery = q.Encode()
				u.Scheme, u.Host = "", ""
				http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
				return
			}
		} else if !s.hasSession(r) {
			s.forbidden(w)
			return
		}
		if r.Method == http.MethodPost && !equal(postedCSRF(r), s.csrf) {
			s.forbidden(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CSRFHeader carries the CSRF token of script-sent POSTs (JSON bodies have
// no form field for it).
const CSRFHeader = "X-CSRF-Token"

// postedCSRF is the CSRF token a POST carries: the header, else the form field.
func postedCSRF(r *http.Request) string {
	if v := r.Header.Get(CSRFHeader); v != "" {
		return v
	}
	return r.PostFormValue(csrfField)
}

func (s *Server) hasSession(r *http.Request) bool {
	c, err := r.Cookie(s.cookieName())
	if err != nil || s.o.Secret == "" {
		return false
	}
	s.sessMu.Lock()
	exp, ok := s.sessions[c.Value]
	s.sessMu.Unlock()
	return ok && s.now().Before(exp)
}

func (s *Server) forbidden(w http.ResponseWriter) {
	http.Error(w, s.t("auth.forbidden"), http.StatusForbidden)
}

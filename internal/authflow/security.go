package authflow

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// secretBytes is the entropy of a web secret.
const secretBytes = 32

// LoadOrCreateSecret returns the web secret kept at path, creating it
// (random, mode 0600, parent dir 0700) when missing or unusable.
func LoadOrCreateSecret(path string) (string, error) {
	if data, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(data)); len(s) >= 32 {
			// A secret others could read protects nothing: tighten it.
			if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
				if err := os.Chmod(path, 0o600); err != nil {
					return "", fmt.Errorf("web secret %s: %w", path, err)
				}
			}
			return s, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read web secret %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create web secret dir: %w", err)
	}
	secret := randomToken(secretBytes)
	tmp := path + ".tmp-" + randomToken(6)
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write web secret: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return "", fmt.Errorf("write web secret: %w", err)
	}
	return secret, nil
}

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

// hostOK: the Host header names the loopback address and our port
// (defeats DNS rebinding).
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

// secure wraps every route: Host check, then the secret (query once, then
// the cookie) except on public paths, then CSRF on POSTs.
func (s *Server) secure(public func(path string) bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'")
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
				Name: sessionCookie, Value: s.session, Path: "/",
				HttpOnly: true, SameSite: http.SameSiteLaxMode,
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
	c, err := r.Cookie(sessionCookie)
	return err == nil && s.o.Secret != "" && equal(c.Value, s.session)
}

func (s *Server) forbidden(w http.ResponseWriter) {
	http.Error(w, s.t("auth.forbidden"), http.StatusForbidden)
}

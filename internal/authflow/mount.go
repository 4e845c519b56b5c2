package authflow

import "net/http"

// Mount serves h at pattern (an http.ServeMux pattern such as "/ui/")
// behind the server's guard: Host check, the secret in the URL exchanged
// for the session cookie, 403 without it, and the CSRF token on POSTs
// (form field "csrf" or header X-CSRF-Token). Call before Serve.
func (s *Server) Mount(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
}

// CSRFToken is the token a page must send with its POSTs (CSRFHeader);
// it is derived from the web secret, so it holds across restarts.
func (s *Server) CSRFToken() string { return s.csrf }

// Package httplimits holds the timeouts and the connection cap shared by
// the daemon's two HTTP servers, the loopback web server and the socket
// API (DESIGN.md section 10): a client that sends headers and part of a
// body and then goes silent is closed within BodyTimeout, a client that
// stops reading is cut off WriteTimeout after the last write, and a flood
// of connections is shed beyond a cap instead of eating the process's file
// descriptors, so that the socket API keeps answering.
package httplimits

import (
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// The limits. Long answers (event streams, a refresh of every file, a
// login waiting for the user) are not bounded as a whole: each write gets
// WriteTimeout afresh, and once a request is read, its connection may stay
// quiet as long as the handler runs.
const (
	HeaderTimeout = 10 * time.Second
	BodyTimeout   = 20 * time.Second // headers and body together
	WriteTimeout  = 30 * time.Second
	IdleTimeout   = 60 * time.Second
)

// limits are the constants above; this package's tests shorten them.
var limits = struct{ header, body, write, idle time.Duration }{HeaderTimeout, BodyTimeout, WriteTimeout, IdleTimeout}

// NewServer is an http.Server over h with the limits above.
func NewServer(h http.Handler, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           Deadlines(h),
		ReadHeaderTimeout: limits.header,
		ReadTimeout:       limits.body,
		IdleTimeout:       limits.idle,
		ErrorLog:          errorLog,
		// WriteTimeout stays 0: Deadlines sets one per write instead, so
		// that a stream may outlive it.
	}
}

// Deadlines manages a request's connection deadlines: the read deadline
// (BodyTimeout, from the server) holds until the body is read, then is
// lifted, so that a handler that runs long is not cancelled by it; every
// write and flush pushes the write deadline WriteTimeout ahead.
func Deadlines(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		lift := func() { _ = rc.SetReadDeadline(time.Time{}) }
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			lift()
		} else {
			r.Body = &liftingBody{ReadCloser: r.Body, lift: sync.OnceFunc(lift)}
		}
		h.ServeHTTP(&deadlineWriter{ResponseWriter: w, rc: rc}, r)
	})
}

// liftingBody lifts the read deadline once the body has been read whole.
// A body cut short (too large, timed out) keeps it, so that the server
// gives up on the connection instead of waiting to drain it.
type liftingBody struct {
	io.ReadCloser
	lift func()
}

func (b *liftingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF { // not on a timeout: the connection is then dropped
		b.lift()
	}
	return n, err
}

type deadlineWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
}

func (d *deadlineWriter) extend() { _ = d.rc.SetWriteDeadline(time.Now().Add(limits.write)) }

func (d *deadlineWriter) WriteHeader(code int) { d.extend(); d.ResponseWriter.WriteHeader(code) }

func (d *deadlineWriter) Write(p []byte) (int, error) { d.extend(); return d.ResponseWriter.Write(p) }

// FlushError is what http.ResponseController.Flush calls.
func (d *deadlineWriter) FlushError() error { d.extend(); return d.rc.Flush() }

// Unwrap lets http.ResponseController reach the connection's own methods.
func (d *deadlineWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// Limit caps the connections open at once on ln at max: a connection
// beyond it is closed as soon as it is accepted (shed, not queued, so a
// flood costs no more than max descriptors and ends at once).
func Limit(ln net.Listener, max int) net.Listener {
	return &limitListener{Listener: ln, slots: make(chan struct{}, max)}
}

type limitListener struct {
	net.Listener
	slots chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.slots <- struct{}{}:
			return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.slots })}, nil
		default:
			_ = c.Close()
		}
	}
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

// NetConn is the accepted connection itself (peer credentials are read
// from it).
func (c *limitConn) NetConn() net.Conn { return c.Conn }

// MaxConns is the cap for one server: an eighth of the process's file
// descriptor limit, between 8 and 128.
func MaxConns() int {
	return min(128, max(8, fdLimit()/8))
}

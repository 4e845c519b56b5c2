package httplimits

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func shortLimits(t *testing.T) {
	old := limits
	limits.header, limits.body, limits.write, limits.idle = 300*time.Millisecond, 500*time.Millisecond, 500*time.Millisecond, time.Second
	t.Cleanup(func() { limits = old })
}

func serve(t *testing.T, h http.Handler, maxConns int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(h, nil)
	go srv.Serve(Limit(ln, maxConns))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// waitClosed reads from c until the server closes it, failing after within.
func waitClosed(t *testing.T, c net.Conn, within time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept a silent connection open for %v", within)
	}
}

// A client that sends headers and part of its body, then nothing, is cut
// off by the body timeout.
func TestHalfBodyIsClosed(t *testing.T) {
	shortLimits(t)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
	}), 8)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\npart")
	waitClosed(t, c, 10*time.Second)
}

// A handler that runs past the body timeout after reading its body (a
// refresh of every file, a stream) is not cancelled by it, and a stream
// that writes now and then outlives the write timeout.
func TestLongAnswersOutliveTheTimeouts(t *testing.T) {
	shortLimits(t)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		rc := http.NewResponseController(w)
		for i := range 4 {
			select {
			case <-time.After(300 * time.Millisecond): // 1.2 s in all: past body and write timeouts
			case <-r.Context().Done():
				return
			}
			fmt.Fprintf(w, "line %d\n", i)
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}), 8)
	for _, body := range []string{"", `{"all":true}`} {
		resp, err := http.Post("http://"+addr+"/", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || strings.Count(string(data), "\n") != 4 {
			t.Fatalf("body %q: got %q, %v; want 4 lines", body, data, err)
		}
	}
}

// Connections past the cap are closed at once; those within it are served.
func TestLimitShedsExcessConnections(t *testing.T) {
	shortLimits(t)
	addr := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), 2)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		held = append(held, c)
	}
	// Let the server accept the two held connections first.
	for _, c := range held {
		fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if _, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil {
			t.Fatal(err)
		}
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	waitClosed(t, extra, 5*time.Second)
	for _, c := range held {
		c.Close()
	}
	// Slots come back once connections close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot came back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestMaxConns(t *testing.T) {
	if n := MaxConns(); n < 8 || n > 128 {
		t.Fatalf("MaxConns() = %d", n)
	}
}

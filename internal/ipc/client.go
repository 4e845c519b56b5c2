package ipc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"net"
	"net/http"
	"strings"
)

// ErrNotRunning means no daemon answers on the socket: the socket file is
// missing or nobody listens on it.
var ErrNotRunning = errors.New("token daemon is not running")

// APIError is an error answer of the daemon.
type APIError struct {
	Status     int          // HTTP status code
	Message    string       // one sentence
	Candidates []string     // file names, when a name was ambiguous (409)
	Reason     *TokenReason // a failed token request's coded reason, if any
	// Code and Args name the error for wording it in the user's language
	// ("" when the daemon gave none), e.g. a login's taken callback port.
	Code string
	Args []string
}

func (e *APIError) Error() string { return e.Message }

// maxAnswerBytes bounds a non-streamed answer.
const maxAnswerBytes = 64 << 20

// Client is the typed client of the daemon's local API. It connects per
// request, so it can be made before the daemon runs.
type Client struct {
	socketPath string
	hc         *http.Client
}

// NewClient returns a client of the daemon listening on socketPath.
func NewClient(socketPath string) *Client {
	c := &Client{socketPath: socketPath}
	c.hc = &http.Client{Transport: &http.Transport{
		// Only a server of our own uid is believed (peer credentials).
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return dialTrusted(ctx, socketPath)
		},
		DisableCompression: true,
		MaxIdleConns:       2,
	}}
	return c
}

// Ping succeeds when a daemon answers on the socket.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Status(ctx)
	return err
}

// Status returns the daemon and every token as it sees them.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.do(ctx, http.MethodGet, "status", nil, &st)
	return st, err
}

// List returns every token as the daemon sees it.
func (c *Client) List(ctx context.Context) (List, error) {
	var l List
	err := c.do(ctx, http.MethodGet, "list", nil, &l)
	return l, err
}

// StatusJSON returns the body of GET /v1/status in the layout of
// `status --json` (json.MarshalIndent with two spaces), as the daemon
// encoded it: a client that only prints it neither decodes nor re-encodes
// 5 MB at 10,000 tokens. The body is complete (read to its end without
// error) but not otherwise checked.
func (c *Client) StatusJSON(ctx context.Context) ([]byte, error) {
	return c.raw(ctx, "status?indent=1")
}

// ListJSON is GET /v1/list in the layout of `list --json`, like StatusJSON.
func (c *Client) ListJSON(ctx context.Context) ([]byte, error) {
	return c.raw(ctx, "list?indent=1")
}

func (c *Client) raw(ctx context.Context, path string) ([]byte, error) {
	resp, err := c.send(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength <= maxAnswerBytes {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswerBytes)); err != nil {
		return nil, fmt.Errorf("token daemon %s: %w", path, err)
	}
	return buf.Bytes(), nil
}

// Refresh asks the daemon to refresh the named tokens (file name with or
// without .json, alias or email), or all refreshable ones, and waits for
// the outcomes. An unknown name is an *APIError with Status 404, an
// ambiguous one Status 409 with Candidates.
func (c *Client) Refresh(ctx context.Context, names []string, all bool) ([]RefreshOutcome, error) {
	var resp RefreshResponse
	err := c.do(ctx, http.MethodPost, "refresh", RefreshRequest{Names: names, All: all}, &resp)
	return resp.Results, err
}

// Shutdown asks the daemon to stop; it returns once the daemon has accepted,
// not once it has exited.
func (c *Client) Shutdown(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "shutdown", nil, nil)
}

// Events streams the daemon's state changes: first every token as a
// "token" event, then each change. The sequence ends when ctx ends, when
// the daemon stops, or after yielding one error (connection refused:
// ErrNotRunning; a broken stream). Reconnecting is the caller's job: a new
// stream starts again with the full snapshot.
func (c *Client) Events(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		resp, err := c.send(ctx, http.MethodGet, "events", nil)
		if err != nil {
			yield(Event{}, err)
			return
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), maxBodyBytes)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var ev Event
			if err := json.Unmarshal(line, &ev); err != nil {
				yield(Event{}, fmt.Errorf("token daemon events: bad line: %w", err))
				return
			}
			if !yield(ev, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil && ctx.Err() == nil {
			yield(Event{}, fmt.Errorf("token daemon events: %w", err))
		}
	}
}

// do sends a request and decodes a 2xx answer into out (when not nil).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnswerBytes)).Decode(out); err != nil {
		return fmt.Errorf("token daemon %s: bad answer: %w", path, err)
	}
	// Read to the end (the encoder's newline), or the connection is not
	// reused: a client asking often would dial per request.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	return nil
}

// send makes the request and turns transport failures and non-2xx answers
// into errors; on success the caller closes the body.
func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("token daemon %s: %w", path, err)
		}
		rd = bytes.NewReader(b)
	}
	// The host is a placeholder: the transport always dials the socket.
	req, err := http.NewRequestWithContext(ctx, method, "http://token-daemon/"+APIVersion+"/"+path, rd)
	if err != nil {
		return nil, fmt.Errorf("token daemon %s: %w", path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		var untrusted *UntrustedError
		if errors.As(err, &untrusted) {
			return nil, untrusted
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("token daemon %s: %w", path, ctxErr)
		}
		if errors.Is(err, fs.ErrNotExist) || isConnRefused(err) {
			return nil, fmt.Errorf("%w (no answer on %s)", ErrNotRunning, c.socketPath)
		}
		return nil, fmt.Errorf("token daemon %s: %w", path, err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp, nil
}

func readAPIError(resp *http.Response) *APIError {
	e := &APIError{Status: resp.StatusCode}
	var body ErrorBody
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if json.Unmarshal(data, &body) == nil && body.Error != "" {
		e.Message = body.Error
		e.Candidates = body.Candidates
		e.Code, e.Args = body.Code, body.Args
		e.Reason = body.Reason
	} else {
		e.Message = fmt.Sprintf("token daemon answered %d %s", resp.StatusCode, strings.ToLower(http.StatusText(resp.StatusCode)))
	}
	return e
}

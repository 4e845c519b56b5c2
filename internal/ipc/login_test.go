package ipc

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// fakeLogins records requests and finishes each login when told to.
type fakeLogins struct {
	reqs   chan LoginRequest
	finish chan LoginOutcome
}

func (f *fakeLogins) Login(ctx context.Context, req LoginRequest) (LoginStarted, <-chan LoginOutcome, error) {
	if req.Provider == "nope" {
		return LoginStarted{}, nil, errors.New(`unknown provider "nope"`)
	}
	f.reqs <- req
	done := make(chan LoginOutcome, 1)
	go func() {
		select {
		case out := <-f.finish:
			done <- out
		case <-ctx.Done():
		}
	}()
	return LoginStarted{FlowID: "f1", URL: "http://127.0.0.1:38421/auth/" + req.File + "?k=s", File: req.File}, done, nil
}

func TestLoginResolvesNameAndStreamsOutcome(t *testing.T) {
	logins := &fakeLogins{reqs: make(chan LoginRequest, 4), finish: make(chan LoginOutcome, 1)}
	r := serve(t, newFakeCore(), func(s *Server) { s.opts.Logins = logins })

	var started LoginStarted
	logins.finish <- LoginOutcome{File: "iflow-oauth-1-work.json", Account: "a@x.com"}
	out, err := r.client.Login(context.Background(), LoginRequest{Name: "a@x.com"}, func(s LoginStarted) { started = s })
	if err != nil {
		t.Fatal(err)
	}
	if req := <-logins.reqs; req.File != "iflow-oauth-1-work.json" || req.Provider != "" {
		t.Errorf("login request = %+v, want the file resolved from the email", req)
	}
	if started.URL == "" || started.File != "iflow-oauth-1-work.json" {
		t.Errorf("started = %+v", started)
	}
	if out.Account != "a@x.com" || out.Error != "" {
		t.Errorf("outcome = %+v", out)
	}
}

func TestLoginOfUnknownNameIsANewAccount(t *testing.T) {
	logins := &fakeLogins{reqs: make(chan LoginRequest, 4), finish: make(chan LoginOutcome, 1)}
	r := serve(t, newFakeCore(), func(s *Server) { s.opts.Logins = logins })
	logins.finish <- LoginOutcome{File: "qwen-oauth-2-new.json", Account: "n@x.com"}
	if _, err := r.client.Login(context.Background(), LoginRequest{Name: "qwen", Alias: "new"}, func(LoginStarted) {}); err != nil {
		t.Fatal(err)
	}
	if req := <-logins.reqs; req.Provider != "qwen" || req.Alias != "new" || req.File != "" {
		t.Errorf("login request = %+v, want a new qwen account", req)
	}

	_, err := r.client.Login(context.Background(), LoginRequest{Name: "nope"}, func(LoginStarted) {})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		t.Errorf("unknown provider: %v", err)
	}
	// "work" is the alias of two files.
	_, err = r.client.Login(context.Background(), LoginRequest{Name: "work"}, func(LoginStarted) {})
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict || len(apiErr.Candidates) != 2 {
		t.Errorf("ambiguous name: %v", err)
	}
}

func TestLoginWithoutLoginServer(t *testing.T) {
	r := serve(t, newFakeCore(), nil)
	_, err := r.client.Login(context.Background(), LoginRequest{Name: "a@x.com"}, func(LoginStarted) {})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotImplemented {
		t.Errorf("got %v, want 501", err)
	}
}

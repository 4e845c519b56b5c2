package ipc

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// codedErr is a login error with a code, as authflow's PortTakenError.
type codedErr struct{}

func (codedErr) Error() string { return "port taken" }
func (codedErr) ErrorCode() (string, []string) {
	return "login.portTaken", []string{"codex", "1455, 1457"}
}

// pasteLogins is fakeLogins that takes pasted codes and fails codex.
type pasteLogins struct {
	fakeLogins
	codes []string
}

func (p *pasteLogins) Login(ctx context.Context, req LoginRequest) (LoginStarted, <-chan LoginOutcome, error) {
	if req.Provider == "codex" {
		return LoginStarted{}, nil, codedErr{}
	}
	return p.fakeLogins.Login(ctx, req)
}

func (p *pasteLogins) SubmitCode(_ context.Context, flowID, code string) error {
	if code != "good#state" {
		return errors.New("unknown or already used login state")
	}
	p.codes = append(p.codes, flowID+":"+code)
	return nil
}

func TestLoginNoBrowserCodeAndErrorCode(t *testing.T) {
	logins := &pasteLogins{fakeLogins: fakeLogins{reqs: make(chan LoginRequest, 4), finish: make(chan LoginOutcome, 1)}}
	r := serve(t, newFakeCore(), func(s *Server) { s.opts.Logins = logins })

	logins.finish <- LoginOutcome{File: "iflow-oauth-1-work.json", Account: "a@x.com"}
	if _, err := r.client.Login(context.Background(), LoginRequest{Name: "a@x.com", NoBrowser: true}, func(LoginStarted) {}); err != nil {
		t.Fatal(err)
	}
	if req := <-logins.reqs; !req.NoBrowser {
		t.Errorf("NoBrowser lost on the way: %+v", req)
	}
	if err := r.client.SubmitCode(context.Background(), "f1", "good#state"); err != nil || len(logins.codes) != 1 {
		t.Errorf("submit: %v %v", err, logins.codes)
	}
	var apiErr *APIError
	if err := r.client.SubmitCode(context.Background(), "f1", "bad"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusBadRequest {
		t.Errorf("bad code: %v", err)
	}
	_, err := r.client.Login(context.Background(), LoginRequest{Name: "codex"}, func(LoginStarted) {})
	if !errors.As(err, &apiErr) || apiErr.Code != "login.portTaken" || len(apiErr.Args) != 2 || apiErr.Args[1] != "1455, 1457" {
		t.Errorf("coded error: %+v", err)
	}
}

func TestLoginCodeWithoutSubmitter(t *testing.T) {
	logins := &fakeLogins{reqs: make(chan LoginRequest, 4), finish: make(chan LoginOutcome, 1)}
	r := serve(t, newFakeCore(), func(s *Server) { s.opts.Logins = logins })
	var apiErr *APIError
	if err := r.client.SubmitCode(context.Background(), "f1", "x#y"); !errors.As(err, &apiErr) || apiErr.Status != http.StatusNotImplemented {
		t.Errorf("no submitter: %v", err)
	}
}

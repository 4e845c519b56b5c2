package authflow

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Errors an Outcome carries, for callers that branch on them.
var (
	ErrDenied          = errors.New("access denied at the provider")
	ErrStateMismatch   = errors.New("unknown or already used login state")
	ErrExpired         = errors.New("login flow expired")
	ErrCanceled        = errors.New("login canceled")
	ErrAccountMismatch = errors.New("signed in with a different account than the file's")
	ErrNotReauthable   = errors.New("file cannot be re-authenticated")
	ErrUnknownFile     = errors.New("no such token file")
	ErrUnknownProvider = errors.New("unknown provider or no browser login")
)

// flowTTL is how long an authorization-code flow waits for its callback.
const flowTTL = 10 * time.Minute

// finishedTTL is how long a finished flow's page stays available.
const finishedTTL = time.Hour

type flowStatus string

const (
	statusPending  flowStatus = "pending"
	statusSuccess  flowStatus = "success"
	statusError    flowStatus = "error"
	statusMismatch flowStatus = "mismatch" // waits for "save as new" or expiry
)

// Reasons of a failed flow, each with its sentence on the error page.
const (
	reasonDenied   = "denied"
	reasonState    = "state"
	reasonExpired  = "expired"
	reasonExchange = "exchange"
	reasonIdentity = "identity"
	reasonWrite    = "write"
	reasonProvider = "provider"
	reasonCanceled = "canceled"
	reasonStart    = "start"
	reasonMismatch = "mismatch" // a mismatched login expired unsaved
)

// flow is one login in progress or finished. state, verifier, device code
// and the held update are secrets: never rendered or logged.
type flow struct {
	id       string
	state    string
	file     string // target file name; "" for a new account
	batch    string // id of the batch re-login it belongs to, if any; guarded by Server.mu
	provider string
	alias    string // for a new account file
	verifier string
	hint     string
	created  time.Time
	expires  time.Time
	authURL  string
	// redirect is the redirect URI of the authorization URL, sent again
	// in the code exchange.
	redirect string
	// manual: the copy/paste variant (the provider shows code#state, the
	// user pastes it into the CLI); noBrowser asked for a login without a
	// local browser.
	manual, noBrowser bool
	// release frees what the flow holds beside the server: the listener
	// on a provider's fixed callback port (nil when none). Safe to call
	// more than once.
	release func()
	device  *provider.DeviceAuth
	cancel  context.CancelFunc

	used     bool // callback seen
	status   flowStatus
	reason   string
	detail   string // short, token-free cause
	account  string // who signed in
	oldAcct  string // the file's account, for a mismatch
	result   string // file written
	created2 bool   // result is a new file
	warning  string
	held     tokenfile.Update // tokens of a mismatched login, until save-new
	heldAcc  provider.Account
	ended    time.Time
	waiters  []chan Outcome
	// shown is closed once the user's browser has been shown the final
	// page of a finished login (success or error).
	shown     chan struct{}
	shownOnce sync.Once
}

// Outcome is how a login ended.
type Outcome struct {
	File    string // the file written ("" on error)
	Account string
	Err     error
	// Reason is the stable code of Err ("denied", "exchange", …) and
	// Detail its cause, for a client to word with FailureText.
	Reason, Detail string
}

// LoginRequest names an existing file to re-authenticate, or a provider
// (and optional alias) for a new account.
type LoginRequest struct {
	File     string
	Provider string
	Alias    string
	// NoBrowser: the machine has no local browser. A provider with a
	// copy/paste variant (claude) uses it; one with a device login beside
	// its browser login (codex) uses that; others run as usual.
	NoBrowser bool
}

// Pending is a started login: open URL in a browser, then wait on Done.
type Pending struct {
	FlowID string
	URL    string // the page to open, carrying ?k=<secret> once
	Done   <-chan Outcome
	// AuthURL is set for a copy/paste login: the provider's page to open
	// in any browser; the code it shows goes to SubmitCode.
	AuthURL string
	// UserCode and VerifyURL are set for a device login: the code to
	// enter at the provider's page.
	UserCode, VerifyURL string
}

// Login starts (or joins) a login for the CLI and ipc. The flow ends when
// ctx ends too. Opening URL is the caller's job.
func (s *Server) Login(ctx context.Context, req LoginRequest) (*Pending, error) {
	if s.BaseURL() == "" {
		return nil, errors.New("login: the auth server is not listening")
	}
	var f *flow
	var err error
	if req.File != "" {
		f, err = s.startForFile(ctx, req.File, req.NoBrowser)
	} else {
		f, err = s.startNew(ctx, req.Provider, req.Alias, req.NoBrowser)
	}
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	ch := make(chan Outcome, 1)
	s.mu.Lock()
	if f.status == statusPending || f.status == statusMismatch {
		f.waiters = append(f.waiters, ch)
	} else {
		ch <- f.outcomeLocked()
	}
	page := "/flow/" + f.id
	if f.device != nil {
		page = "/device/" + f.id
	} else if f.file != "" {
		page = "/auth/" + url.PathEscape(f.file) // a name may hold %, # or ?
	}
	s.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
			s.fail(f, reasonCanceled, ErrCanceled)
		case <-s.baseCtx.Done():
		case <-f.doneSignal(s):
		}
	}()
	p := &Pending{FlowID: f.id, URL: s.BaseURL() + page + "?" + secretParam + "=" + url.QueryEscape(s.o.Secret), Done: ch}
	if f.manual {
		p.AuthURL = f.authURL
	}
	if f.device != nil {
		p.UserCode = f.device.UserCode
		p.VerifyURL = firstNonEmpty(f.device.VerificationURIComplete, f.device.VerificationURI)
	}
	return p, nil
}

// doneSignal is closed when f ends (success or error).
func (f *flow) doneSignal(s *Server) <-chan Outcome {
	ch := make(chan Outcome, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.status == statusSuccess || f.status == statusError {
		ch <- f.outcomeLocked()
	} else {
		f.waiters = append(f.waiters, ch)
	}
	return ch
}

func (f *flow) outcomeLocked() Outcome {
	o := Outcome{File: f.result, Account: f.account}
	if f.status != statusSuccess {
		o.File = ""
		o.Err = f.err()
		o.Reason, o.Detail = f.reason, f.detail
		if o.Reason == "" && o.Err != nil {
			o.Reason = reasonMismatch
		}
	}
	return o
}

func (f *flow) err() error {
	var base error
	switch f.reason {
	case reasonDenied:
		base = ErrDenied
	case reasonState:
		base = ErrStateMismatch
	case reasonExpired:
		base = ErrExpired
	case reasonCanceled:
		base = ErrCanceled
	case reasonMismatch:
		base = ErrAccountMismatch
	case "":
		if f.status == statusMismatch {
			return ErrAccountMismatch
		}
		return nil
	default:
		return fmt.Errorf("%s: %s", f.reason, f.detail)
	}
	if f.detail != "" {
		return fmt.Errorf("%w: %s", base, f.detail)
	}
	return base
}

func (s *Server) hasFlow(name string) bool {
	p, ok := s.o.Providers.Get(name)
	if !ok {
		return false
	}
	_, ac := p.(provider.AuthCodeFlow)
	_, dv := p.(provider.DeviceFlow)
	return ac || dv
}

// startForFile joins the open flow of a file or starts one.
func (s *Server) startForFile(ctx context.Context, name string, noBrowser bool) (*flow, error) {
	t, err := s.lookup(name)
	if err != nil {
		return nil, err
	}
	if !t.canAuth {
		return nil, fmt.Errorf("%w: %s: %s", ErrNotReauthable, name, t.why)
	}
	// A login of the same kind already open for this file is joined (the
	// CLI's login and the page's button are one flow); a copy/paste or
	// device login asked for without a browser is a kind of its own.
	p, _ := s.o.Providers.Get(t.file.Provider)
	manual, device := loginKind(p, noBrowser)
	now := s.now()
	s.mu.Lock()
	for _, f := range s.flows {
		if f.file == name && f.status == statusPending && !f.used && now.Before(f.expires) && f.manual == manual && (f.device != nil) == device {
			s.mu.Unlock()
			return f, nil
		}
	}
	s.mu.Unlock()
	hint := t.file.Email
	if !strings.Contains(hint, "@") {
		hint = "" // iflow's "email" may be a phone number
	}
	return s.start(ctx, &flow{file: name, provider: t.file.Provider, hint: hint, noBrowser: noBrowser})
}

// loginKind says how a login of p runs: without a local browser, the
// copy/paste variant where there is one, else the device login where the
// provider has both; a provider with only a device login always uses it.
func loginKind(p provider.Provider, noBrowser bool) (manual, device bool) {
	_, isAC := p.(provider.AuthCodeFlow)
	_, isDF := p.(provider.DeviceFlow)
	_, hasManual := p.(provider.ManualRedirect)
	manual = noBrowser && isAC && hasManual
	device = isDF && (!isAC || noBrowser && !manual)
	return manual, device
}

// startNew starts a login for a new account of a provider.
func (s *Server) startNew(ctx context.Context, prov, alias string, noBrowser bool) (*flow, error) {
	p, ok := s.o.Providers.Get(prov)
	if !ok || !s.hasFlow(prov) {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProvider, prov)
	}
	alias, err := cleanAlias(alias)
	if err != nil {
		return nil, err
	}
	return s.start(ctx, &flow{provider: p.Name(), alias: alias, noBrowser: noBrowser})
}

// start registers f and begins its provider flow.
func (s *Server) start(ctx context.Context, f *flow) (*flow, error) {
	p, _ := s.o.Providers.Get(f.provider)
	f.id = randomToken(12)
	f.shown = make(chan struct{})
	f.created = s.now()
	f.expires = f.created.Add(flowTTL)
	f.status = statusPending
	s.gc()
	ac, isAC := p.(provider.AuthCodeFlow)
	df, _ := p.(provider.DeviceFlow)
	var useDevice bool
	f.manual, useDevice = loginKind(p, f.noBrowser)
	switch {
	case isAC && !useDevice:
		f.state = randomToken(24)
		f.verifier = oauth2.GenerateVerifier() // iflow ignores it
		redirect, release, err := s.redirectFor(p, f)
		if err != nil {
			return nil, err
		}
		f.redirect, f.release = redirect, release
		f.authURL = ac.AuthCodeURL(redirect, f.state, f.verifier, f.hint)
		s.mu.Lock()
		s.flows[f.id] = f
		s.byState[f.state] = f
		s.mu.Unlock()
	case useDevice:
		fl := df
		da, err := fl.StartDevice(ctx)
		if err != nil {
			return nil, fmt.Errorf("start %s device login: %w", f.provider, err)
		}
		f.device = da
		if !da.ExpiresAt.IsZero() {
			f.expires = da.ExpiresAt
		}
		pollCtx, cancel := context.WithCancel(s.baseCtx)
		f.cancel = cancel
		s.mu.Lock()
		s.flows[f.id] = f
		s.mu.Unlock()
		go s.poll(pollCtx, fl, f)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownProvider, f.provider)
	}
	s.o.Logger.Info("login started", "flow", f.id, "provider", f.provider, "file", f.file, "redirect", f.redirect, "manual", f.manual, "device", f.device != nil)
	return f, nil
}

// poll waits for a device login and completes it.
func (s *Server) poll(ctx context.Context, df provider.DeviceFlow, f *flow) {
	defer f.cancel()
	u, err := df.PollDevice(ctx, f.device)
	if err != nil {
		switch {
		case errors.Is(err, provider.ErrAccessDenied):
			s.fail(f, reasonDenied, nil)
		case errors.Is(err, provider.ErrDeviceExpired):
			s.fail(f, reasonExpired, nil)
		case ctx.Err() != nil:
			s.fail(f, reasonCanceled, nil)
		default:
			s.fail(f, reasonExchange, err)
		}
		return
	}
	s.complete(ctx, f, u)
}

// callback handles the provider's redirect: the state names the flow.
// It returns the flow (nil when the state is unknown).
func (s *Server) callback(ctx context.Context, q map[string][]string) *flow {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	state := get("state")
	s.mu.Lock()
	f := s.byState[state]
	if f == nil || state == "" {
		s.mu.Unlock()
		return nil
	}
	if f.used || f.status != statusPending {
		// Replayed, or the flow already ended (canceled, expired): the
		// state is single use. Its own outcome is left as it is.
		s.mu.Unlock()
		return &flow{status: statusError, reason: reasonState, file: f.file, provider: f.provider}
	}
	f.used = true
	expired := !s.now().Before(f.expires)
	s.mu.Unlock()

	if expired {
		s.fail(f, reasonExpired, nil)
		return f
	}
	if e := get("error"); e != "" {
		if e == "access_denied" {
			s.fail(f, reasonDenied, nil)
		} else {
			s.fail(f, reasonProvider, errors.New(shorten(e+" "+get("error_description"))))
		}
		return f
	}
	code := get("code")
	if code == "" {
		s.fail(f, reasonProvider, errors.New("no code in the callback"))
		return f
	}
	p, _ := s.o.Providers.Get(f.provider)
	var u tokenfile.Update
	var err error
	if se, ok := p.(provider.StateExchanger); ok {
		u, err = se.ExchangeState(ctx, code, state, f.verifier, f.redirect)
	} else {
		ac, _ := p.(provider.AuthCodeFlow)
		u, err = ac.Exchange(ctx, code, f.verifier, f.redirect)
	}
	if err != nil {
		s.fail(f, reasonExchange, err)
		return f
	}
	s.complete(ctx, f, u)
	return f
}

func (s *Server) fileChanged(name string) {
	if s.o.Core != nil {
		s.o.Core.FileChanged(name)
	}
}

func (s *Server) succeed(f *flow, file, account string, created bool, warn string) {
	s.mu.Lock()
	f.status, f.result, f.account, f.created2, f.warning = statusSuccess, file, account, created, warn
	s.endLocked(f)
	s.mu.Unlock()
	s.o.Logger.Info("login succeeded", "flow", f.id, "provider", f.provider, "file", file, "new", created)
}

// fail ends f with a reason; a flow already ended is left as it is.
func (s *Server) fail(f *flow, reason string, cause error) {
	s.mu.Lock()
	if f.status == statusSuccess || f.status == statusError {
		s.mu.Unlock()
		return
	}
	f.status, f.reason = statusError, reason
	if cause != nil {
		f.detail = shorten(cause.Error())
	}
	f.held = tokenfile.Update{}
	s.endLocked(f)
	s.mu.Unlock()
	s.o.Logger.Warn("login failed", "flow", f.id, "provider", f.provider, "file", f.file, "reason", reason, "detail", f.detail)
}

func (s *Server) endLocked(f *flow) {
	f.ended = s.now()
	if f.cancel != nil {
		f.cancel()
	}
	if f.release != nil {
		f.release()
	}
	o := f.outcomeLocked()
	for _, w := range f.waiters {
		w <- o // buffered, one value each
	}
	f.waiters = nil
}

// sweep fails the open flows past their expiry; gc drops old ones.
func (s *Server) sweep() {
	now := s.now()
	s.mu.Lock()
	late := map[*flow]string{}
	for _, f := range s.flows {
		switch {
		case now.Before(f.expires):
		case f.status == statusPending:
			late[f] = reasonExpired
		case f.status == statusMismatch:
			late[f] = reasonMismatch
		}
	}
	s.mu.Unlock()
	for f, reason := range late {
		s.fail(f, reason, nil)
	}
	s.gc()
}

func (s *Server) gc() {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, f := range s.flows {
		// The state stays known until then, so that a replayed callback
		// is told it was used rather than unknown.
		if !f.ended.IsZero() && now.Sub(f.ended) > finishedTTL {
			delete(s.flows, id)
			delete(s.byState, f.state)
		}
	}
}

func (s *Server) flow(id string) *flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flows[id]
}

// ResultShown is closed once the browser has been shown how the login of
// flowID ended, so that a `login` serving its own pages can stop serving
// without cutting off that page. Unknown flows give a closed channel.
func (s *Server) ResultShown(flowID string) <-chan struct{} {
	f := s.flow(flowID)
	if f == nil || f.shown == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return f.shown
}

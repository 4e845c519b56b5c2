package daemon

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// The token broker (DESIGN.md section 11): programs ask the core for a
// token instead of reading files. A token with less than the asked-for
// validity left is refreshed first, through the same flights as scheduled
// and manual refreshes, so one file has at most one token request in flight
// whoever asks. Every credential handed out is counted per file and told to
// the AccessLog port (the audit log).

// ErrLoginNeeded means only a new login can give a usable token.
var ErrLoginNeeded = errors.New("a new login is needed")

// ErrNoToken means no usable token can be handed out for another reason
// (invalid or removed file, expired and not refreshable, a failed refresh);
// the wrapping error says why.
var ErrNoToken = errors.New("no usable token")

// accessEventGap bounds how often accesses alone send a state event (so
// that the web UI's "last use" stays current without an event per access).
const accessEventGap = time.Minute

// Caller is who asked for a token: the peer of the socket, or this process.
// PID 0 and UID -1 mean unknown (the OS could not tell).
type Caller struct {
	PID int
	UID int
	Exe string
	// ParentPID and ParentExe are the caller's parent, where the OS tells
	// (0 and ""): the program that ran `routecodex token`.
	ParentPID int
	ParentExe string
}

// TokenRequest asks for the credential of one file.
type TokenRequest struct {
	Name     string        // file name with or without .json, alias or email
	MinValid time.Duration // refresh first when less than this is left
	By       Caller
}

// Credential is what a client sends, and what describes it. Token is a
// secret: never log it.
type Credential struct {
	File        string
	Provider    string
	DisplayName string
	Token       string // the API key where the provider's requests use one, else the access token
	TokenType   string // the file's token_type, else "Bearer"
	ExpiresAt   time.Time
	ResourceURL string
	ProjectID   string
	AccountID   string
	// Stale is set when less than MinValid is left and no refresh could
	// help now; Reason says why. The token is still unexpired.
	Stale  bool
	Reason string
}

// Access is one credential handed out, for the audit log (no token value).
type Access struct {
	At       time.Time
	File     string
	Provider string
	By       Caller
}

// AccessLog records accesses; the audit log implements it.
type AccessLog interface {
	Access(a Access)
}

// broker is the core's broker state; usage is guarded by Daemon.mu.
type broker struct {
	log   atomic.Pointer[AccessLog]
	usage map[string]*usageBook
}

// SetAccessLog sets where accesses are recorded (nil: nowhere). It may be
// called at any time.
func (d *Daemon) SetAccessLog(l AccessLog) {
	if l == nil {
		d.brk.log.Store(nil)
		return
	}
	d.brk.log.Store(&l)
}

// Token hands out the credential of one file, refreshed first when less
// than req.MinValid is left. Errors: ErrNotFound or *AmbiguousError for the
// name, ErrLoginNeeded, ErrNoToken, ErrStopped, or the context's error.
func (d *Daemon) Token(ctx context.Context, req TokenRequest) (Credential, error) {
	tried := false // a refresh flight ended during this call: do not start another
	for {
		now := d.clock.Now()
		d.mu.Lock()
		if d.runCtx == nil || d.stopping {
			d.mu.Unlock()
			return Credential{}, fmt.Errorf("token %s: %w", req.Name, ErrStopped)
		}
		e, err := d.resolveLocked(req.Name, now)
		if err != nil {
			d.mu.Unlock()
			return Credential{}, err
		}
		cred, refresh, err := d.decideLocked(e, now, req.MinValid, tried)
		if !refresh {
			var acc *Access
			if err == nil {
				acc = d.recordAccessLocked(e, now, req.By)
			}
			d.mu.Unlock()
			d.flush()
			if acc != nil {
				if l := d.brk.log.Load(); l != nil {
					(*l).Access(*acc)
				}
			}
			return cred, err
		}
		// Join the flight in progress (scheduled or manual), or start one.
		fl := e.flight
		if fl == nil {
			fl = d.startFlightLocked(e, flightRefresh, true)
		}
		fl.waiters++
		d.mu.Unlock()
		select {
		case <-fl.done:
		case <-ctx.Done():
			return Credential{}, fmt.Errorf("token %s: %w", e.name, ctx.Err())
		}
		if fl.kind == flightRefresh {
			tried = true
		}
	}
}

// resolveLocked finds the entry of a name; an exact file name is looked up
// directly, so the common case costs no scan of every entry.
func (d *Daemon) resolveLocked(name string, now time.Time) (*entry, error) {
	if e := d.entries[name]; e != nil {
		return e, nil
	}
	if e := d.entries[name+".json"]; e != nil {
		return e, nil
	}
	states := make([]TokenState, 0, len(d.entries))
	for _, e := range d.entries {
		states = append(states, StateOf(e.file, now, d.cfg.RefreshAhead))
	}
	st, err := Resolve(states, name)
	if err != nil {
		return nil, err
	}
	return d.entries[st.File], nil
}

// decideLocked says what a token request gets now: a credential, an error,
// or refresh (a refresh must be joined or started first).
func (d *Daemon) decideLocked(e *entry, now time.Time, minValid time.Duration, tried bool) (cred Credential, refresh bool, err error) {
	f := e.file
	fail := func(sentinel error, r TokenReason) (Credential, bool, error) {
		return Credential{}, false, &TokenError{File: e.name, Sentinel: sentinel, Reason: r}
	}
	switch {
	case !e.missingSince.IsZero():
		return fail(ErrNoToken, TokenReason{Code: TokenFileRemoved})
	case f.Invalid != "":
		return fail(ErrNoToken, TokenReason{Code: TokenInvalid, Detail: f.Invalid, DetailCode: ReasonCode(f.Invalid)})
	}
	token, expires := credentialOf(f)
	usable := token != "" && (expires.IsZero() || expires.After(now))
	fresh := usable && (expires.IsZero() || expires.Sub(now) >= minValid)
	if fresh && e.fail != failReauth {
		return d.credentialLocked(e, token, expires), false, nil
	}
	if e.fail != failReauth && (e.flight != nil || (!tried && d.brokerMayRefreshLocked(e, now))) {
		return Credential{}, true, nil
	}
	if st, reason := d.statusLocked(e, now); st == tokenfile.StatusNeedsReauth || e.fail == failReauth {
		if reason == "" {
			return fail(ErrLoginNeeded, TokenReason{Code: TokenLogInAgain})
		}
		return fail(ErrLoginNeeded, TokenReason{Code: TokenLoginNeeded, Detail: reason, DetailCode: ReasonCode(reason)})
	}
	if usable {
		c := d.credentialLocked(e, token, expires)
		c.Stale, c.Reason = true, d.whyStaleLocked(e)
		return c, false, nil
	}
	switch {
	case token == "" && f.RefreshToken == "" && f.Provider != "":
		return fail(ErrLoginNeeded, TokenReason{Code: TokenNoTokenInFile})
	case e.lastError != "":
		r := TokenReason{Code: TokenRefreshFailed, Detail: e.lastError}
		if e.fail == failMisconfigured && e.problem != "" {
			r.DetailCode, r.DetailArgs = ReasonConfigCode+e.problem, e.problemArgs
		}
		return fail(ErrNoToken, r)
	case e.pending != nil:
		return fail(ErrNoToken, TokenReason{Code: TokenPending, Detail: e.pending.reason})
	case f.ReadOnly:
		return fail(ErrNoToken, TokenReason{Code: TokenReadOnly})
	}
	if why := d.notRefreshableLocked(e); why != nil {
		return fail(ErrNoToken, TokenReason{Code: TokenNotRefreshable, Detail: why.text(),
			DetailCode: "not_refreshable." + why.Why, DetailArgs: why.Args})
	}
	return fail(ErrNoToken, TokenReason{Code: TokenExpired})
}

// brokerMayRefreshLocked: a refresh can start now for a token request. The
// scheduler's backoff holds for the broker too (a program asking in a loop
// must not hammer a failing provider), and a token the last refresh gave is
// not refreshed again before minRefreshGap and half its lifetime.
func (d *Daemon) brokerMayRefreshLocked(e *entry, now time.Time) bool {
	if d.whyNotLocked(e) != "" || e.pending != nil {
		return false
	}
	switch e.fail {
	case failReauth, failMisconfigured:
		return false
	case failBackoff, failSlow:
		if !e.retryAt.IsZero() && now.Before(e.retryAt) {
			return false
		}
	}
	if e.lastRefreshAt.IsZero() {
		return true
	}
	// As the scheduler does: not before half the lifetime of the token the
	// last refresh gave has passed (so asking for more validity than the
	// provider's tokens have never turns into a refresh per request).
	floor := e.lastRefreshAt.Add(minRefreshGap)
	if exp := e.file.ExpiresAt; exp.After(e.lastRefreshAt) {
		if half := e.lastRefreshAt.Add(exp.Sub(e.lastRefreshAt) / 2); half.After(floor) {
			floor = half
		}
	}
	return !now.Before(floor)
}

func (d *Daemon) whyStaleLocked(e *entry) string {
	switch {
	case e.lastError != "":
		return "the refresh failed: " + e.lastError
	case e.pending != nil:
		return "new tokens are waiting to be written"
	}
	if why := d.whyNotLocked(e); why != "" {
		return why
	}
	return "refreshed moments ago; the provider's tokens live shorter than asked"
}

// credentialOf is the credential a client sends: the API key where the
// provider's requests use one (iflow; qwen files whose stable API key
// differs from the access token, valid whatever the expiry), else the
// access token with the file's expiry.
func credentialOf(f *tokenfile.File) (token string, expires time.Time) {
	switch {
	case f.Provider == tokenfile.ProviderIFlow && f.APIKey != "" && f.AccessToken != "":
		return f.APIKey, f.ExpiresAt
	case f.Provider == tokenfile.ProviderIFlow && f.APIKey != "":
		return f.APIKey, time.Time{} // an API-key-only file
	case f.Provider == tokenfile.ProviderQwen && f.APIKey != "" && f.APIKey != f.AccessToken:
		return f.APIKey, time.Time{}
	case f.AccessToken != "":
		return f.AccessToken, f.ExpiresAt
	case f.RefreshToken == "" && f.APIKey != "":
		return f.APIKey, time.Time{}
	}
	return "", time.Time{}
}

func (d *Daemon) credentialLocked(e *entry, token string, expires time.Time) Credential {
	f := e.file
	tt := f.TokenType
	if tt == "" {
		tt = "Bearer"
	}
	return Credential{
		File: e.name, Provider: f.Provider, DisplayName: f.DisplayName, Token: token, TokenType: tt,
		ExpiresAt: expires, ResourceURL: f.ResourceURL, ProjectID: f.ProjectID, AccountID: f.AccountID,
	}
}

// recordAccessLocked counts one access of e and returns its audit record.
func (d *Daemon) recordAccessLocked(e *entry, now time.Time, by Caller) *Access {
	if d.brk.usage == nil {
		d.brk.usage = map[string]*usageBook{}
	}
	b := d.brk.usage[e.name]
	if b == nil {
		b = &usageBook{}
		d.brk.usage[e.name] = b
	}
	quiet := !b.last.IsZero() && now.Sub(b.last) < accessEventGap && now.Sub(b.last) >= 0
	b.add(now)
	// Counts alone do not make the state file dirty: at 200 accesses a
	// second they made the daemon encode and fsync its whole state every
	// second, holding the lock that every access takes while it copied it
	// (the tail of GET /v1/token). They are saved with the next save, at
	// the next tick of the safety net, and at shutdown; a crash loses at
	// most a tick of counts (the audit log has every access).
	d.usageDirty.Store(true)
	if !quiet {
		d.sendLocked(EventToken, e, now)
	}
	return &Access{At: now.UTC().Round(0), File: e.name, Provider: e.file.Provider, By: by}
}

// Usage is how often a file's token was handed out. Counts are kept in
// whole hours: Last24h is the current hour and the 23 before it.
type Usage struct {
	Last24h    int
	Last7d     int
	LastAccess time.Time // zero: never
	// Opens of the file by other programs, where the OS reports them
	// (RecordOpens; opens.go), counted the same way.
	Opens24h int
	Opens7d  int
	LastOpen time.Time // zero: never (or not reported)
}

// Usage returns the access counts of one file (as in TokenState.File).
func (d *Daemon) Usage(file string) Usage {
	now := d.clock.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.usageLocked(file, now)
}

// UsageAll returns the access counts of every file that was ever accessed.
func (d *Daemon) UsageAll() map[string]Usage {
	now := d.clock.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]Usage, len(d.brk.usage))
	for name := range d.brk.usage {
		out[name] = d.usageLocked(name, now)
	}
	return out
}

func (d *Daemon) usageLocked(file string, now time.Time) Usage {
	var u Usage
	if b := d.brk.usage[file]; b != nil {
		u = b.at(now)
	}
	d.opensLocked(file, now, &u)
	return u
}

const usageHours = 7 * 24

// usageBook counts accesses of one file in hourly buckets over 7 days.
type usageBook struct {
	last  time.Time
	hours []hourCount // ascending, none older than 7 days at the last add
}

type hourCount struct {
	Hour int64 `json:"h"` // Unix time / 3600
	N    int   `json:"n"`
}

func (b *usageBook) add(now time.Time) {
	h := now.Unix() / 3600
	if n := len(b.hours); n > 0 && b.hours[n-1].Hour == h {
		b.hours[n-1].N++
	} else {
		b.hours = append(b.hours, hourCount{Hour: h, N: 1})
	}
	i := 0
	for i < len(b.hours) && b.hours[i].Hour <= h-usageHours {
		i++
	}
	b.hours = b.hours[i:]
	if now.After(b.last) {
		b.last = now.UTC().Round(0)
	}
}

func (b *usageBook) at(now time.Time) Usage {
	h := now.Unix() / 3600
	u := Usage{LastAccess: b.last}
	for _, c := range b.hours {
		if c.Hour > h-usageHours && c.Hour <= h {
			u.Last7d += c.N
			if c.Hour > h-24 {
				u.Last24h += c.N
			}
		}
	}
	return u
}

// persistedUsage is a usageBook in the state file.
type persistedUsage struct {
	LastAccess time.Time   `json:"lastAccess"`
	Hours      []hourCount `json:"hours,omitempty"`
}

func (d *Daemon) usageToDiskLocked(keep func(string) bool) map[string]persistedUsage {
	if len(d.brk.usage) == 0 {
		return nil
	}
	out := make(map[string]persistedUsage, len(d.brk.usage))
	for name, b := range d.brk.usage {
		if keep(name) {
			out[name] = persistedUsage{LastAccess: b.last, Hours: append([]hourCount(nil), b.hours...)}
		}
	}
	return out
}

func usageFromDisk(p map[string]persistedUsage) map[string]*usageBook {
	if len(p) == 0 {
		return nil
	}
	out := make(map[string]*usageBook, len(p))
	for name, u := range p {
		out[name] = &usageBook{last: u.LastAccess, hours: u.Hours}
	}
	return out
}

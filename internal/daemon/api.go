// Package daemon is the core of the token daemon: the state of every token
// file, the refresh scheduler and the refresher. It knows nothing of
// sockets, browsers, file watching or notifications: adapters call it and it
// calls the ports it declares here.
package daemon

import (
	"context"
	"log/slog"
	"time"

	"github.com/routecodex/token-daemon/internal/health"
	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Config is the core's configuration, in plain values.
type Config struct {
	AuthDir        string
	StatePath      string        // <home>/state/token-daemon.json
	RefreshAhead   time.Duration // default 30m
	CheckInterval  time.Duration // default 60s
	AutoRefresh    bool
	RetryOnFailure bool
	MaxRetries     int // default 3
	MaxConcurrent  int // default 8
	PerProvider    int // default 4
	FileOptions    tokenfile.Options
	// NotifySuccess sends a notice after each automatic refresh success.
	NotifySuccess bool
	// RequestTimeout bounds how long shutdown waits for a token request
	// already sent (default 30s); such a request is never cancelled sooner.
	RequestTimeout time.Duration
	// Quiet is how long a file that stopped parsing may stay so before it is
	// published as invalid; default DefaultQuiet.
	Quiet time.Duration
}

// Providers finds the provider of a file.
type Providers interface {
	Get(name string) (provider.Provider, bool)
}

// NoticeKind says why the user is told something.
type NoticeKind string

const (
	NoticeNeedsReauth   NoticeKind = "needs_reauth"
	NoticeRefreshFailed NoticeKind = "refresh_failed"
	NoticeRefreshed     NoticeKind = "refreshed"
	NoticeMissing       NoticeKind = "missing"
	NoticeWriteFailed   NoticeKind = "write_failed"
	// NoticeMisconfigured: the configuration must be fixed (a wrong or
	// missing client id or secret); the daemon does not retry until it is.
	NoticeMisconfigured NoticeKind = "misconfigured"
	// NoticeExpired: a token expired while automatic refresh is off.
	NoticeExpired NoticeKind = "expired"
)

// Notice is one message for the user about one token.
type Notice struct {
	Kind        NoticeKind
	File        string
	DisplayName string
	Provider    string
	Reason      string
	Fix         string // misconfigured: the setting to change
	// Login is the own login command of another tool's file ("" for
	// RouteCodex's files); Watch says the file is only watched.
	Login string
	Watch bool
	// Problem codes Reason and Fix of a misconfigured notice
	// (provider.Error's Problem), for a notifier to word them.
	Problem     string
	ProblemArgs []string
}

// Notifier tells the user (desktop notification); adapters implement it.
type Notifier interface {
	Notify(n Notice)
}

// TokenState is what the daemon knows of one token file.
type TokenState struct {
	File        string
	Path        string
	Provider    string
	Alias       string
	DisplayName string
	Email       string
	Status      tokenfile.Status
	Reason      string
	// ReasonCode and ReasonArgs code Reason when the daemon knows its
	// words ("config.no_client_secret"); "" leaves it to ReasonCode(Reason).
	ReasonCode    string
	ReasonArgs    []string
	ExpiresAt     time.Time // zero: none
	Refreshable   bool
	LastRefreshAt time.Time // zero: never
	NextRefreshAt time.Time // zero: none scheduled
	LastError     string
	Failures      int
	Usage         Usage // token broker accesses and opens by other programs
	// Health is the score of DESIGN.md section 12, at the state's time.
	Health health.Report
	// Source is the tokenDaemon.sources entry of a file outside the auth
	// dir ("" for the auth dir); Watch says it is only watched, and Login
	// is its tool's own login command.
	Source string
	Watch  bool
	Login  string
}

// EventType names a state change.
type EventType string

const (
	EventToken   EventType = "token"   // a token's state changed
	EventRemoved EventType = "removed" // a token left the list
)

// Event is one state change, for the event stream.
type Event struct {
	Type  EventType
	At    time.Time
	Token TokenState
}

// RefreshResult is the outcome of one requested refresh.
type RefreshResult struct {
	File   string
	Status tokenfile.Status
	Err    error
}

// Deps are the ports the core uses.
type Deps struct {
	Clock     Clock
	Providers Providers
	Notifier  Notifier // may be nil
	Logger    *slog.Logger
	Rand      func() float64 // [0,1), for jitter; nil means math/rand
	// Sources are other tools' token files beside the auth dir; nil when
	// none are configured.
	Sources Sources
	// AfterAnswer, when set, is called after a provider's answer is saved
	// in its .pending file and before it is written: tests hold the daemon
	// there to kill it. nil in production.
	AfterAnswer func(file string)
	// Cluster is the port of cluster mode (cluster.go); nil: a single host.
	Cluster Cluster
}

// Clock is the daemon's only source of time, so that tests never sleep.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the daemon uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration)
}

// unused guard so the stub file compiles before the implementation lands.
var _ = context.Background

// Package tokenfile is the model of one RouteCodex token file: which files are
// token files, what provider and account a file belongs to, when it expires,
// its status, and the one way such a file is ever written (locked, merging,
// atomic). It imports nothing of this module.
package tokenfile

import (
	"errors"
	"io/fs"
	"time"
)

// Status is the one-word state of a token file (DESIGN.md section 3).
type Status string

const (
	StatusValid         Status = "valid"
	StatusExpiring      Status = "expiring"
	StatusExpired       Status = "expired"
	StatusRefreshing    Status = "refreshing"
	StatusRefreshFailed Status = "refresh_failed"
	StatusNeedsReauth   Status = "needs_reauth"
	StatusInvalid       Status = "invalid"
	StatusStatic        Status = "static"
	StatusMissing       Status = "missing"
)

// AllStatuses lists every status in display order.
var AllStatuses = []Status{
	StatusValid, StatusExpiring, StatusExpired, StatusRefreshing, StatusRefreshFailed,
	StatusNeedsReauth, StatusInvalid, StatusStatic, StatusMissing,
}

// Built-in provider names (canonical form).
const (
	ProviderIFlow       = "iflow"
	ProviderQwen        = "qwen"
	ProviderGeminiCLI   = "gemini-cli"
	ProviderAntigravity = "antigravity"
	ProviderCodex       = "codex"  // OpenAI's ChatGPT login of the Codex CLI
	ProviderClaude      = "claude" // Claude Code's claude.ai login
)

// MaxFileSize is the largest token file that is read; larger files are
// invalid ("too large") and are never read whole.
const MaxFileSize = 1 << 20

// ErrConflict means another program refreshed the file first: its refresh
// token is no longer the one the caller refreshed with. Nothing was written.
var ErrConflict = errors.New("token file changed by another writer")

// Options carry what the file model needs from configuration.
type Options struct {
	// Generic maps a configured (generic) provider name to its file-name
	// prefix ("" means the name itself). Built-in providers are always known.
	Generic map[string]string
	// Aliases maps a file name (with .json) to a configured alias.
	Aliases map[string]string
	// HandedOff maps a file name to the sha256 of the content that was
	// exported with --handoff (DESIGN.md section 13): while the file holds
	// exactly those bytes it is read-only here, because the other machine
	// refreshes it now. Any change of the bytes (an import, a login) ends it.
	HandedOff map[string][32]byte
}

// File is what the model knows of one token file. It holds secrets
// (AccessToken, RefreshToken, APIKey): never log or print a File's fields
// other than through Redact.
type File struct {
	Name        string // base name, e.g. "qwen-oauth-1-default.json"
	Path        string // full path
	Provider    string // canonical provider name, "" when unknown
	Alias       string // "" when none (a value "default" is passed over)
	DisplayName string
	Email       string
	AccountID   string
	// Workspace is the organization an account signed in to where the
	// provider has one beside the account id (claude's organization_uuid):
	// the same email in two workspaces is two accounts.
	Workspace   string
	ProjectID   string
	ResourceURL string // the provider's API base for this account (qwen), "" when none
	TokenType   string // token_type as the file says it, "" when absent

	AccessToken  string
	RefreshToken string
	APIKey       string

	ExpiresAt time.Time // zero when the file has no expiry (or no access token)
	// Lifetime is the token's lifetime by the file's expires_in, zero when
	// absent or outside MinLifetime … MaxLifetime.
	Lifetime time.Duration
	// LinkTo is set for a symlink to another token file of the same
	// directory: that file's name. Listed, never refreshed on its own (its
	// target is), or the two would refresh one token chain twice.
	LinkTo string
	// Retry means the read failed for a passing reason (too many open
	// files, an interrupted call): read again later rather than show it
	// invalid.
	Retry    bool
	ReadOnly bool // static alias, an effective noRefresh flag, or handed off
	// HandedOff: exported with --handoff and unchanged since (ReadOnly is
	// set too): another machine refreshes this account now.
	HandedOff bool
	Invalid   string // why the file is invalid; "" when it is usable

	// Source names where the file was found beside the auth dir
	// (tokenDaemon.sources, DESIGN.md section 15); "" for the auth dir.
	// Such a file's Name is "<source>/<file name>", unique across sources.
	Source string
	// Watch: the file is kept by another tool that refreshes it itself
	// (a source in watch mode): shown and alerted, never refreshed here.
	Watch bool
	// LoggedOut: the tool itself recorded a logout in the file (Claude
	// Code blanks its tokens after invalid_grant): only a login helps, and
	// nothing is "repaired" from an older copy.
	LoggedOut bool
	// Login is the command that logs the account in again with its own
	// tool ("codex login"), "" when none is known.
	Login string

	Hash    [32]byte // sha256 of the bytes read
	Size    int64
	Mode    fs.FileMode
	ModTime time.Time
}

// Bounds of a provider's expires_in: outside them the value is treated as
// absent (a zero or negative lifetime would make a refresh loop, a huge one
// overflows the time arithmetic and looks expired for ever).
const (
	MinLifetime = time.Second
	MaxLifetime = 366 * 24 * time.Hour
)

// Update is what a provider returned for a file; Merge writes only these.
type Update struct {
	AccessToken  string
	RefreshToken string // "" keeps the refresh token in the file
	TokenType    string // "" leaves token_type alone
	ExpiresIn    int64  // seconds; 0 when not given
	ExpiresAt    time.Time
	// Extra are provider extras written at the top level, e.g. api_key,
	// apiKey, resource_url, email, project_id, projectId. A value of nil
	// is skipped.
	Extra map[string]any
	// Note says, for the log, what the provider sent that was not taken as
	// is (e.g. an expires_in out of range). Never a secret; Merge ignores it.
	Note string
}

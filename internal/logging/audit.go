package logging

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// AuditRecord is one line of <home>/logs/token-audit.jsonl: a change of a
// token's state, in a form a script can read. It never holds a token value.
type AuditRecord struct {
	At            time.Time  `json:"at"`
	File          string     `json:"file"`
	Provider      string     `json:"provider"`
	Status        string     `json:"status"`
	Reason        string     `json:"reason,omitempty"`
	ExpiresAt     *time.Time `json:"expiresAt,omitempty"`
	LastRefreshAt *time.Time `json:"lastRefreshAt,omitempty"`
	Failures      int        `json:"failures,omitempty"`
}

// AuditLog appends records as JSON lines (0600), one write per record so
// that lines are never interleaved. It rotates by size like the daemon log
// (a busy external writer makes many lines), and a rotation falls between
// two records, never inside one.
type AuditLog struct {
	mu sync.Mutex
	f  *RotatingFile
}

// OpenAudit opens the audit log at path for appending; past maxBytes it
// moves to path.1 (keeping keep old files).
func OpenAudit(path string, maxBytes int64, keep int) (*AuditLog, error) {
	f, err := OpenRotating(path, maxBytes, keep)
	if err != nil {
		return nil, fmt.Errorf("audit %w", err)
	}
	return &AuditLog{f: f}, nil
}

// Append writes one record.
func (a *AuditLog) Append(r AuditRecord) error { return a.appendLine(r) }

// AccessRecord is one line of the audit log for a token handed out by the
// broker: which file, and who asked (the socket peer's credentials, or the
// process itself). It never holds the token.
type AccessRecord struct {
	At       time.Time `json:"at"`
	Event    string    `json:"event"` // "access"
	File     string    `json:"file"`
	Provider string    `json:"provider"`
	By       Accessor  `json:"by"`
}

// Accessor is who asked for a token; pid 0 and uid -1 mean unknown.
type Accessor struct {
	PID int    `json:"pid"`
	UID int    `json:"uid"`
	Exe string `json:"exe"`
	// The caller's parent (the program that ran `routecodex token`), where
	// the OS tells.
	PPID      int    `json:"ppid,omitempty"`
	ParentExe string `json:"parentExe,omitempty"`
}

// AppendAccess writes one access line.
func (a *AuditLog) AppendAccess(r AccessRecord) error {
	r.Event = "access"
	return a.appendLine(r)
}

func (a *AuditLog) appendLine(r any) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err = a.f.Write(append(line, '\n'))
	return err
}

// Close closes the file.
func (a *AuditLog) Close() error { return a.f.Close() }

package logging

import "time"

// TransferRecord is one audit line per file an export or import moved
// (DESIGN.md section 13). It never holds the file's content.
type TransferRecord struct {
	At       time.Time `json:"at"`
	Event    string    `json:"event"` // "export" | "import"
	File     string    `json:"file"`  // the name here
	Provider string    `json:"provider"`
	Bundle   string    `json:"bundle,omitempty"` // the bundle's path ("" for the web UI)
	// Action of an import: create, replace, rename, same or skip.
	Action string `json:"action,omitempty"`
	From   string `json:"from,omitempty"` // import: the name in the bundle, when another
	Why    string `json:"why,omitempty"`  // import: why skipped
	// Handoff: exported with --handoff (this machine stops refreshing it).
	Handoff bool `json:"handoff,omitempty"`
}

// AppendTransfer writes one export or import line.
func (a *AuditLog) AppendTransfer(r TransferRecord) error { return a.appendLine(r) }

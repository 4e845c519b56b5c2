package tokenfile

import (
	"testing"
	"time"
)

// RouteCodex-style codex and claude files: provider by type or prefix,
// the account id and claude's workspace for the wrong-account guard.
func TestCodexAndClaudeFiles(t *testing.T) {
	tests := []struct {
		name, data                   string
		provider, account, workspace string
		display                      string
		expires                      time.Time
	}{
		{"codex-oauth-1-work.json", `{"type":"codex","access_token":"a","refresh_token":"r","id_token":"x.y.z","account_id":"acct-1234","email":"coder@example.com","last_refresh":"2026-11-30T10:00:00Z","expires_at":4102444800000}`,
			ProviderCodex, "acct-1234", "", "work (coder@example.com)", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"codex-1a2b3c4d-coder@example.com-plus.json", `{"access_token":"a","refresh_token":"r","account_id":"acct-1234","expired":"2100-01-01T00:00:00Z"}`,
			ProviderCodex, "acct-1234", "", "acct-1234", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"claude-oauth-2.json", `{"type":"claude","access_token":"sk-ant-oat01-x","refresh_token":"sk-ant-ort01-x","email":"c@example.com","account_uuid":"acc-uuid-1","organization_uuid":"org-uuid-1","expires_at":4102444800000}`,
			ProviderClaude, "acc-uuid-1", "org-uuid-1", "c@example.com", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"mine.json", `{"provider":"claude-oauth","access_token":"a","refresh_token":"r"}`, ProviderClaude, "", "", "mine", time.Time{}},
	}
	for _, tt := range tests {
		f := Parse("/auth/"+tt.name, []byte(tt.data), Options{})
		if f.Provider != tt.provider || f.AccountID != tt.account || f.Workspace != tt.workspace || f.DisplayName != tt.display || !f.ExpiresAt.Equal(tt.expires) || f.Invalid != "" {
			t.Errorf("%s: provider %q account %q workspace %q display %q expires %v invalid %q", tt.name, f.Provider, f.AccountID, f.Workspace, f.DisplayName, f.ExpiresAt, f.Invalid)
		}
	}
}

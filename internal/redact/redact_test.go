package redact

import (
	"strings"
	"testing"
)

func TestTextKeepsIdentifiersMadeOfWords(t *testing.T) {
	for _, s := range []string{
		"ROUTECODEX_GEMINI_CLI_CLIENT_SECRET",
		"ROUTECODEX_GEMINI_CLI_GOOGLE_CLIENT_SECRET",
		"tokenDaemon.providers.gemini-cli.clientSecret",
		"tokenDaemon.providers.antigravity.clientId",
		"gemini-cli-oauth-1-work.json",
		"qwen-oauth-12-personal-account.json",
		"/home/someone/.routecodex/auth/oauth-clients.local.json",
		"/tmp/rce2014200896/auth/oauth-clients.local.json",
		"https://oauth2.googleapis.com/token",
		"invalid_grant", "unauthorized_client",
		"The refresh token was already used.",
		"expires 2026-05-01T10:00:00Z after 1577836800000 ms",
		"retry in 15m, then 2h",
		"sha256 base64url oauth2 v1",
		"ROUTECODEX_QWEN_CLIENT_SECRET=",
	} {
		if got := Text(s); got != s {
			t.Errorf("Text(%q) = %q, want it unchanged", s, got)
		}
	}
}

func TestTextRedactsTokens(t *testing.T) {
	for _, tok := range []string{
		"ya29.a0AfH6SMBx3k9Qd0Lr7VvR2pWnTtY8uZ1cE4gH5jK6lM7nO8pQ",
		"1//0gLh4Xk2vT9pQrS3-uVwXyZ8aB7cD6eF5gH4iJ3kL2mN1oP",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
		"sk-5f2b9c1e8d7a4b3c6e0f1a2b3c4d5e6f",
		"ya29.a0ARrd-aM9b3H_k2Lq7-Wz8Xc_Vb4Nm1-Qp6Rs_Tu5Vw",
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	} {
		got := Text("error: token " + tok + " rejected")
		if strings.Contains(got, tok[5:]) {
			t.Errorf("token %q… not redacted: %q", tok[:8], got)
		}
		if !strings.Contains(got, tok[:4]+"…") {
			t.Errorf("redaction of %q… keeps no 4-character prefix: %q", tok[:8], got)
		}
	}
}

func TestTextRedactsKnownValues(t *testing.T) {
	// A known value is hidden even when it looks like words.
	got := Text("server said QWEN-RT-1-SECRETVALUE is unknown", "QWEN-RT-1-SECRETVALUE", "short")
	if got != "server said QWEN… is unknown" {
		t.Errorf("got %q", got)
	}
}

func TestTextRedactsTheValueOfAnAssignment(t *testing.T) {
	got := Text("ROUTECODEX_QWEN_CLIENT_SECRET=sk-5f2b9c1e8d7a4b3c6e0f1a2b3c4d5e6f and pad=QUJDREVGR0hJSktMTU5PUFFSU1RVVldY==")
	if got != "ROUTECODEX_QWEN_CLIENT_SECRET=sk-5… and pad=QUJD…" {
		t.Errorf("got %q", got)
	}
}

package provider

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMissingSecretIsMisconfigured(t *testing.T) {
	for _, name := range []string{"iflow", "gemini-cli", "antigravity"} {
		t.Run(name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
				t.Errorf("no request may be sent without a secret")
			})
			dir := t.TempDir()
			reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), authDir: dir})
			p, _ := reg.Get(name)
			_, err := p.Refresh(context.Background(), testFile(name))
			var pe *Error
			if !errors.As(err, &pe) || pe.Class != Misconfigured {
				t.Fatalf("got %v, want Misconfigured", err)
			}
			for _, want := range []string{
				envPrefix(name) + "CLIENT_SECRET",
				"tokenDaemon.providers." + name + ".clientSecret",
				filepath.Join(dir, "oauth-clients.local.json"),
			} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not name %q", err, want)
				}
			}
		})
	}
}

func TestSecretPrecedence(t *testing.T) {
	const file = `{"gemini-cli":{"clientId":"file-id","clientSecret":"file-secret"}}`
	tests := []struct {
		name       string
		env        env
		config     string
		file       string
		wantID     string
		wantSecret string
	}{
		{name: "env wins", env: env{"ROUTECODEX_GEMINI_CLI_CLIENT_SECRET": "env-secret", "ROUTECODEX_GEMINI_CLI_GOOGLE_CLIENT_SECRET": "g-secret", "ROUTECODEX_GEMINI_CLI_CLIENT_ID": "env-id"},
			config: "cfg-secret", file: file, wantID: "env-id", wantSecret: "env-secret"},
		{name: "RouteCodex env name next", env: env{"ROUTECODEX_GEMINI_CLI_GOOGLE_CLIENT_SECRET": "g-secret"},
			config: "cfg-secret", file: file, wantID: "file-id", wantSecret: "g-secret"},
		{name: "config before file", config: "cfg-secret", file: file, wantID: "file-id", wantSecret: "cfg-secret"},
		{name: "file last", file: file, wantID: "file-id", wantSecret: "file-secret"},
		{name: "file without id keeps the public id", file: `{"gemini-cli":{"clientSecret":"file-secret"}}`,
			wantID: builtinDefaults["gemini-cli"].ClientID, wantSecret: "file-secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
				writeJSON(w, 200, `{"access_token":"x","expires_in":3600}`)
			})
			dir := t.TempDir()
			settings := endpoints(srv.URL)
			s := settings["gemini-cli"]
			s.ClientSecret = tt.config
			settings["gemini-cli"] = s
			reg := newRegistry(t, regOpts{settings: settings, env: tt.env, authDir: dir})
			// Written after the registry exists: read at call time.
			if tt.file != "" {
				if err := os.WriteFile(filepath.Join(dir, ClientsFileName), []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			p, _ := reg.Get("gemini-cli")
			if _, err := p.Refresh(context.Background(), testFile("gemini-cli")); err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			form := srv.Requests()[0].Form
			if form.Get("client_id") != tt.wantID || form.Get("client_secret") != tt.wantSecret {
				t.Errorf("sent id %q secret %q, want %q %q", form.Get("client_id"), form.Get("client_secret"), tt.wantID, tt.wantSecret)
			}
		})
	}
}

func TestBrokenClientsFileIsNamed(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ClientsFileName), []byte(`{not json`), 0o600); err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, regOpts{settings: endpoints("http://127.0.0.1:1"), authDir: dir})
	p, _ := reg.Get("iflow")
	_, err := p.Refresh(context.Background(), testFile("iflow"))
	if ClassOf(err) != Misconfigured || !strings.Contains(err.Error(), "not a JSON object") {
		t.Fatalf("got %v", err)
	}
}

func TestQwenNeverSendsASecret(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		writeJSON(w, 200, `{"access_token":"x","expires_in":3600}`)
	})
	reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), env: env{"ROUTECODEX_QWEN_CLIENT_SECRET": "s"}})
	p, _ := reg.Get("qwen")
	if _, err := p.Refresh(context.Background(), testFile("qwen")); err != nil {
		t.Fatal(err)
	}
	req := srv.Requests()[0]
	if req.Form.Has("client_secret") || req.Authorization != "" {
		t.Errorf("qwen sent a secret: form %v auth %q", formKeys(req.Form), req.Authorization)
	}
}

package provider

import (
	"context"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestSettingsValidate(t *testing.T) {
	good := Settings{Flow: FlowAuthorizationCode, AuthURL: "https://sso/a", TokenURL: "https://sso/t", ClientID: "c"}
	with := func(f func(*Settings)) Settings { s := good; f(&s); return s }
	tests := []struct {
		name    string
		prov    string
		s       Settings
		wantErr string
	}{
		{name: "good generic", prov: "corp-sso", s: good},
		{name: "good device", prov: "corp-sso", s: Settings{Flow: FlowDeviceCode, DeviceCodeURL: "https://sso/d", TokenURL: "https://sso/t", ClientID: "c"}},
		{name: "override only an endpoint", prov: "qwen", s: Settings{TokenURL: "http://127.0.0.1:9/t"}},
		{name: "bad flow", prov: "corp-sso", s: with(func(s *Settings) { s.Flow = "implicit" }),
			wantErr: `providers.corp-sso.flow: must be "authorization_code" or "device_code"`},
		{name: "missing flow", prov: "corp-sso", s: with(func(s *Settings) { s.Flow = "" }), wantErr: "providers.corp-sso.flow: missing"},
		{name: "missing tokenUrl", prov: "corp-sso", s: with(func(s *Settings) { s.TokenURL = "" }), wantErr: "providers.corp-sso.tokenUrl: missing"},
		{name: "missing clientId", prov: "corp-sso", s: with(func(s *Settings) { s.ClientID = "" }), wantErr: "providers.corp-sso.clientId: missing"},
		{name: "missing authUrl", prov: "corp-sso", s: with(func(s *Settings) { s.AuthURL = "" }), wantErr: "providers.corp-sso.authUrl: missing"},
		{name: "device without deviceCodeUrl", prov: "corp-sso", s: with(func(s *Settings) { s.Flow = FlowDeviceCode }), wantErr: "providers.corp-sso.deviceCodeUrl: missing"},
		{name: "bad authStyle", prov: "corp-sso", s: with(func(s *Settings) { s.AuthStyle = "basic" }),
			wantErr: `providers.corp-sso.authStyle: must be "params", "header" or "both"`},
		{name: "relative URL", prov: "corp-sso", s: with(func(s *Settings) { s.TokenURL = "/token" }), wantErr: "providers.corp-sso.tokenUrl:"},
		{name: "plain http to a remote host", prov: "corp-sso", s: with(func(s *Settings) { s.TokenURL = "http://sso.example.com/t" }), wantErr: "providers.corp-sso.tokenUrl: \"http://sso.example.com/t\": plain http"},
		{name: "reserved auth param", prov: "corp-sso", s: with(func(s *Settings) { s.ExtraAuthParams = map[string]string{"state": "x"} }), wantErr: "providers.corp-sso.extraAuthParams.state"},
		{name: "scope with a space", prov: "corp-sso", s: with(func(s *Settings) { s.Scopes = []string{"openid email"} }), wantErr: "providers.corp-sso.scopes[0]"},
		{name: "built-in prefix", prov: "corp-sso", s: with(func(s *Settings) { s.FilePrefix = "gemini" }), wantErr: "providers.corp-sso.filePrefix"},
		{name: "bad name", prov: "Corp SSO", s: good, wantErr: "providers.Corp SSO: a provider name"},
		{name: "alias of a built-in", prov: "gemini", s: Settings{}, wantErr: "use providers.gemini-cli"},
		{name: "built-in flow change", prov: "qwen", s: Settings{Flow: FlowAuthorizationCode}, wantErr: `providers.qwen.flow: qwen supports only "device_code"`},
		{name: "bad project url", prov: "antigravity", s: Settings{ProjectURLs: []string{"ftp://x"}}, wantErr: "providers.antigravity.projectUrls[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.s.Validate(tt.prov)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	off := false
	reg := newRegistry(t, regOpts{settings: map[string]Settings{
		"corp-sso": {Flow: FlowAuthorizationCode, AuthURL: "https://sso/a", TokenURL: "https://sso/t", ClientID: "c", FilePrefix: "corp"},
		"devco":    {Flow: FlowDeviceCode, DeviceCodeURL: "https://d/d", TokenURL: "https://d/t", ClientID: "c"},
		"gemini-cli": {TokenURL: "https://proxy.example.com/token", PKCE: &off,
			ExtraAuthParams: map[string]string{"prompt": "select_account"}},
	}})
	if got, want := reg.Names(), []string{"antigravity", "claude", "codex", "corp-sso", "devco", "gemini-cli", "iflow", "qwen"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names %v, want %v", got, want)
	}
	if got, want := reg.Generic(), map[string]string{"corp-sso": "corp", "devco": "devco"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Generic %v, want %v", got, want)
	}
	s, _ := reg.Settings("gemini")
	if s.TokenURL != "https://proxy.example.com/token" || s.AuthURL != builtinDefaults["gemini-cli"].AuthURL || s.pkce() ||
		!reflect.DeepEqual(s.ExtraAuthParams, map[string]string{"access_type": "offline", "prompt": "select_account", "include_granted_scopes": "true"}) {
		t.Errorf("merged settings %+v", s)
	}
	if builtinDefaults["gemini-cli"].ExtraAuthParams["prompt"] != "consent" {
		t.Error("an override changed the built-in defaults")
	}
	for name, iface := range map[string]string{"corp-sso": "auth", "devco": "device", "qwen-oauth": "device", "iflow": "auth", "antigravity": "auth"} {
		p, ok := reg.Get(name)
		if !ok {
			t.Fatalf("Get(%s) missing", name)
		}
		_, isAuth := p.(AuthCodeFlow)
		_, isDevice := p.(DeviceFlow)
		if isAuth != (iface == "auth") || isDevice != (iface == "device") {
			t.Errorf("%s: auth %v device %v, want %s", name, isAuth, isDevice, iface)
		}
	}
	if _, ok := reg.Get("mystery"); ok {
		t.Error("unknown provider found")
	}
	if _, err := NewRegistry(RegistryOptions{Settings: map[string]Settings{"x": {Flow: "bad"}}}); err == nil {
		t.Error("NewRegistry accepted bad settings")
	}
	if _, err := NewRegistry(RegistryOptions{Settings: map[string]Settings{
		"a": {Flow: FlowAuthorizationCode, AuthURL: "https://s/a", TokenURL: "https://s/t", ClientID: "c", FilePrefix: "same"},
		"b": {Flow: FlowAuthorizationCode, AuthURL: "https://s/a", TokenURL: "https://s/t", ClientID: "c", FilePrefix: "same"},
	}}); err == nil || !strings.Contains(err.Error(), "providers.b.filePrefix") {
		t.Errorf("duplicate prefix: %v", err)
	}
}

// TestNoTokenInErrors drives every error path with servers that echo what
// they received, and checks that no error text holds a secret sent.
func TestNoTokenInErrors(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request, req request) {
		all := req.Form.Encode() + " " + req.Query.Encode() + " " + req.Authorization + " " + testAccess + " " + testRefresh
		switch {
		case strings.Contains(req.Path, "getUserInfo"):
			writeJSON(w, 400, `{"success":false,"message":"bad `+all+`"}`)
		case req.Form.Get("client_id") == "10009311001":
			w.WriteHeader(500)
			_, _ = w.Write([]byte("internal error for " + all))
		case strings.Contains(req.Path, "google"):
			writeJSON(w, 200, `{"token":"`+newAccess+`","refresh":"`+newRefresh+`","echo":"`+testRefresh+`"}`)
		default:
			writeJSON(w, 400, `{"error":"invalid_request","error_description":"refresh token `+testRefresh+` and `+newRefresh+` with `+testSecret+` rejected"}`)
		}
	}
	srv := newRecorder(t, echo)
	reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), env: allSecrets()})
	var errs []error
	for _, name := range reg.Names() {
		p, _ := reg.Get(name)
		_, err := p.Refresh(context.Background(), testFile(name))
		errs = append(errs, err)
		if ac, ok := p.(AuthCodeFlow); ok {
			_, err = ac.Exchange(context.Background(), "code", "verifier", "http://127.0.0.1:1/cb")
			errs = append(errs, err)
		}
		if ai, ok := p.(AccountIdentifier); ok {
			_, err = ai.Account(context.Background(), tokenUpdate(testAccess))
			errs = append(errs, err)
		}
	}
	p, _ := reg.Get("iflow")
	_, err := p.(Enricher).Enrich(context.Background(), testAccess)
	errs = append(errs, err)

	// Network failure: the getUserInfo URL carries the access token.
	srv.Close()
	_, err = p.(Enricher).Enrich(context.Background(), testAccess)
	errs = append(errs, err)
	_, err = p.Refresh(context.Background(), testFile("iflow"))
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		checkNoSecrets(t, err.Error())
		for u := err; u != nil; {
			checkNoSecrets(t, u.Error())
			w, ok := u.(interface{ Unwrap() error })
			if !ok {
				break
			}
			u = w.Unwrap()
		}
	}
}

func TestScrub(t *testing.T) {
	tests := []struct{ in, want string }{
		{"see https://daily-cloudcode-pa.sandbox.googleapis.com now", "see https://daily-cloudcode-pa.sandbox.googleapis.com now"},
		{"token ya29.a0AfB_byC1234567890abcdefXYZ was bad", "token ya29… was bad"},
		{"Invalid refresh token or client_id", "Invalid refresh token or client_id"},
		{"sent " + testRefresh, "sent rt-T…"},
	}
	for _, tt := range tests {
		if got := scrub(tt.in, []string{testRefresh}); got != tt.want {
			t.Errorf("scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

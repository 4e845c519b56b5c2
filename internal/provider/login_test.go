package provider

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestQwenDeviceFlow(t *testing.T) {
	var challenge string
	polls := []string{
		`{"error":"authorization_pending"}`,
		`{"error":"slow_down"}`,
		`{"access_token":"` + newAccess + `","refresh_token":"` + newRefresh + `","token_type":"Bearer","expires_in":21600,"resource_url":"portal.qwen.ai"}`,
	}
	n := 0
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		switch req.Path {
		case "/qwen/device/code":
			challenge = req.Form.Get("code_challenge")
			writeJSON(w, 200, `{"device_code":"dc-1","user_code":"ABCD-1234","verification_uri":"https://chat.qwen.ai/authorize","verification_uri_complete":"https://chat.qwen.ai/authorize?user_code=ABCD-1234","expires_in":300,"interval":2}`)
		case "/qwen/token":
			status := 400
			if n == len(polls)-1 {
				status = 200
			}
			writeJSON(w, status, polls[n])
			n++
		}
	})
	clock := newFakeClock()
	reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), clock: clock})
	p, _ := reg.Get("qwen")
	df, ok := p.(DeviceFlow)
	if !ok {
		t.Fatal("qwen is not a DeviceFlow")
	}
	if _, ok := p.(AuthCodeFlow); ok {
		t.Error("qwen must not offer an authorization-code flow")
	}
	da, err := df.StartDevice(context.Background())
	if err != nil {
		t.Fatalf("StartDevice: %v", err)
	}
	want := &DeviceAuth{DeviceCode: "dc-1", UserCode: "ABCD-1234", VerificationURI: "https://chat.qwen.ai/authorize",
		VerificationURIComplete: "https://chat.qwen.ai/authorize?user_code=ABCD-1234&client=qwen-code",
		ExpiresAt:               testNow.Add(5 * time.Minute), Interval: 2 * time.Second, Verifier: da.Verifier}
	if !reflect.DeepEqual(da, want) {
		t.Errorf("DeviceAuth\n got %+v\nwant %+v", da, want)
	}
	u, err := df.PollDevice(context.Background(), da)
	if err != nil {
		t.Fatalf("PollDevice: %v", err)
	}
	if u.AccessToken != newAccess || u.RefreshToken != newRefresh || u.Extra["resource_url"] != "https://portal.qwen.ai" {
		t.Errorf("update %+v", u)
	}
	if got, want := clock.Sleeps(), []time.Duration{2 * time.Second, 2 * time.Second, 7 * time.Second}; !reflect.DeepEqual(got, want) {
		t.Errorf("poll waits %v, want %v (slow_down adds 5 s)", got, want)
	}
	reqs := srv.Requests()
	dev := reqs[0]
	if dev.Method != http.MethodPost || dev.Accept != "application/json" || formKeys(dev.Form) != "client_id,code_challenge,code_challenge_method,scope" ||
		dev.Form.Get("code_challenge_method") != "S256" || dev.Form.Get("scope") != "openid profile email model.completion" ||
		dev.Form.Get("client_id") != builtinDefaults["qwen"].ClientID {
		t.Errorf("device code request %+v", dev.Form)
	}
	if challenge != oauth2.S256ChallengeFromVerifier(da.Verifier) {
		t.Errorf("code_challenge does not match the verifier")
	}
	for _, poll := range reqs[1:] {
		if formKeys(poll.Form) != "client_id,code_verifier,device_code,grant_type" ||
			poll.Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:device_code" ||
			poll.Form.Get("device_code") != "dc-1" || poll.Form.Get("code_verifier") != da.Verifier || poll.Authorization != "" {
			t.Errorf("poll request %v", poll.Form)
		}
	}
}

func TestDeviceFlowEnds(t *testing.T) {
	tests := []struct {
		name     string
		answer   string
		sentinel error
	}{
		{"denied", `{"error":"access_denied"}`, ErrAccessDenied},
		{"expired", `{"error":"expired_token"}`, ErrDeviceExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
				writeJSON(w, 400, tt.answer)
			})
			reg := newRegistry(t, regOpts{settings: endpoints(srv.URL)})
			p, _ := reg.Get("qwen")
			_, err := p.(DeviceFlow).PollDevice(context.Background(), &DeviceAuth{DeviceCode: "dc", Interval: time.Second, ExpiresAt: testNow.Add(time.Minute)})
			if !errors.Is(err, tt.sentinel) || ClassOf(err) != Permanent {
				t.Errorf("got %v, want %v", err, tt.sentinel)
			}
		})
	}
	t.Run("local expiry while pending", func(t *testing.T) {
		srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
			writeJSON(w, 400, `{"error":"authorization_pending"}`)
		})
		clock := newFakeClock()
		reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), clock: clock})
		p, _ := reg.Get("qwen")
		_, err := p.(DeviceFlow).PollDevice(context.Background(), &DeviceAuth{DeviceCode: "dc", Interval: 5 * time.Second, ExpiresAt: testNow.Add(20 * time.Second)})
		if !errors.Is(err, ErrDeviceExpired) {
			t.Errorf("got %v, want ErrDeviceExpired", err)
		}
		if len(srv.Requests()) != 3 {
			t.Errorf("polled %d times, want 3", len(srv.Requests()))
		}
	})
}

func TestAuthCodeURL(t *testing.T) {
	reg := newRegistry(t, regOpts{settings: map[string]Settings{
		"corp": {Flow: FlowAuthorizationCode, AuthURL: "https://sso.example.com/authorize?tenant=t1", TokenURL: "https://sso.example.com/token",
			ClientID: "corp-id", Scopes: []string{"openid", "offline_access"}, PKCE: boolPtr(false), ExtraAuthParams: map[string]string{"prompt": "login"}},
		"antigravity": {ExtraAuthParams: map[string]string{"hd": "example.com"}},
	}})
	const redirect = "http://127.0.0.1:38421/oauth2callback"
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		provider string
		hint     string
		prefix   string
		want     url.Values
	}{
		{provider: "gemini-cli", hint: "dev@gmail.com", prefix: "https://accounts.google.com/o/oauth2/v2/auth?", want: url.Values{
			"response_type": {"code"}, "client_id": {builtinDefaults["gemini-cli"].ClientID}, "redirect_uri": {redirect},
			"scope": {strings.Join(googleScopes, " ")}, "state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
			"code_challenge_method": {"S256"}, "access_type": {"offline"}, "prompt": {"consent"}, "include_granted_scopes": {"true"},
			"login_hint": {"dev@gmail.com"},
		}},
		{provider: "antigravity", prefix: "https://accounts.google.com/o/oauth2/v2/auth?", want: url.Values{
			"response_type": {"code"}, "client_id": {builtinDefaults["antigravity"].ClientID}, "redirect_uri": {redirect},
			"scope": {strings.Join(builtinDefaults["antigravity"].Scopes, " ")}, "state": {"st"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
			"code_challenge_method": {"S256"}, "access_type": {"offline"}, "prompt": {"consent"}, "include_granted_scopes": {"true"}, "hd": {"example.com"},
		}},
		{provider: "iflow", hint: "ignored", prefix: "https://iflow.cn/oauth?loginMethod=phone&type=phone&redirect=", want: url.Values{
			"loginMethod": {"phone"}, "type": {"phone"}, "redirect": {redirect}, "state": {"st"}, "client_id": {"10009311001"},
		}},
		{provider: "corp", prefix: "https://sso.example.com/authorize?", want: url.Values{
			"tenant": {"t1"}, "response_type": {"code"}, "client_id": {"corp-id"}, "redirect_uri": {redirect}, "scope": {"openid offline_access"},
			"state": {"st"}, "prompt": {"login"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			p, _ := reg.Get(tt.provider)
			raw := p.(AuthCodeFlow).AuthCodeURL(redirect, "st", verifier, tt.hint)
			if !strings.HasPrefix(raw, tt.prefix) {
				t.Errorf("URL %s does not start with %s", raw, tt.prefix)
			}
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if got := u.Query(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("params\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestExchange(t *testing.T) {
	idToken := "h." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"u-1","email":"me@corp.example"}`)) + ".sig"
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		writeJSON(w, 200, `{"access_token":"`+newAccess+`","refresh_token":"`+newRefresh+`","expires_in":3600,"token_type":"Bearer","id_token":"`+idToken+`"}`)
	})
	settings := endpoints(srv.URL)
	settings["corp"] = Settings{Flow: FlowAuthorizationCode, AuthURL: srv.URL + "/corp/auth", TokenURL: srv.URL + "/corp/token", ClientID: "corp-id"}
	reg := newRegistry(t, regOpts{settings: settings, env: allSecrets()})
	const redirect = "http://127.0.0.1:38421/oauth2callback"
	verifier := oauth2.GenerateVerifier()
	tests := []struct {
		provider  string
		wantForm  string
		verifier  bool
		wantBasic string
	}{
		{provider: "gemini-cli", wantForm: "client_id,client_secret,code,code_verifier,grant_type,redirect_uri", verifier: true},
		{provider: "antigravity", wantForm: "client_id,client_secret,code,code_verifier,grant_type,redirect_uri", verifier: true},
		{provider: "iflow", wantForm: "client_id,client_secret,code,grant_type,redirect_uri", wantBasic: basic("10009311001", testSecret)},
		{provider: "corp", wantForm: "client_id,code,code_verifier,grant_type,redirect_uri", verifier: true},
	}
	for i, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			p, _ := reg.Get(tt.provider)
			u, err := p.(AuthCodeFlow).Exchange(context.Background(), "code-1", verifier, redirect)
			if err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			if u.AccessToken != newAccess || u.RefreshToken != newRefresh || !u.ExpiresAt.Equal(testNow.Add(time.Hour)) {
				t.Errorf("update %+v", u)
			}
			req := srv.Requests()[i]
			if req.Method != http.MethodPost || req.Accept != "application/json" || formKeys(req.Form) != tt.wantForm ||
				req.Form.Get("grant_type") != "authorization_code" || req.Form.Get("code") != "code-1" || req.Form.Get("redirect_uri") != redirect {
				t.Errorf("exchange request %s %v", req.Method, req.Form)
			}
			if tt.verifier && req.Form.Get("code_verifier") != verifier {
				t.Errorf("code_verifier not sent")
			}
			if req.Authorization != tt.wantBasic {
				t.Errorf("Authorization %q, want %q", req.Authorization, tt.wantBasic)
			}
			if tt.provider == "corp" {
				acc, err := p.(AccountIdentifier).Account(context.Background(), u)
				if err != nil || acc != (Account{Email: "me@corp.example", ID: "u-1"}) {
					t.Errorf("id_token account %+v, %v", acc, err)
				}
			}
		})
	}
}

func TestAccount(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		switch req.Path {
		case "/google/userinfo", "/corp/userinfo":
			if req.Authorization != "Bearer "+testAccess {
				writeJSON(w, 401, `{"error":"invalid_token"}`)
				return
			}
			writeJSON(w, 200, `{"id":"g-1","sub":"s-1","email":"dev@gmail.com","verified_email":true}`)
		case "/iflow/getUserInfo":
			writeJSON(w, 200, `{"success":true,"data":{"apiKey":"sk-1","email":"","phone":"13800000000"}}`)
		}
	})
	settings := endpoints(srv.URL)
	settings["corp"] = Settings{Flow: FlowDeviceCode, DeviceCodeURL: srv.URL + "/corp/device", TokenURL: srv.URL + "/corp/token", UserInfoURL: srv.URL + "/corp/userinfo", ClientID: "c"}
	reg := newRegistry(t, regOpts{settings: settings, env: allSecrets()})
	tests := []struct {
		provider string
		want     Account
	}{
		{"gemini-cli", Account{Email: "dev@gmail.com", ID: "g-1"}},
		{"antigravity", Account{Email: "dev@gmail.com", ID: "g-1"}},
		{"iflow", Account{Email: "13800000000", ID: "13800000000"}},
		{"corp", Account{Email: "dev@gmail.com", ID: "g-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			p, _ := reg.Get(tt.provider)
			acc, err := p.(AccountIdentifier).Account(context.Background(), tokenUpdate(testAccess))
			if err != nil || acc != tt.want {
				t.Errorf("got %+v, %v; want %+v", acc, err, tt.want)
			}
		})
	}
	p, _ := reg.Get("gemini-cli")
	_, err := p.(AccountIdentifier).Account(context.Background(), tokenUpdate("wrong-token"))
	if ClassOf(err) != Permanent {
		t.Errorf("401 userinfo: %v", err)
	}
}

func TestAntigravityProject(t *testing.T) {
	tests := []struct {
		name    string
		answers map[string]func(w http.ResponseWriter)
		want    string
		wantErr bool
		tried   []string
	}{
		{name: "falls back to the second base, object form", answers: map[string]func(http.ResponseWriter){
			"/b1/v1internal:loadCodeAssist": func(w http.ResponseWriter) { writeJSON(w, 500, `{"error":{"code":500}}`) },
			"/b2/v1internal:loadCodeAssist": func(w http.ResponseWriter) { writeJSON(w, 200, `{"cloudaicompanionProject":{"id":"proj-obj"}}`) },
		}, want: "proj-obj", tried: []string{"/b1/v1internal:loadCodeAssist", "/b2/v1internal:loadCodeAssist"}},
		{name: "string form on the first base", answers: map[string]func(http.ResponseWriter){
			"/b1/v1internal:loadCodeAssist": func(w http.ResponseWriter) { writeJSON(w, 200, `{"cloudaicompanionProject":"proj-str"}`) },
		}, want: "proj-str", tried: []string{"/b1/v1internal:loadCodeAssist"}},
		{name: "no project anywhere", answers: map[string]func(http.ResponseWriter){
			"/b1/v1internal:loadCodeAssist": func(w http.ResponseWriter) { writeJSON(w, 200, `{}`) },
			"/b2/v1internal:loadCodeAssist": func(w http.ResponseWriter) { writeJSON(w, 403, `{"error":{"message":"denied"}}`) },
			"/b3/v1internal:loadCodeAssist": func(w http.ResponseWriter) { writeJSON(w, 200, `{"cloudaicompanionProject":null}`) },
		}, wantErr: true, tried: []string{"/b1/v1internal:loadCodeAssist", "/b2/v1internal:loadCodeAssist", "/b3/v1internal:loadCodeAssist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
				if h, ok := tt.answers[req.Path]; ok {
					h(w)
					return
				}
				writeJSON(w, 404, `{}`)
			})
			reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), env: allSecrets()})
			p, _ := reg.Get("antigravity")
			got, err := p.(ProjectFinder).Project(context.Background(), testAccess)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("got %q, %v; want %q", got, err, tt.want)
			}
			var tried []string
			for _, req := range srv.Requests() {
				tried = append(tried, req.Path)
				if req.Method != http.MethodPost || req.Authorization != "Bearer "+testAccess || req.ContentType != "application/json" ||
					req.Body != `{"metadata":{"ideType":"ANTIGRAVITY","platform":"PLATFORM_UNSPECIFIED","pluginType":"GEMINI"}}` {
					t.Errorf("bad loadCodeAssist request %+v", req)
				}
			}
			if !reflect.DeepEqual(tried, tt.tried) {
				t.Errorf("tried %v, want %v", tried, tt.tried)
			}
		})
	}
}

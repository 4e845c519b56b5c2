package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/tokenfile"
)

func TestRefreshWireFormat(t *testing.T) {
	tests := []struct {
		name      string
		provider  string
		settings  func(base string) map[string]Settings
		path      string
		answer    string
		wantForm  string // sorted keys
		wantID    string
		secretIn  bool // client_secret in the body
		wantBasic string
		want      tokenfile.Update
	}{
		{
			name: "qwen public client, rotation, resource_url", provider: "qwen", path: "/qwen/token",
			answer:   `{"access_token":"` + newAccess + `","refresh_token":"` + newRefresh + `","token_type":"Bearer","expires_in":21600,"resource_url":"portal.qwen.ai"}`,
			wantForm: "client_id,grant_type,refresh_token", wantID: "f0304373b74a44d2b584a3fb70ca9e56",
			want: tokenfile.Update{AccessToken: newAccess, RefreshToken: newRefresh, TokenType: "Bearer", ExpiresIn: 21600,
				ExpiresAt: testNow.Add(21600 * time.Second), Extra: map[string]any{"resource_url": "https://portal.qwen.ai"}},
		},
		{
			name: "iflow credentials in body and Basic", provider: "iflow", path: "/iflow/token",
			answer:   `{"access_token":"` + newAccess + `","refresh_token":"` + newRefresh + `","token_type":"bearer","expires_in":"172800","scope":"openid profile email api"}`,
			wantForm: "client_id,client_secret,grant_type,refresh_token", wantID: "10009311001", secretIn: true,
			wantBasic: basic("10009311001", testSecret),
			want:      tokenfile.Update{AccessToken: newAccess, RefreshToken: newRefresh, TokenType: "bearer", ExpiresIn: 172800, ExpiresAt: testNow.Add(48 * time.Hour)},
		},
		{
			name: "gemini-cli keeps the refresh token", provider: "gemini-cli", path: "/google/token",
			answer:   `{"access_token":"` + newAccess + `","token_type":"Bearer","expires_in":3599,"scope":"x"}`,
			wantForm: "client_id,client_secret,grant_type,refresh_token", wantID: builtinDefaults["gemini-cli"].ClientID, secretIn: true,
			want: tokenfile.Update{AccessToken: newAccess, TokenType: "Bearer", ExpiresIn: 3599, ExpiresAt: testNow.Add(3599 * time.Second)},
		},
		{
			name: "antigravity", provider: "antigravity", path: "/google/token",
			answer:   `{"access_token":"` + newAccess + `","refresh_token":"` + testRefresh + `","expires_in":3599}`,
			wantForm: "client_id,client_secret,grant_type,refresh_token", wantID: builtinDefaults["antigravity"].ClientID, secretIn: true,
			want: tokenfile.Update{AccessToken: newAccess, ExpiresIn: 3599, ExpiresAt: testNow.Add(3599 * time.Second)},
		},
		{
			name: "generic params", provider: "corp", path: "/corp/token",
			settings: func(base string) map[string]Settings {
				return map[string]Settings{"corp": {Flow: FlowAuthorizationCode, AuthURL: base + "/corp/auth", TokenURL: base + "/corp/token", ClientID: "corp-id", ClientSecret: testSecret, AuthStyle: AuthStyleParams}}
			},
			answer:   `{"access_token":"` + newAccess + `","expires_in":600,"id_token":"a.b.c"}`,
			wantForm: "client_id,client_secret,grant_type,refresh_token", wantID: "corp-id", secretIn: true,
			want: tokenfile.Update{AccessToken: newAccess, ExpiresIn: 600, ExpiresAt: testNow.Add(600 * time.Second), Extra: map[string]any{"id_token": "a.b.c"}},
		},
		{
			name: "generic header, no expires_in", provider: "corp", path: "/corp/token",
			settings: func(base string) map[string]Settings {
				return map[string]Settings{"corp": {Flow: FlowDeviceCode, DeviceCodeURL: base + "/corp/device", TokenURL: base + "/corp/token", ClientID: "corp id", ClientSecret: "s&cret", AuthStyle: AuthStyleHeader}}
			},
			answer:    `{"access_token":"` + newAccess + `"}`,
			wantForm:  "grant_type,refresh_token",
			wantBasic: basic("corp+id", "s%26cret"),
			want:      tokenfile.Update{AccessToken: newAccess, ExpiresIn: defaultExpiresIn, ExpiresAt: testNow.Add(time.Hour)},
		},
		{
			name: "generic both", provider: "corp", path: "/corp/token",
			settings: func(base string) map[string]Settings {
				return map[string]Settings{"corp": {Flow: FlowAuthorizationCode, AuthURL: base + "/a", TokenURL: base + "/corp/token", ClientID: "cid", ClientSecret: testSecret, AuthStyle: AuthStyleBoth}}
			},
			answer:   `{"access_token":"` + newAccess + `","expires_in":60}`,
			wantForm: "client_id,client_secret,grant_type,refresh_token", wantID: "cid", secretIn: true, wantBasic: basic("cid", testSecret),
			want: tokenfile.Update{AccessToken: newAccess, ExpiresIn: 60, ExpiresAt: testNow.Add(time.Minute)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
				writeJSON(w, 200, tt.answer)
			})
			settings := endpoints(srv.URL)
			if tt.settings != nil {
				settings = tt.settings(srv.URL)
			}
			reg := newRegistry(t, regOpts{settings: settings, env: allSecrets()})
			p, ok := reg.Get(tt.provider)
			if !ok {
				t.Fatalf("no provider %s", tt.provider)
			}
			got, err := p.Refresh(context.Background(), testFile(tt.provider))
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("update\n got %+v\nwant %+v", got, tt.want)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("got %d requests, want 1", len(reqs))
			}
			req := reqs[0]
			if req.Method != http.MethodPost || req.Path != tt.path {
				t.Errorf("request %s %s, want POST %s", req.Method, req.Path, tt.path)
			}
			if req.ContentType != "application/x-www-form-urlencoded" || req.Accept != "application/json" {
				t.Errorf("Content-Type %q Accept %q", req.ContentType, req.Accept)
			}
			if k := formKeys(req.Form); k != tt.wantForm {
				t.Errorf("form keys %s, want %s", k, tt.wantForm)
			}
			if req.Form.Get("grant_type") != "refresh_token" || req.Form.Get("refresh_token") != testRefresh {
				t.Errorf("grant_type/refresh_token wrong")
			}
			if tt.wantID != "" && req.Form.Get("client_id") != tt.wantID {
				t.Errorf("client_id %q, want %q", req.Form.Get("client_id"), tt.wantID)
			}
			if tt.secretIn && req.Form.Get("client_secret") != testSecret {
				t.Errorf("client_secret missing from the body")
			}
			if req.Authorization != tt.wantBasic {
				t.Errorf("Authorization %q, want %q", req.Authorization, tt.wantBasic)
			}
		})
	}
}

// rotatingServer is a qwen token endpoint that invalidates each refresh
// token when it issues the next one.
func TestQwenRotation(t *testing.T) {
	var mu sync.Mutex
	current, n := testRefresh, 0
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		mu.Lock()
		defer mu.Unlock()
		if req.Form.Get("refresh_token") != current {
			writeJSON(w, 400, `{"error":"invalid_grant","error_description":"refresh token `+req.Form.Get("refresh_token")+` was already used"}`)
			return
		}
		n++
		current = fmt.Sprintf("rt-TESTSECRET-rotated-%04d", n)
		writeJSON(w, 200, fmt.Sprintf(`{"access_token":"at-%d","refresh_token":%q,"expires_in":21600,"resource_url":"portal.qwen.ai"}`, n, current))
	})
	reg := newRegistry(t, regOpts{settings: endpoints(srv.URL)})
	p, _ := reg.Get("qwen")
	f := testFile("qwen")

	u, err := p.Refresh(context.Background(), f)
	if err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	if u.RefreshToken != "rt-TESTSECRET-rotated-0001" {
		t.Fatalf("rotated refresh token not returned: %q", u.RefreshToken)
	}
	// Refreshing again with the old (now invalid) token is permanent.
	_, err = p.Refresh(context.Background(), f)
	var pe *Error
	if !errors.As(err, &pe) || pe.Class != Permanent || pe.Code != "invalid_grant" {
		t.Fatalf("refresh with the old token: %v, want permanent invalid_grant", err)
	}
	checkNoSecrets(t, err.Error())
	if strings.Contains(err.Error(), testRefresh[:12]+testRefresh[12:]) {
		t.Errorf("echoed refresh token not scrubbed: %s", err)
	}
	// With the new token it works.
	f.RefreshToken = u.RefreshToken
	if _, err := p.Refresh(context.Background(), f); err != nil {
		t.Fatalf("refresh with the rotated token: %v", err)
	}
}

func TestRefreshErrorClassification(t *testing.T) {
	date := testNow.Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name       string
		provider   string
		status     int
		header     map[string]string
		body       string
		class      Class
		code       string
		retryAfter time.Duration
		msgHas     string
	}{
		{name: "invalid_grant", provider: "gemini-cli", status: 400, body: `{"error":"invalid_grant","error_description":"Token has been expired or revoked."}`, class: Permanent, code: "invalid_grant"},
		{name: "invalid_client", provider: "gemini-cli", status: 401, body: `{"error":"invalid_client","error_description":"The OAuth client was not found."}`, class: Misconfigured, code: "invalid_client", msgHas: "tokenDaemon.providers.gemini-cli.clientId"},
		{name: "unauthorized_client", provider: "iflow", status: 400, body: `{"error":"unauthorized_client"}`, class: Misconfigured, code: "unauthorized_client", msgHas: "ROUTECODEX_IFLOW_CLIENT_SECRET"},
		{name: "qwen invalid_request refresh token", provider: "qwen", status: 400, body: `{"error":"invalid_request","error_description":"Invalid refresh token or client_id"}`, class: Permanent, code: "invalid_request"},
		{name: "invalid_request other", provider: "qwen", status: 400, body: `{"error":"invalid_request","error_description":"missing parameter: scope"}`, class: Transient, code: "invalid_request"},
		{name: "plain 401", provider: "qwen", status: 401, body: `Unauthorized`, class: Permanent, msgHas: "HTTP 401"},
		{name: "500", provider: "qwen", status: 500, body: `{"error":"server_error"}`, class: Transient, code: "server_error"},
		{name: "502 html", provider: "gemini-cli", status: 502, body: "<html><body>Bad gateway</body></html>", class: Transient, msgHas: "Bad gateway"},
		{name: "503 retry-after", provider: "gemini-cli", status: 503, header: map[string]string{"Retry-After": "30"}, body: ``, class: Transient, retryAfter: 30 * time.Second},
		{name: "429 seconds", provider: "qwen", status: 429, header: map[string]string{"Retry-After": "120"}, body: `{"error":"rate_limited"}`, class: Transient, code: "rate_limited", retryAfter: 2 * time.Minute},
		{name: "429 http-date", provider: "qwen", status: 429, header: map[string]string{"Retry-After": date}, body: `slow down`, class: Transient, retryAfter: 90 * time.Second},
		{name: "200 not a token", provider: "gemini-cli", status: 200, body: `{"data":{"access_token":"` + newAccess + `"}}`, class: Transient, msgHas: "not a token"},
		{name: "200 not json", provider: "gemini-cli", status: 200, body: `ok`, class: Transient, msgHas: "not a token"},
		{name: "200 with an error code", provider: "gemini-cli", status: 200, body: `{"error":"invalid_grant"}`, class: Permanent, code: "invalid_grant"},
		{name: "iflow busy 500", provider: "iflow", status: 500, body: `{"success":false,"message":"当前找我聊的人太多了，请稍后再试"}`, class: Transient, msgHas: "当前找我聊的人太多了"},
		{name: "iflow busy 200", provider: "iflow", status: 200, body: `{"success":false,"message":"当前找我聊的人太多了，请稍后再试"}`, class: Transient, msgHas: "server busy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			})
			reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), env: allSecrets()})
			p, _ := reg.Get(tt.provider)
			_, err := p.Refresh(context.Background(), testFile(tt.provider))
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *Error", err)
			}
			if pe.Class != tt.class || pe.Code != tt.code || pe.StatusCode != tt.status || pe.RetryAfter != tt.retryAfter {
				t.Errorf("got class %v code %q status %d retryAfter %v, want %v %q %d %v",
					pe.Class, pe.Code, pe.StatusCode, pe.RetryAfter, tt.class, tt.code, tt.status, tt.retryAfter)
			}
			if ClassOf(fmt.Errorf("refresh x: %w", err)) != tt.class || RetryAfterOf(fmt.Errorf("w: %w", err)) != tt.retryAfter {
				t.Errorf("ClassOf/RetryAfterOf through wrapping disagree")
			}
			if !strings.Contains(err.Error(), tt.msgHas) {
				t.Errorf("message %q lacks %q", err, tt.msgHas)
			}
			checkNoSecrets(t, err.Error())
		})
	}
}

func TestRefreshSlowServerTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	reg := newRegistry(t, regOpts{settings: endpoints(srv.URL)})
	p, _ := reg.Get("qwen")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Refresh(ctx, testFile("qwen"))
	if ClassOf(err) != Transient || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v (class %v), want a transient deadline error", err, ClassOf(err))
	}
	checkNoSecrets(t, err.Error())
}

func TestRefreshNetworkErrorIsTransient(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {})
	base := srv.URL
	srv.Close() // nothing listens any more
	reg := newRegistry(t, regOpts{settings: endpoints(base)})
	p, _ := reg.Get("qwen")
	_, err := p.Refresh(context.Background(), testFile("qwen"))
	if ClassOf(err) != Transient || err == nil {
		t.Fatalf("got %v, want transient", err)
	}
	checkNoSecrets(t, err.Error())
}

func TestRefreshWithoutRefreshTokenIsPermanent(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		t.Errorf("no request expected")
	})
	reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), env: allSecrets()})
	for _, name := range reg.Names() {
		p, _ := reg.Get(name)
		f := testFile(name)
		f.RefreshToken = ""
		if _, err := p.Refresh(context.Background(), f); ClassOf(err) != Permanent || err == nil {
			t.Errorf("%s: got %v, want permanent", name, err)
		}
	}
}

package provider

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestIFlowEnrich(t *testing.T) {
	tests := []struct {
		name       string
		answers    []int // statuses before the last answer
		last       string
		wantErr    bool
		wantSleeps []time.Duration
		wantExtra  map[string]any
	}{
		{name: "first try", last: `{"success":true,"data":{"apiKey":"sk-1","email":"a@b.c","phone":"138"}}`,
			wantExtra: map[string]any{"api_key": "sk-1", "apiKey": "sk-1", "email": "a@b.c"}},
		{name: "retries 500 408 429", answers: []int{500, 408, 429}, last: `{"success":true,"data":{"apiKey":"sk-2","phone":"138"}}`,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second},
			wantExtra:  map[string]any{"api_key": "sk-2", "apiKey": "sk-2"}},
		{name: "gives up after three retries", answers: []int{502, 502, 502, 502}, wantErr: true,
			wantSleeps: []time.Duration{time.Second, 2 * time.Second, 3 * time.Second}},
		{name: "no retry on 400", answers: []int{400}, wantErr: true},
		{name: "empty api key", last: `{"success":true,"data":{"apiKey":"","email":"a@b.c"}}`, wantErr: true},
		{name: "busy", last: `{"success":false,"message":"当前找我聊的人太多了，请稍后再试"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
				defer func() { n++ }()
				if n < len(tt.answers) {
					writeJSON(w, tt.answers[n], `{"success":false,"message":"busy `+req.Query.Get("accessToken")+`"}`)
					return
				}
				writeJSON(w, 200, tt.last)
			})
			clock := newFakeClock()
			reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), env: allSecrets(), clock: clock})
			p, _ := reg.Get("iflow")
			u, err := p.(Enricher).Enrich(context.Background(), testAccess)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				checkNoSecrets(t, err.Error())
			}
			if !reflect.DeepEqual(clock.Sleeps(), tt.wantSleeps) {
				t.Errorf("sleeps %v, want %v", clock.Sleeps(), tt.wantSleeps)
			}
			if !tt.wantErr && !reflect.DeepEqual(u.Extra, tt.wantExtra) {
				t.Errorf("extra %v, want %v", u.Extra, tt.wantExtra)
			}
			if u.AccessToken != "" || u.RefreshToken != "" {
				t.Errorf("Enrich must return only extras")
			}
			for _, req := range srv.Requests() {
				if req.Method != http.MethodGet || req.Path != "/iflow/getUserInfo" || req.UserAgent != "iFlow-Cli" ||
					req.Query.Get("accessToken") != testAccess || req.Accept != "application/json" {
					t.Errorf("bad getUserInfo request %s %s UA %q query %v", req.Method, req.Path, req.UserAgent, fmt.Sprint(len(req.Query)))
				}
			}
		})
	}
}

package provider

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// Ory Hydra's answer to a refresh token used twice: the specific cause is
// its last sentence, after a long generic one.
const hydraReused = `{"error":"invalid_grant","error_description":"The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client. The refresh token was already used."}`

func TestSpecificPartOfTheDescriptionComesFirst(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request, req request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(hydraReused))
	})
	reg := newRegistry(t, regOpts{settings: endpoints(srv.URL), env: allSecrets()})
	p, _ := reg.Get("gemini-cli")
	_, err := p.Refresh(context.Background(), testFile("gemini-cli"))
	want := "gemini-cli: invalid_grant: The refresh token was already used. — The provided authorization grant (e.g., authorization code"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), "another client. (HTTP 400)") {
		t.Errorf("error %q, want it to start %q and keep the generic part after it", err, want)
	}
	if ClassOf(err) != Permanent {
		t.Errorf("class %v", ClassOf(err))
	}
}

func TestSplitSentences(t *testing.T) {
	for in, want := range map[string]int{
		"Token has been expired or revoked.":                       1,
		"One. Two.":                                                2,
		"See e.g. The manual. Then this":                           2,
		"Bad client (e.g., wrong secret). The client was deleted.": 2,
		"version 1.2 Is fine":                                      1,
		"":                                                         0,
	} {
		if got := splitSentences(in); len(got) != want {
			t.Errorf("splitSentences(%q) = %q, want %d sentences", in, got, want)
		}
	}
}

package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
)

type noTransfer struct{}

func (noTransfer) Export(context.Context, i18n.Lang, ExportRequest) (ExportResult, error) {
	return ExportResult{}, nil
}

func (noTransfer) Import(context.Context, i18n.Lang, ImportRequest) (ImportResult, error) {
	return ImportResult{}, nil
}

// The upload's refusals are worded in the page's language.
func TestUploadErrorsWorded(t *testing.T) {
	post := func(h http.Handler, ctype string, body []byte) (int, string) {
		ts := httptest.NewServer(h)
		defer ts.Close()
		resp, err := http.Post(ts.URL+"/ui/api/import", ctype, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	with := New(Options{Lang: i18n.ZH, CSRF: "csrf-token", Heartbeat: time.Hour, Transfer: noTransfer{}})
	without := New(Options{Lang: i18n.ZH, CSRF: "csrf-token", Heartbeat: time.Hour})
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("passphrase", "x")
	_ = mw.Close()
	var big bytes.Buffer
	mb := multipart.NewWriter(&big)
	fw, _ := mb.CreateFormFile("bundle", "b.age")
	_, _ = fw.Write(bytes.Repeat([]byte("x"), maxBundle+1))
	_ = mb.Close()
	for _, c := range []struct {
		name  string
		h     http.Handler
		ctype string
		body  []byte
		code  int
	}{
		{"not a form", with, "application/json", []byte("{}"), 400},
		{"no bundle", with, mw.FormDataContentType(), form.Bytes(), 400},
		{"too large", with, mb.FormDataContentType(), big.Bytes(), 400},
		{"not here", without, mw.FormDataContentType(), form.Bytes(), 501},
	} {
		code, body := post(c.h, c.ctype, c.body)
		if code != c.code || !strings.ContainsFunc(body, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) ||
			strings.Contains(body, "bad upload") || strings.Contains(body, "give the") || strings.Contains(body, "too large") || strings.Contains(body, "not available") {
			t.Errorf("%s: %d %.200s", c.name, code, body)
		}
	}
}

package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

// Export (download) and import (upload) of bundles (DESIGN.md section
// 13), behind the same guard as every action: session cookie, Host check,
// CSRF token in X-CSRF-Token.

// Transfer exports and imports bundles; the CLI wiring implements it.
// Errors that are the user's (a wrong passphrase, a damaged bundle) are a
// *UserError, worded in lang.
type Transfer interface {
	Export(ctx context.Context, lang i18n.Lang, req ExportRequest) (ExportResult, error)
	Import(ctx context.Context, lang i18n.Lang, req ImportRequest) (ImportResult, error)
}

// ExportRequest is the body of POST /ui/api/export.
type ExportRequest struct {
	Files          []string `json:"files,omitempty"`
	All            bool     `json:"all,omitempty"`
	Passphrase     string   `json:"passphrase"`
	IncludeSecrets bool     `json:"includeSecrets,omitempty"`
	Handoff        bool     `json:"handoff,omitempty"`
}

// ExportResult is the sealed bundle and what to tell the user.
type ExportResult struct {
	Data  []byte
	Lines []string
}

// ImportRequest is the form of POST /ui/api/import.
type ImportRequest struct {
	Data       []byte
	Name       string // the uploaded file's name, for the audit log
	Passphrase string
	OnConflict string
	DryRun     bool
}

// ImportResult is an import's plan or outcome, one line per file.
type ImportResult struct {
	Lines  []string `json:"lines"`
	Failed int      `json:"failed"`
}

// UserError is a refusal to show as it is (400).
type UserError struct{ Msg string }

func (e *UserError) Error() string { return e.Msg }

// transferText are the catalog keys transfer.js uses.
var transferText = []i18n.Key{
	"web.transfer.needPassphrase", "web.transfer.mismatch", "web.transfer.needFile",
}

// maxBundle bounds an uploaded bundle.
const maxBundle = 32 << 20

func (h *Handler) mountTransfer(mux *http.ServeMux) {
	mux.HandleFunc("POST /ui/api/export", h.handleExport)
	mux.HandleFunc("POST /ui/api/import", h.handleImport)
}

func (h *Handler) transferError(w http.ResponseWriter, err error) {
	var ue *UserError
	if errors.As(err, &ue) {
		writeJSON(w, http.StatusBadRequest, ipc.ErrorBody{Error: ue.Msg})
		return
	}
	h.o.Logger.Warn("web: export or import failed", "err", err)
	writeJSON(w, http.StatusInternalServerError, ipc.ErrorBody{Error: err.Error()})
}

func (h *Handler) handleExport(w http.ResponseWriter, r *http.Request) {
	if h.o.Transfer == nil {
		writeJSON(w, http.StatusNotImplemented, ipc.ErrorBody{Error: h.tr(r, "web.transfer.exportOff")})
		return
	}
	var req ExportRequest
	if !decode(w, r, &req) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.ActionTimeout)
	defer cancel()
	res, err := h.o.Transfer.Export(ctx, h.langOf(r), req)
	if err != nil {
		h.transferError(w, err)
		return
	}
	notes, _ := json.Marshal(res.Lines)
	name := fmt.Sprintf("routecodex-tokens-%s.age", time.Now().Format("20060102-150405"))
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Export-Notes", base64.StdEncoding.EncodeToString(notes))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(res.Data)
}

func (h *Handler) handleImport(w http.ResponseWriter, r *http.Request) {
	if h.o.Transfer == nil {
		writeJSON(w, http.StatusNotImplemented, ipc.ErrorBody{Error: h.tr(r, "web.transfer.importOff")})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBundle+64<<10)
	if err := r.ParseMultipartForm(maxBundle); err != nil {
		msg := h.tr(r, "web.transfer.badUpload")
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			msg = h.tr(r, "web.transfer.tooLarge", maxBundle>>20)
		}
		writeJSON(w, http.StatusBadRequest, ipc.ErrorBody{Error: msg})
		return
	}
	defer r.MultipartForm.RemoveAll()
	file, hdr, err := r.FormFile("bundle")
	if err != nil {
		writeJSON(w, http.StatusBadRequest, ipc.ErrorBody{Error: h.tr(r, "web.transfer.needFile")})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxBundle+1))
	if err != nil || len(data) > maxBundle {
		writeJSON(w, http.StatusBadRequest, ipc.ErrorBody{Error: h.tr(r, "web.transfer.tooLarge", maxBundle>>20)})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.o.ActionTimeout)
	defer cancel()
	res, err := h.o.Transfer.Import(ctx, h.langOf(r), ImportRequest{
		Data: data, Name: hdr.Filename, Passphrase: r.PostFormValue("passphrase"),
		OnConflict: r.PostFormValue("onConflict"), DryRun: r.PostFormValue("dryRun") == "true",
	})
	if err != nil {
		h.transferError(w, err)
		return
	}
	if res.Lines == nil {
		res.Lines = []string{}
	}
	writeJSON(w, http.StatusOK, res)
}

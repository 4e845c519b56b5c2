package cli

import (
	"context"

	"github.com/routecodex/token-daemon/internal/bundle"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/logging"
	"github.com/routecodex/token-daemon/internal/termtext"
	"github.com/routecodex/token-daemon/internal/tokenfile"
	"github.com/routecodex/token-daemon/internal/transfer"
	"github.com/routecodex/token-daemon/internal/web"
)

// webTransfer is the web UI's export and import: the same steps as the
// commands, in the daemon's process, worded in the page's language.
type webTransfer struct {
	f    *Factory
	s    *Settings
	core *daemon.Daemon
}

func (w webTransfer) settings(lang i18n.Lang) *Settings {
	s := *w.s
	s.Lang = lang
	return &s
}

func (w webTransfer) Export(ctx context.Context, lang i18n.Lang, req web.ExportRequest) (web.ExportResult, error) {
	s := w.settings(lang)
	if req.Passphrase == "" {
		return web.ExportResult{}, &web.UserError{Msg: i18n.T(lang, "web.transfer.needPassphrase")}
	}
	var names, lines []string
	for _, st := range w.core.Snapshot() {
		if st.Status == tokenfile.StatusMissing || st.Status == tokenfile.StatusInvalid {
			continue
		}
		named := contains(req.Files, st.File)
		if !req.All && !named {
			continue
		}
		if st.Source != "" {
			// Another tool's file: logged in with that tool on the other
			// machine (named alone, it is an error).
			if named && !req.All {
				return web.ExportResult{}, &web.UserError{Msg: sourceNotExported(lang, st)}
			}
			lines = append(lines, sourceNotExported(lang, st))
			continue
		}
		names = append(names, st.File)
	}
	if len(names) == 0 {
		return web.ExportResult{}, &web.UserError{Msg: i18n.T(lang, i18n.ErrExportNothing)}
	}
	h := transferHome(s)
	b, exp, err := transfer.Collect(h, names, req.IncludeSecrets, w.f.Now())
	if err != nil {
		return web.ExportResult{}, &web.UserError{Msg: exportError(lang, err).Error()}
	}
	var restore func()
	if req.Handoff {
		if restore, err = handOff(ctx, w.f, lang, s, h, b, exp); err != nil {
			return web.ExportResult{}, &web.UserError{Msg: err.Error()}
		}
	}
	data, err := transfer.Seal(b, bundle.Key{Passphrase: req.Passphrase}, false)
	if err != nil {
		if restore != nil {
			restore()
		}
		return web.ExportResult{}, err
	}
	audit := openTransferAudit(s)
	defer audit.close()
	for _, e := range exp {
		audit.add(logging.TransferRecord{At: w.f.Now(), Event: "export", File: e.Name, Provider: e.Provider, Handoff: req.Handoff})
		lines = append(lines, i18n.T(lang, i18n.ExportFile, termtext.Escape(e.Name)))
		switch {
		case req.Handoff:
			lines = append(lines, i18n.T(lang, i18n.ExportHandedOff, termtext.Escape(e.Name)))
		case e.Rotating:
			lines = append(lines, i18n.T(lang, i18n.ExportForkWarning, termtext.Escape(e.Name), e.Provider))
		}
	}
	lines = append(lines, i18n.T(lang, "web.transfer.exported", len(exp)))
	return web.ExportResult{Data: data, Lines: lines}, nil
}

func (w webTransfer) Import(ctx context.Context, lang i18n.Lang, req web.ImportRequest) (web.ImportResult, error) {
	s := w.settings(lang)
	switch req.OnConflict {
	case "":
		req.OnConflict = transfer.OnConflictNewer
	case transfer.OnConflictNewer, transfer.OnConflictSkip, transfer.OnConflictRename:
	default:
		return web.ImportResult{}, &web.UserError{Msg: i18n.T(lang, i18n.ErrOnConflict, req.OnConflict)}
	}
	if req.Passphrase == "" {
		return web.ImportResult{}, &web.UserError{Msg: i18n.T(lang, "web.transfer.needPassphrase")}
	}
	name := req.Name
	if name == "" {
		name = "bundle"
	}
	b, err := openBundle(lang, termtext.Escape(name), req.Data, bundle.Key{Passphrase: req.Passphrase})
	if err != nil {
		return web.ImportResult{}, &web.UserError{Msg: err.Error()}
	}
	res, err := importBundle(ctx, w.f, s, b, "", req.OnConflict, req.DryRun)
	if err != nil {
		return web.ImportResult{}, &web.UserError{Msg: err.Error()}
	}
	var lines []string
	if req.DryRun {
		lines = append(lines, i18n.T(lang, i18n.ImportDryRun))
	}
	lines = append(lines, importLines(lang, res, req.DryRun)...)
	return web.ImportResult{Lines: lines, Failed: res.Failed}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

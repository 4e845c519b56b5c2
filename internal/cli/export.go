package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/bundle"
	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/logging"
	"github.com/routecodex/token-daemon/internal/termtext"
	"github.com/routecodex/token-daemon/internal/tokenfile"
	"github.com/routecodex/token-daemon/internal/transfer"
)

// ExportOptions are the flags and arguments of `token-daemon export`.
type ExportOptions struct {
	Selector
	Out            string
	Key            keyFlags
	Armor          bool
	IncludeSecrets bool
	Handoff        bool
}

// NewCmdExport is `routecodex token-daemon export [names…|--all|--provider P] --out FILE`.
func NewCmdExport(f *Factory) *cobra.Command {
	o := &ExportOptions{}
	cmd := &cobra.Command{
		Use: "export <name>… | --all | [--provider P] [--status S,…] [--expiring [--within D]] [--health-below N] --out FILE [--recipient age1…] [--passphrase-file F] [--armor] [--include-secrets] [--handoff]",
		RunE: func(c *cobra.Command, args []string) error {
			o.Names = args
			return runExport(c.Context(), f, o)
		},
	}
	AddSelectorFlags(cmd, &o.Selector)
	fl := cmd.Flags()
	fl.StringVarP(&o.Out, "out", "o", "", "")
	fl.StringArrayVar(&o.Key.Recipients, "recipient", nil, "")
	fl.StringVar(&o.Key.PassphraseFile, "passphrase-file", "", "")
	fl.BoolVar(&o.Armor, "armor", false, "")
	fl.BoolVar(&o.IncludeSecrets, "include-secrets", false, "")
	fl.BoolVar(&o.Handoff, "handoff", false, "")
	return cmd
}

// exportSelection resolves the shared selectors (names, --all,
// --provider, --status, --expiring, --health-below) to the files of an
// export. Missing files are never exported (nothing to read), and a file
// that is no usable token only when named.
func exportSelection(ctx context.Context, f *Factory, s *Settings, sel *Selector) ([]daemon.TokenState, error) {
	if sel.IsEmpty() {
		return nil, errors.New(i18n.T(s.Lang, i18n.ErrExportArgs))
	}
	states, err := sel.Resolve(ctx, f, s)
	if err != nil {
		return nil, errors.New(termtext.Escape(err.Error()))
	}
	named := len(sel.Names) > 0
	var out []daemon.TokenState
	for _, st := range states {
		if st.Status == tokenfile.StatusMissing || (st.Status == tokenfile.StatusInvalid && !named) {
			continue
		}
		if st.Source != "" {
			if named {
				return nil, errors.New(sourceNotExported(s.Lang, st))
			}
			fmt.Fprintln(f.IO.ErrOut, sourceNotExported(s.Lang, st))
			continue
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return nil, errors.New(i18n.T(s.Lang, i18n.ErrExportNothing))
	}
	return out, nil
}

// sourceNotExported words another tool's file left out of an export: it
// is logged in with that tool on the other machine.
func sourceNotExported(lang i18n.Lang, st daemon.TokenState) string {
	login := st.Login
	if login == "" {
		login = st.Source
	}
	return i18n.T(lang, i18n.ExportSourceSkipped, termtext.Escape(st.File), termtext.Escape(login))
}

func transferHome(s *Settings) transfer.Home {
	opts := s.Config.FileOptions()
	return transfer.Home{
		AuthDir: s.Paths.AuthDir, ConfigPath: s.Paths.Config,
		HandoffPath: handoffPath(s), Options: opts,
	}
}

func handoffPath(s *Settings) string { return filepath.Join(s.Paths.StateDir, "token-handoff.json") }

// handedOff is the handed-off set on disk (empty when unreadable: a
// damaged file must not stop the daemon; export and import say why).
func handedOff(s *Settings) map[string][32]byte {
	set, err := transfer.LoadHandoff(handoffPath(s))
	if err != nil {
		return nil
	}
	return set
}

func runExport(ctx context.Context, f *Factory, o *ExportOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	lang := s.Lang
	if o.Out == "" {
		return errors.New(i18n.T(lang, i18n.ErrExportNoOut))
	}
	if fi, err := os.Stat(o.Out); err == nil && fi.IsDir() {
		return errors.New(i18n.T(lang, i18n.ErrExportOutDir, o.Out))
	}
	picked, err := exportSelection(ctx, f, s, &o.Selector)
	if err != nil {
		return err
	}
	key, err := exportKey(f, lang, o.Key)
	if err != nil {
		return err
	}
	names := make([]string, len(picked))
	for i, st := range picked {
		names[i] = st.File
	}
	h := transferHome(s)
	b, exp, err := transfer.Collect(h, names, o.IncludeSecrets, f.Now())
	if err != nil {
		return exportError(lang, err)
	}
	var restore func()
	if o.Handoff {
		if restore, err = handOff(ctx, f, lang, s, h, b, exp); err != nil {
			return err
		}
	}
	if err := transfer.WriteBundle(o.Out, b, key, o.Armor); err != nil {
		if restore != nil {
			restore()
		}
		return errors.New(i18n.T(lang, i18n.ErrExportWrite, o.Out, describeFileErr(err)))
	}
	audit := openTransferAudit(s)
	defer audit.close()
	for _, e := range exp {
		audit.add(logging.TransferRecord{At: f.Now(), Event: "export", File: e.Name, Provider: e.Provider,
			Bundle: absPath(o.Out), Handoff: o.Handoff})
		fmt.Fprintln(f.IO.Out, i18n.T(lang, i18n.ExportFile, termtext.Escape(e.Name)))
		switch {
		case o.Handoff:
			fmt.Fprintln(f.IO.Out, i18n.T(lang, i18n.ExportHandedOff, termtext.Escape(e.Name)))
		case e.Rotating:
			fmt.Fprintln(f.IO.ErrOut, i18n.T(lang, i18n.ExportForkWarning, termtext.Escape(e.Name), e.Provider))
		}
	}
	if !o.IncludeSecrets && len(b.Providers) > 0 {
		fmt.Fprintln(f.IO.Out, i18n.T(lang, i18n.ExportNoSecrets))
	}
	_, err = fmt.Fprintln(f.IO.Out, i18n.T(lang, i18n.ExportDone, len(exp), termtext.Escape(o.Out)))
	return err
}

// handOff records the exported files as handed off and tells a running
// daemon, which stops refreshing them at once and finishes a refresh in
// flight first; a file that such a refresh changed is exported with its
// new bytes and handed off again. restore undoes it (the bundle could not
// be written).
func handOff(ctx context.Context, f *Factory, lang i18n.Lang, s *Settings, h transfer.Home, b *bundle.Bundle, exp []transfer.Exported) (restore func(), err error) {
	client := ipc.NewClient(s.Paths.Socket)
	var before map[string][32]byte
	for round := 0; ; round++ {
		add := make(map[string][32]byte, len(exp))
		for _, e := range exp {
			add[e.Name] = e.Hash
		}
		prev, after, err := transfer.UpdateHandoff(h.HandoffPath, h.AuthDir, add, nil, f.Now())
		if err != nil {
			return nil, errors.New(i18n.T(lang, i18n.ErrHandoff, err))
		}
		if round == 0 {
			before = prev
		}
		undo := func() {
			if transfer.RestoreHandoff(h.HandoffPath, before, time.Now()) == nil {
				_ = tellDaemon(context.WithoutCancel(ctx), client, before)
			}
		}
		if err := tellDaemon(ctx, client, after); err != nil {
			undo()
			return nil, handoffDaemonError(lang, err)
		}
		changed, err := transfer.Reread(h, b, exp)
		if err != nil {
			undo()
			return nil, exportError(lang, err)
		}
		if len(changed) == 0 {
			break
		}
		if round == 3 {
			undo()
			return nil, errors.New(i18n.T(lang, i18n.ErrHandoffBusy, termtext.Escape(changed[0])))
		}
	}
	return func() {
		if err := transfer.RestoreHandoff(h.HandoffPath, before, time.Now()); err == nil {
			_ = tellDaemon(context.WithoutCancel(ctx), client, before)
		}
	}, nil
}

// tellDaemon gives a running daemon the handed-off set; without one the
// set applies at its next start.
func tellDaemon(ctx context.Context, client *ipc.Client, set map[string][32]byte) error {
	err := client.Handoff(ctx, set)
	if errors.Is(err, ipc.ErrNotRunning) {
		return nil
	}
	return err
}

func handoffDaemonError(lang i18n.Lang, err error) error {
	var untrusted *ipc.UntrustedError
	if errors.As(err, &untrusted) {
		return localAccessError(lang, err)
	}
	return errors.New(i18n.T(lang, i18n.ErrHandoff, err))
}

func exportError(lang i18n.Lang, err error) error {
	var fe *transfer.FileError
	if errors.As(err, &fe) {
		why := describeFileErr(fe.Err)
		switch {
		case errors.Is(fe.Err, transfer.ErrTooLarge):
			why = i18n.T(lang, i18n.ExportWhyTooLarge)
		case errors.Is(fe.Err, transfer.ErrNotExportable):
			why = i18n.T(lang, i18n.ExportWhyNotExportable)
		}
		return errors.New(i18n.T(lang, i18n.ErrExportFile, termtext.Escape(fe.Name), why))
	}
	return err
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// transferAudit writes the audit lines of an export or import (best
// effort: a log that cannot be opened does not undo the transfer).
type transferAudit struct{ log *logging.AuditLog }

func openTransferAudit(s *Settings) transferAudit {
	l, err := logging.OpenAudit(s.Paths.AuditLog, logMaxBytes, logKeep)
	if err != nil {
		return transferAudit{}
	}
	return transferAudit{log: l}
}

func (a transferAudit) add(r logging.TransferRecord) {
	if a.log != nil {
		_ = a.log.AppendTransfer(r)
	}
}

func (a transferAudit) close() {
	if a.log != nil {
		_ = a.log.Close()
	}
}

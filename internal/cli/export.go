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
	Names          []string
	Select         exportSelector
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
		Use: "export [<name>…] [--all] [--provider P] --out FILE [--recipient age1…] [--passphrase-file F] [--armor] [--include-secrets] [--handoff]",
		RunE: func(c *cobra.Command, args []string) error {
			o.Names = args
			return runExport(c.Context(), f, o)
		},
	}
	o.Select.bind(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&o.Out, "out", "o", "", "")
	fl.StringArrayVar(&o.Key.Recipients, "recipient", nil, "")
	fl.StringVar(&o.Key.PassphraseFile, "passphrase-file", "", "")
	fl.BoolVar(&o.Armor, "armor", false, "")
	fl.BoolVar(&o.IncludeSecrets, "include-secrets", false, "")
	fl.BoolVar(&o.Handoff, "handoff", false, "")
	return cmd
}

// exportSelector picks the files of an export: names, --all, --provider.
// It is the seam where the shared selector flags of `list`, `refresh` and
// `login` plug in once they exist.
type exportSelector struct {
	All      bool
	Provider string
}

func (x *exportSelector) bind(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&x.All, "all", false, "")
	cmd.Flags().StringVar(&x.Provider, "provider", "", "")
}

// pick resolves the selection to token files (missing ones are never
// exported: there is nothing to read).
func (x *exportSelector) pick(ctx context.Context, f *Factory, s *Settings, names []string) ([]daemon.TokenState, error) {
	if len(names) == 0 && !x.All && x.Provider == "" {
		return nil, errors.New(i18n.T(s.Lang, i18n.ErrExportArgs))
	}
	if x.Provider != "" {
		if err := checkProvider(s, x.Provider); err != nil {
			return nil, err
		}
	}
	states, err := currentStates(ctx, f, s, f.Now())
	if err != nil {
		return nil, err
	}
	var out []daemon.TokenState
	seen := map[string]bool{}
	add := func(st daemon.TokenState) {
		if !seen[st.File] && st.Status != tokenfile.StatusMissing {
			seen[st.File] = true
			out = append(out, st)
		}
	}
	for _, n := range names {
		st, err := resolveName(s.Lang, states, n)
		if err != nil {
			return nil, &ExitError{Code: ExitUnknownName, Err: errors.New(termtext.Escape(err.Error()))}
		}
		add(st)
	}
	if x.All || (x.Provider != "" && len(names) == 0) {
		for _, st := range states {
			// A file that is no usable token is exported only by name.
			if (x.Provider == "" || st.Provider == x.Provider) && st.Status != tokenfile.StatusInvalid {
				add(st)
			}
		}
	}
	if len(out) == 0 {
		return nil, errors.New(i18n.T(s.Lang, i18n.ErrExportNothing))
	}
	return out, nil
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
	picked, err := o.Select.pick(ctx, f, s, o.Names)
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
		if restore, err = handOff(ctx, f, s, h, b, exp); err != nil {
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
func handOff(ctx context.Context, f *Factory, s *Settings, h transfer.Home, b *bundle.Bundle, exp []transfer.Exported) (restore func(), err error) {
	lang := s.Lang
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
		if err := tellDaemon(ctx, client, after); err != nil {
			return nil, handoffDaemonError(lang, err)
		}
		changed, err := transfer.Reread(h, b, exp)
		if err != nil {
			return nil, exportError(lang, err)
		}
		if len(changed) == 0 {
			break
		}
		if round == 3 {
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
		return errors.New(i18n.T(lang, i18n.ErrExportFile, termtext.Escape(fe.Name), describeFileErr(fe.Err)))
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

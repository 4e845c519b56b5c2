package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/bundle"
	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/logging"
	"github.com/routecodex/token-daemon/internal/termtext"
	"github.com/routecodex/token-daemon/internal/tokenfile"
	"github.com/routecodex/token-daemon/internal/transfer"
)

// ImportOptions are the flags and argument of `token-daemon import`.
type ImportOptions struct {
	File       string
	Key        keyFlags
	DryRun     bool
	OnConflict string
}

// NewCmdImport is `routecodex token-daemon import FILE [--dry-run] [--on-conflict newer|skip|rename]`.
func NewCmdImport(f *Factory) *cobra.Command {
	o := &ImportOptions{}
	cmd := &cobra.Command{
		Use:  "import FILE [--dry-run] [--on-conflict newer|skip|rename] [--identity KEYFILE] [--passphrase-file F]",
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			o.File = args[0]
			return runImport(c.Context(), f, o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&o.DryRun, "dry-run", false, "")
	fl.StringVar(&o.OnConflict, "on-conflict", transfer.OnConflictNewer, "")
	fl.StringVar(&o.Key.Identity, "identity", "", "")
	fl.StringVar(&o.Key.PassphraseFile, "passphrase-file", "", "")
	return cmd
}

// importResult is an import's outcome, for the CLI and the web UI.
type importResult struct {
	Items  []transfer.Item
	Merge  config.BundleMerge
	Failed int
}

// openBundle reads and decrypts a bundle; its failures are one sentence.
func openBundle(lang i18n.Lang, name string, data []byte, key bundle.Key) (*bundle.Bundle, error) {
	b, err := transfer.Open(strings.NewReader(string(data)), key)
	var ve *bundle.VersionError
	switch {
	case err == nil:
		return b, nil
	case errors.As(err, &ve):
		return nil, errors.New(i18n.T(lang, i18n.ErrBundleNewer, name, ve.Version, bundle.Version))
	case errors.Is(err, bundle.ErrWrongKey):
		return nil, errors.New(i18n.T(lang, i18n.ErrBundleWrongKey, name))
	case errors.Is(err, bundle.ErrNotBundle):
		return nil, errors.New(i18n.T(lang, i18n.ErrBundleNotBundle, name))
	case errors.Is(err, bundle.ErrCorrupt):
		return nil, errors.New(i18n.T(lang, i18n.ErrBundleCorrupt, name))
	}
	return nil, fmt.Errorf("%s: %w", name, err)
}

// importBundle plans (and unless dry, applies) the import of b: files
// through the locked atomic write, settings into config.json, the
// imported files no longer handed off, one audit line per file.
func importBundle(ctx context.Context, f *Factory, s *Settings, b *bundle.Bundle, bundleName, onConflict string, dry bool) (*importResult, error) {
	lang := s.Lang
	h := transferHome(s)
	items, err := transfer.Plan(h, b, onConflict)
	if errors.Is(err, transfer.ErrBadConflictRule) {
		return nil, errors.New(i18n.T(lang, i18n.ErrOnConflict, onConflict))
	}
	if err != nil {
		return nil, authDirError(lang, s.Paths, err)
	}
	aliases, order, provs := transfer.Settings(b, items)
	if dry {
		merge, err := config.MergeBundle(s.Paths.Config, aliases, order, provs, true)
		if err != nil {
			return nil, configMergeError(lang, err)
		}
		return &importResult{Items: items, Merge: merge}, nil
	}
	// The settings first: a config.json that cannot take them stops the
	// import before any token file is written.
	if _, err := config.MergeBundle(s.Paths.Config, aliases, order, provs, true); err != nil {
		return nil, configMergeError(lang, err)
	}
	items = transfer.Apply(h, items)
	if hold := testHold(f.getenv, testHoldImportEnv); hold != nil {
		hold("import")
	}
	aliases, order, provs = transfer.Settings(b, items)
	merge, mergeErr := config.MergeBundle(s.Paths.Config, aliases, order, provs, false)
	res := &importResult{Items: items, Merge: merge}
	if names := transfer.Imported(items); len(names) > 0 {
		if _, after, err := transfer.UpdateHandoff(h.HandoffPath, h.AuthDir, nil, names, f.Now()); err == nil {
			if err := tellDaemon(ctx, ipc.NewClient(s.Paths.Socket), after); err != nil {
				fmt.Fprintln(f.IO.ErrOut, handoffDaemonError(lang, err))
			}
		}
	}
	audit := openTransferAudit(s)
	defer audit.close()
	for _, it := range items {
		rec := logging.TransferRecord{At: f.Now(), Event: "import", File: it.Target, Provider: it.Provider,
			Bundle: bundleName, Action: string(it.Action)}
		if it.Target != it.File {
			rec.From = it.File
		}
		if it.Action == transfer.ActionSkip {
			rec.Why = it.Why
		}
		if it.Err != nil {
			rec.Action, rec.Why = "failed", "write"
			res.Failed++
		}
		audit.add(rec)
	}
	if mergeErr != nil {
		// The files written stay written, their audit lines above.
		return nil, configMergeError(lang, mergeErr)
	}
	return res, nil
}

func configMergeError(lang i18n.Lang, err error) error {
	var cfgErr *config.Error
	if errors.As(err, &cfgErr) {
		return errors.New(cfgErr.Text(lang))
	}
	return err
}

func runImport(ctx context.Context, f *Factory, o *ImportOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	lang := s.Lang
	switch o.OnConflict {
	case transfer.OnConflictNewer, transfer.OnConflictSkip, transfer.OnConflictRename:
	default:
		return errors.New(i18n.T(lang, i18n.ErrOnConflict, o.OnConflict))
	}
	data, err := os.ReadFile(o.File)
	if err != nil {
		return errors.New(i18n.T(lang, i18n.ErrReadFile, o.File, describeFileErr(err)))
	}
	if len(data) > bundle.MaxPlaintext {
		return errors.New(i18n.T(lang, i18n.ErrBundleCorrupt, o.File))
	}
	key, err := importKey(f, lang, o.Key)
	if err != nil {
		return err
	}
	b, err := openBundle(lang, o.File, data, key)
	if err != nil {
		return err
	}
	res, err := importBundle(ctx, f, s, b, absPath(o.File), o.OnConflict, o.DryRun)
	if err != nil {
		return err
	}
	if o.DryRun {
		fmt.Fprintln(f.IO.Out, i18n.T(lang, i18n.ImportDryRun))
	}
	for _, line := range importLines(lang, res, o.DryRun) {
		fmt.Fprintln(f.IO.Out, line)
	}
	if res.Failed > 0 {
		return &ExitError{Code: ExitFailure, Err: errors.New(i18n.T(lang, i18n.ErrImportFailed, res.Failed))}
	}
	return nil
}

// importLines words an import's plan or outcome, one line per file, then
// the settings.
func importLines(lang i18n.Lang, res *importResult, dry bool) []string {
	var out []string
	for _, it := range res.Items {
		file, target := termtext.Escape(it.File), termtext.Escape(it.Target)
		var line string
		switch {
		case it.Err != nil:
			line = i18n.T(lang, i18n.ImportFailed, file, termtext.Escape(describeFileErr(it.Err)))
		case it.Action == transfer.ActionCreate:
			line = i18n.T(lang, pick(dry, i18n.ImportCreate, i18n.ImportCreated), file)
		case it.Action == transfer.ActionReplace:
			line = i18n.T(lang, pick(dry, i18n.ImportReplace, i18n.ImportReplaced), file, target)
		case it.Action == transfer.ActionRename:
			line = i18n.T(lang, pick(dry, i18n.ImportRename, i18n.ImportRenamed), file, target)
		case it.Action == transfer.ActionSame:
			line = i18n.T(lang, i18n.ImportSame, file, target)
		default:
			why := i18n.T(lang, i18n.Key("import.why."+it.Why), target)
			if it.Why == transfer.WhyInvalid {
				why += " (" + termtext.Escape(wordReason(lang, it.Detail, tokenfile.ReasonCode(it.Detail), nil)) + ")"
			}
			line = i18n.T(lang, i18n.ImportSkip, file, why)
		}
		out = append(out, line)
	}
	m := res.Merge
	list := func(names []string) string { return termtext.Escape(strings.Join(names, ", ")) }
	if len(m.AliasesAdded) > 0 {
		out = append(out, i18n.T(lang, i18n.ImportAliasesAdded, list(m.AliasesAdded)))
	}
	if len(m.AliasesKept) > 0 {
		out = append(out, i18n.T(lang, i18n.ImportAliasesKept, list(m.AliasesKept)))
	}
	if len(m.ProvidersAdded) > 0 {
		out = append(out, i18n.T(lang, i18n.ImportProvidersAdded, list(m.ProvidersAdded)))
	}
	if len(m.ProvidersKept) > 0 {
		out = append(out, i18n.T(lang, i18n.ImportProvidersKept, list(m.ProvidersKept)))
	}
	return out
}

// pick is plan when dry, else done.
func pick(dry bool, plan, done i18n.Key) i18n.Key {
	if dry {
		return plan
	}
	return done
}

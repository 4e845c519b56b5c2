package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/sources"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// SourcesOptions are the flags of `token-daemon sources`.
type SourcesOptions struct {
	JSON bool
}

// NewCmdSources is `routecodex token-daemon sources`: the other tools'
// token files on this machine (DESIGN.md section 15), configured or not.
func NewCmdSources(f *Factory) *cobra.Command {
	opts := &SourcesOptions{}
	cmd := &cobra.Command{
		Use:  "sources [--json]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runSources(f, opts) },
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "")
	return cmd
}

// sourceJSON is one entry of `sources --json`.
type sourceJSON struct {
	Format     string `json:"format"`
	Path       string `json:"path"`
	Exists     bool   `json:"exists"`
	Files      int    `json:"files"`
	Configured bool   `json:"configured"`
	Name       string `json:"name,omitempty"`
	Mode       string `json:"mode"`
	WhyCode    string `json:"whyCode,omitempty"`
	Why        string `json:"why,omitempty"`
}

func runSources(f *Factory, opts *SourcesOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	found := sources.Discover(s.Sources, config.SourceEnv(f.Env))
	if opts.JSON {
		out := struct {
			Sources []sourceJSON `json:"sources"`
		}{Sources: make([]sourceJSON, 0, len(found))}
		for _, fd := range found {
			out.Sources = append(out.Sources, sourceJSON{Format: fd.Format, Path: fd.Path, Exists: fd.Exists, Files: fd.Files,
				Configured: fd.Configured, Name: fd.Name, Mode: string(fd.Mode), WhyCode: fd.WhyCode, Why: fd.Why})
		}
		return writeJSON(f, out)
	}
	lang := s.Lang
	headers := []string{
		i18n.T(lang, i18n.SourcesHeaderFormat), i18n.T(lang, i18n.SourcesHeaderPath), i18n.T(lang, i18n.SourcesHeaderFound),
		i18n.T(lang, i18n.SourcesHeaderConfigured), i18n.T(lang, i18n.SourcesHeaderMode),
	}
	rows := make([][]string, 0, len(found))
	var whys []string
	anyUnconfigured := false
	for _, fd := range found {
		exists := i18n.T(lang, i18n.SourcesNotFound)
		if fd.Exists {
			exists = i18n.T(lang, i18n.SourcesFoundFiles, fd.Files)
		}
		conf := i18n.T(lang, i18n.SourcesNotConfigured)
		if fd.Configured {
			conf = i18n.T(lang, i18n.SourcesConfiguredAs, oneLine(fd.Name))
		} else if fd.Exists {
			anyUnconfigured = true
		}
		mode := i18n.T(lang, i18n.SourcesModeAuto)
		if fd.Mode == sources.ModeWatch {
			mode = i18n.T(lang, i18n.SourcesModeWatch)
		}
		if fd.WhyCode != "" {
			mode += " *"
			why := fd.Why
			if w, ok := i18n.Lookup(lang, i18n.SourcesWhyPrefix+i18n.Key(fd.WhyCode)); ok {
				why = w
			}
			whys = append(whys, "* "+fd.Format+": "+why)
		}
		path := fd.Path
		if sources.IsDir(fd.Format) {
			path = abbreviateHome(path, f.Env.UserHome)
		} else {
			path = strings.TrimSuffix(abbreviateHome(path, f.Env.UserHome), string(filepath.Separator))
		}
		rows = append(rows, []string{fd.Format, oneLine(path), exists, conf, mode})
	}
	if err := writeTable(f.IO.Out, headers, rows); err != nil {
		return err
	}
	for _, w := range dedupe(whys) {
		fmt.Fprintln(f.IO.Out, w)
	}
	if anyUnconfigured {
		fmt.Fprintln(f.IO.Out, i18n.T(lang, i18n.SourcesHint, termtext.Escape(abbreviateHomeFile(s.Paths.Config, f.Env.UserHome))))
	}
	return nil
}

func dedupe(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

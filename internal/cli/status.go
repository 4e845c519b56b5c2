package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// StatusOptions are the flags of `token-daemon status`.
type StatusOptions struct {
	JSON bool
}

// NewCmdStatus is `routecodex token-daemon status`.
func NewCmdStatus(f *Factory) *cobra.Command {
	opts := &StatusOptions{}
	cmd := &cobra.Command{
		Use:  "status [--json]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStatus(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "")
	return cmd
}

func runStatus(ctx context.Context, f *Factory, opts *StatusOptions) error {
	s, err := f.Settings()
	if err != nil {
		// A broken edit of config.json: the running daemon still has the
		// configuration it started with, and says so.
		return statusDespiteConfig(ctx, f, opts, err)
	}
	if opts.JSON && f.DaemonJSON != nil {
		// The daemon's answer in the --json layout, printed as it came:
		// at 10,000 tokens decoding and re-encoding it cost more than the
		// daemon spent on it.
		b, err := f.DaemonJSON(ctx, s.Paths, "status")
		if err == nil {
			_, err = f.IO.Out.Write(b)
			return err
		}
		if !errors.Is(err, ErrDaemonNotRunning) {
			return localAccessError(s.Lang, err)
		}
	}
	st, err := daemonStatus(ctx, f, s)
	if err != nil {
		return err
	}
	if opts.JSON {
		if err := ipc.WriteStatus(f.IO.Out, st, true); err != nil {
			return err
		}
	} else if err := writeStatus(f, s.Lang, st); err != nil {
		return err
	}
	if !st.Daemon.Running {
		return &ExitError{Code: ExitNotRunning}
	}
	return nil
}

// daemonStatus asks the daemon when there is a client, else (or when no
// daemon answers) computes the status from the files.
func daemonStatus(ctx context.Context, f *Factory, s *Settings) (*ipc.Status, error) {
	if f.DaemonStatus != nil {
		st, err := f.DaemonStatus(ctx, s.Paths)
		if err == nil {
			return st, nil
		}
		if !errors.Is(err, ErrDaemonNotRunning) {
			return nil, localAccessError(s.Lang, err)
		}
	}
	now := f.Now()
	states, err := scanStates(s, now)
	if err != nil {
		return nil, err
	}
	st := &ipc.Status{
		Daemon: ipc.DaemonInfo{Running: false, AuthDir: s.Paths.AuthDir, Version: f.Version},
		Tokens: make([]ipc.TokenDetail, 0, len(states)),
	}
	for _, ts := range states {
		st.Tokens = append(st.Tokens, ipc.DetailOf(ts, now))
	}
	return st, nil
}

// writeStatus prints the block of the plan: "🌙 Token Refresh Daemon
// 运行中", "PID: N" (while running), "📁 监控目录: ~/…/auth/", a blank
// line and the token table; then the web page and a config.json that
// could not be applied, which the plan's example predates.
func writeStatus(f *Factory, lang i18n.Lang, st *ipc.Status) error {
	var b strings.Builder
	if st.Daemon.Running {
		b.WriteString(i18n.T(lang, i18n.DaemonRunning))
		b.WriteByte('\n')
		b.WriteString(i18n.T(lang, i18n.DaemonPID, st.Daemon.PID))
	} else {
		b.WriteString(i18n.T(lang, i18n.DaemonNotRunning))
	}
	b.WriteByte('\n')
	b.WriteString(i18n.T(lang, i18n.WatchedDir, termtext.Escape(abbreviateHome(st.Daemon.AuthDir, f.Env.UserHome))))
	b.WriteString("\n\n")
	if _, err := fmt.Fprint(f.IO.Out, b.String()); err != nil {
		return err
	}
	tokens := make([]ipc.Token, len(st.Tokens))
	for i, t := range st.Tokens {
		tokens[i] = t.Token
	}
	// No tokens (a first run): the table's header alone, as the plan's
	// block always ends in the table.
	if err := tokenTable(f.IO.Out, lang, tokens, f.Now(), f.location()); err != nil {
		return err
	}
	var tail strings.Builder
	if st.Daemon.WebURL != "" {
		tail.WriteString(i18n.T(lang, i18n.WebURL, st.Daemon.WebURL) + "\n")
	}
	if st.Daemon.ConfigError != "" {
		why := st.Daemon.ConfigError
		if text, ok := st.Daemon.ConfigErrorText[string(lang)]; ok {
			why = text
		}
		tail.WriteString(configErrorLine(lang, why) + "\n")
	}
	if c := st.Daemon.Cluster; c != nil {
		tail.WriteString(clusterLine(lang, c) + "\n")
	}
	if tail.Len() > 0 {
		_, err := fmt.Fprint(f.IO.Out, "\n"+tail.String())
		return err
	}
	return nil
}

// abbreviateHome writes a dir under the user's home as "~/…/", as the
// plan prints the watched dir; a dir always ends in the separator.
func abbreviateHome(dir, home string) string {
	sep := string(filepath.Separator)
	dir = abbreviateHomeFile(dir, home)
	if !strings.HasSuffix(dir, sep) {
		dir += sep
	}
	return dir
}

// abbreviateHomeFile is a path with the home dir as ~, as it is (a file:
// no trailing separator).
func abbreviateHomeFile(dir, home string) string {
	sep := string(filepath.Separator)
	if home != "" {
		home = filepath.Clean(home)
		if dir == home {
			dir = "~"
		} else if rest, ok := strings.CutPrefix(dir, home+sep); ok {
			dir = "~" + sep + rest
		}
	}
	return dir
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/install"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/lifecycle"
	"github.com/routecodex/token-daemon/internal/safefile"
)

// StartOptions are the flags of `token-daemon start`.
type StartOptions struct {
	Foreground bool
	// Background marks the detached child that `start` spawns: it logs to
	// the file only.
	Background bool
	// Home is the hidden --home of the Windows logon task, which cannot
	// set ROUTECODEX_HOME.
	Home string
}

// startTimeout is how long `start` waits for the new daemon's socket.
const startTimeout = 20 * time.Second

// NewCmdStart is `routecodex token-daemon start [--foreground]`.
func NewCmdStart(f *Factory) *cobra.Command {
	opts := &StartOptions{}
	cmd := &cobra.Command{
		Use:  "start [--foreground]",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStart(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Foreground, "foreground", false, "")
	cmd.Flags().BoolVar(&opts.Background, "background", false, "")
	_ = cmd.Flags().MarkHidden("background")
	cmd.Flags().StringVar(&opts.Home, "home", "", i18n.T(helpLang(f), i18n.ServiceHomeFlag))
	_ = cmd.Flags().MarkHidden("home")
	return cmd
}

func runStart(ctx context.Context, f *Factory, opts *StartOptions) error {
	if opts.Home != "" {
		f.Env.Getenv = withEnv(f.Env.Getenv, install.EnvHome, opts.Home)
	}
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if !s.Config.Enabled {
		return errors.New(i18n.T(s.Lang, i18n.DaemonDisabled, s.Paths.Config))
	}
	if opts.Foreground || opts.Background {
		return runDaemon(ctx, f, s, opts.Background)
	}
	if handled, err := startService(ctx, f, s); handled {
		return err
	}
	pid, started, err := startDetached(ctx, f, s)
	if err != nil {
		return err
	}
	key := i18n.DaemonStarted
	if !started {
		key = i18n.DaemonAlreadyRunning
	}
	if _, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, key, pid)); err != nil {
		return err
	}
	if started {
		launchTray(f, s)
	}
	return nil
}

// startDetached spawns this binary as a background daemon and waits until
// its socket answers. started is false when a daemon was already running.
func startDetached(ctx context.Context, f *Factory, s *Settings) (pid int, started bool, err error) {
	if running, pid := lifecycle.Running(s.Paths.PIDFile); running {
		if ipc.NewClient(s.Paths.Socket).Ping(ctx) == nil {
			return pid, false, nil
		}
	}
	cmd, err := spawnDetached(f, s, "start", "--background")
	if err != nil {
		return 0, false, errors.New(i18n.T(s.Lang, i18n.DaemonStartFailed, err, s.Paths.DaemonLog))
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	client := ipc.NewClient(s.Paths.Socket)
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-exited:
			// A second `start` racing this one wins the pid file and the
			// child says "already running" and exits 0.
			if running, pid := lifecycle.Running(s.Paths.PIDFile); running && err == nil {
				return pid, false, nil
			}
			if err == nil {
				err = errors.New("exited")
			}
			return 0, false, errors.New(i18n.T(s.Lang, i18n.DaemonStartFailed, err, s.Paths.DaemonLog))
		case <-deadline.C:
			return 0, false, errors.New(i18n.T(s.Lang, i18n.DaemonStartFailed, "no answer on "+s.Paths.Socket, s.Paths.DaemonLog))
		case <-ctx.Done():
			return 0, false, ctx.Err()
		case <-tick.C:
			if client.Ping(ctx) == nil {
				return cmd.Process.Pid, true, nil
			}
		}
	}
}

// spawnDetached starts this binary's `token-daemon <args>` in a new
// session, with the global flags of this run and its stdio going to the
// daemon log, so that a panic or a message printed before the logger is
// set up is not lost.
func spawnDetached(f *Factory, s *Settings, args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args = append([]string{"token-daemon"}, args...)
	if f.ConfigFlag != "" {
		args = append(args, "--config", f.ConfigFlag)
	}
	if f.LangFlag != "" {
		args = append(args, "--lang", f.LangFlag)
	}
	if err := os.MkdirAll(s.Paths.LogDir, 0o700); err != nil {
		return nil, err
	}
	logf, err := safefile.OpenFile(s.Paths.DaemonLog, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own copy once started
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	lifecycle.Detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return cmd, nil
}

// withEnv is getenv with name set to value.
func withEnv(getenv func(string) string, name, value string) func(string) string {
	return func(k string) string {
		if k == name {
			return value
		}
		if getenv == nil {
			return ""
		}
		return getenv(k)
	}
}

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
	"github.com/routecodex/token-daemon/internal/ipc"
)

// ServerOptions are the flags and arguments of `routecodex start`.
type ServerOptions struct {
	WithDaemon bool
	Command    []string // after --; empty means tokenDaemon.serverCommand
}

// serverStopGrace is how long the RouteCodex server gets to exit after the
// signal is passed on, before it is killed.
const serverStopGrace = 10 * time.Second

// NewCmdServer is `routecodex start [--daemon] [-- CMD…]`: the RouteCodex
// server in the foreground, with the token daemon beside it.
func NewCmdServer(f *Factory) *cobra.Command {
	opts := &ServerOptions{}
	cmd := &cobra.Command{
		Use: "start [--daemon] [-- CMD…]",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Command = args
			return runServer(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.WithDaemon, "daemon", false, "")
	return cmd
}

func runServer(ctx context.Context, f *Factory, opts *ServerOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	command := opts.Command
	if len(command) == 0 {
		command = s.Config.ServerCommand
	}
	startedDaemon := false
	if opts.WithDaemon && s.Config.Enabled {
		pid, started, err := startDetached(ctx, f, s)
		if err != nil {
			return err
		}
		startedDaemon = started
		key := i18n.DaemonAlreadyRunning
		if started {
			key = i18n.DaemonStarted
		}
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, key, pid))
	}
	runErr := runForwarding(ctx, f, s, command)
	if startedDaemon {
		// A fresh context: ctx may be cancelled by the very signal that
		// ended the server, and the daemon must still be stopped.
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout)
		defer cancel()
		if err := ipc.NewClient(s.Paths.Socket).Shutdown(stopCtx); err == nil {
			_ = waitStopped(stopCtx, s.Paths.PIDFile)
		}
	}
	return runErr
}

// runForwarding runs command in the foreground with this process's stdio;
// SIGINT/SIGTERM (which cancel ctx) are passed on as a graceful stop, and
// its exit code becomes ours.
func runForwarding(ctx context.Context, f *Factory, s *Settings, command []string) error {
	cmd := exec.CommandContext(ctx, command[0], command[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.IO.In, f.IO.Out, f.IO.ErrOut
	cmd.Cancel = func() error { return terminate(cmd.Process) }
	cmd.WaitDelay = serverStopGrace
	err := cmd.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exitErr):
		code := exitErr.ExitCode()
		if code < 0 { // ended by a signal
			code = 128 + int(signalNumber(exitErr))
		}
		return &ExitError{Code: code}
	default:
		return errors.New(i18n.T(s.Lang, i18n.ErrServerCommandFailed, command[0], unwrapPathError(err)))
	}
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var ee *exec.Error
	if errors.As(err, &ee) {
		return ee.Err
	}
	return err
}

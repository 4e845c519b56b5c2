package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/lifecycle"
)

// stopTimeout is how long `stop` waits for the daemon to finish in-flight
// refreshes and exit.
const stopTimeout = 30 * time.Second

// NewCmdStop is `routecodex token-daemon stop`.
func NewCmdStop(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the token daemon and wait until it is gone",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStop(cmd.Context(), f)
		},
	}
}

func runStop(ctx context.Context, f *Factory) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	running, pid := lifecycle.Running(s.Paths.PIDFile)
	defer stopTray(ctx, s)
	err = ipc.NewClient(s.Paths.Socket).Shutdown(ctx)
	switch {
	case err == nil:
	case errors.Is(err, ipc.ErrNotRunning) && !running:
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.DaemonWasNotRunning))
		return err
	case running && pid > 0:
		// The pid file is held but the socket does not answer (a daemon
		// still starting, or one whose API is stuck): ask the process.
		if p, ferr := os.FindProcess(pid); ferr == nil {
			if serr := terminate(p); serr != nil {
				return serr
			}
		}
	default:
		return err
	}
	if err := waitStopped(ctx, s.Paths.PIDFile); err != nil {
		return errors.New(i18n.T(s.Lang, i18n.DaemonStopTimeout, pid))
	}
	_, err = fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.DaemonStopped))
	return err
}

// waitStopped waits until no process holds the pid file.
func waitStopped(ctx context.Context, pidPath string) error {
	ctx, cancel := context.WithTimeout(ctx, stopTimeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if running, _ := lifecycle.Running(pidPath); !running {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

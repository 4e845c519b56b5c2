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

// stopTimeout is how long `stop` waits for the daemon to exit: a token
// request already sent is never cancelled by shutdown, so the daemon may
// wait up to the request timeout for its answer, then writes it.
const stopTimeout = tokenRequestTimeout + 15*time.Second

// NewCmdStop is `routecodex token-daemon stop`.
func NewCmdStop(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:  "stop",
		Args: cobra.NoArgs,
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
	handled, note, err := stopService(ctx, f, s)
	if handled || err != nil {
		return err
	}
	if note != "" {
		defer fmt.Fprintln(f.IO.Out, note)
	}
	running, pid := lifecycle.Running(s.Paths.PIDFile)
	defer stopTray(ctx, s)
	client := ipc.NewClient(s.Paths.Socket)
	inFlight := refreshesInFlight(ctx, client)
	err = client.Shutdown(ctx)
	var untrusted *ipc.UntrustedError
	switch {
	case err == nil:
		if inFlight > 0 {
			if _, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.DaemonStopWaiting, inFlight, tokenRequestTimeout)); err != nil {
				return err
			}
		}
	case errors.As(err, &untrusted):
		return localAccessError(s.Lang, err)
	case errors.Is(err, ipc.ErrNotRunning) && !running:
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.DaemonWasNotRunning))
		return err
	case running && pid > 0:
		// The pid file is held but the socket does not answer (a daemon
		// still starting, or one whose API is stuck): ask the process,
		// but only the one the kernel says serves the socket as us. The
		// pid file alone is not proof: it may name any process.
		if cerr := confirmDaemonPID(ctx, s, pid); cerr != nil {
			return cerr
		}
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

// refreshesInFlight counts the tokens the daemon is refreshing right now:
// their requests are answered and written before it exits.
func refreshesInFlight(ctx context.Context, c *ipc.Client) int {
	st, err := c.Status(ctx)
	if err != nil {
		return 0
	}
	n := 0
	for _, t := range st.Tokens {
		if t.Status == "refreshing" && t.Reason == "" { // a reason: an answer waiting for its file
			n++
		}
	}
	return n
}

// confirmDaemonPID checks with the socket's peer credentials that pid is
// the process listening on the daemon's socket, as our own uid. Where the
// OS cannot tell (Windows), the private home is the only guard.
func confirmDaemonPID(ctx context.Context, s *Settings, pid int) error {
	peer, err := ipc.SocketPeer(ctx, s.Paths.Socket)
	var untrusted *ipc.UntrustedError
	switch {
	case errors.As(err, &untrusted):
		return localAccessError(s.Lang, err)
	case err == nil && !peer.Known && !peerCredsSupported:
		return nil
	case err == nil && peer.Known && peer.PID == pid:
		return nil
	}
	return errors.New(i18n.T(s.Lang, i18n.ErrStopUnconfirmed, pid))
}

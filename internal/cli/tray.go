package cli

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/lifecycle"
	"github.com/routecodex/token-daemon/internal/opener"
	"github.com/routecodex/token-daemon/internal/tray"
)

// NewCmdTray is `routecodex token-daemon tray`: the tray menu alone.
func NewCmdTray(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:  "tray",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runTray(cmd.Context(), f)
		},
	}
}

// trayPIDFile keeps one tray per home.
func trayPIDFile(s *Settings) string { return filepath.Join(s.Paths.RunDir, "tray.pid") }

func runTray(ctx context.Context, f *Factory) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	pid, err := lifecycle.AcquirePIDFile(trayPIDFile(s))
	var already *lifecycle.AlreadyRunningError
	if errors.As(err, &already) {
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.TrayAlreadyRunning, already.PID))
		return err
	}
	if err != nil {
		return err
	}
	defer pid.Release()
	logger, logFile, err := openLogger(f, s, true)
	if err != nil {
		return err
	}
	defer logFile.Close()
	// fyne.io/systray prints its failures with the standard log package.
	log.SetFlags(0)
	log.SetOutput(tray.NewLibraryLog(logger))

	client := ipc.NewClient(s.Paths.Socket)
	// The web server's address is the running daemon's; ask when a link is
	// opened, so a restarted daemon on another port is followed.
	webPage := func(path string) string {
		st, err := client.Status(ctx)
		if err != nil || st.Daemon.WebURL == "" {
			return ""
		}
		secret, err := readWebSecret(s)
		if err != nil {
			return ""
		}
		return pageURL(st.Daemon.WebURL, secret, path)
	}
	return tray.Run(ctx, tray.Options{
		Socket:  s.Paths.Socket,
		Lang:    s.Lang,
		AuthURL: func(file string) string { return webPage(authPath(file)) },
		UIURL:   func() string { return webPage("/ui") },
		// The URLs are built from the daemon's own web address above.
		OpenURL: func(u string) error { return openPage(s, opener.Origin(u), u) },
		Logger:  logger,
	})
}

// launchTray starts the tray beside a daemon that `start` just started,
// when the config allows it and a desktop session can show it.
func launchTray(f *Factory, s *Settings) {
	if s.Config.Tray == "off" {
		return
	}
	// Only where something shows it: a tray started without a tray host
	// would wait, invisible, and outlive everything.
	if !tray.SessionBusAvailable() || !tray.HostAvailable() {
		if s.Config.Tray == "on" {
			key := i18n.TrayNoHost
			if !tray.SessionBusAvailable() {
				key = i18n.TrayNoSessionBus
			}
			fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, key))
		}
		return
	}
	if cmd, err := spawnDetached(f, s, "tray"); err == nil {
		_ = cmd.Process.Release()
	}
}

// stopTray ends the tray of this home, if one runs: it is a companion of
// the daemon and goes with it.
func stopTray(ctx context.Context, s *Settings) {
	running, pid := lifecycle.Running(trayPIDFile(s))
	if !running || pid <= 0 {
		return
	}
	if p, err := os.FindProcess(pid); err == nil {
		_ = terminate(p)
	}
	_ = waitStopped(ctx, trayPIDFile(s))
}

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/install"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/lifecycle"
)

// serviceCmdTimeout bounds one command of the service manager.
const serviceCmdTimeout = 30 * time.Second

// helpLang is the language of help texts: --lang is not parsed yet when
// the commands are built, so the locale decides.
func helpLang(f *Factory) i18n.Lang { return i18n.FromLocale(f.getenv) }

// InstallOptions are the flags of `token-daemon install`.
type InstallOptions struct{ Now bool }

// NewCmdInstall is `routecodex token-daemon install [--now]`.
func NewCmdInstall(f *Factory) *cobra.Command {
	opts := &InstallOptions{}
	cmd := &cobra.Command{
		Use:   "install [--now]",
		Short: i18n.T(helpLang(f), i18n.InstallShort),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runInstall(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Now, "now", false, i18n.T(helpLang(f), i18n.InstallNowFlag))
	localizeFlag(localize(cmd, i18n.InstallShort), "now", i18n.InstallNowFlag) // worded again at help time
	return cmd
}

// NewCmdUninstall is `routecodex token-daemon uninstall`.
func NewCmdUninstall(f *Factory) *cobra.Command {
	return localize(&cobra.Command{
		Use:   "uninstall",
		Short: i18n.T(helpLang(f), i18n.UninstallShort),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUninstall(cmd.Context(), f)
		},
	}, i18n.UninstallShort) // worded again at help time
}

// execRunner runs the service manager's commands.
type execRunner struct{}

func (execRunner) Run(ctx context.Context, args []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, serviceCmdTimeout)
	defer cancel()
	return exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
}

// serviceSpec is the service for this run's home, config and language.
func serviceSpec(f *Factory, s *Settings) (install.Spec, error) {
	exe, err := os.Executable()
	if err != nil {
		return install.Spec{}, err
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return install.Spec{}, err
	}
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	args := []string{"token-daemon", "start", "--foreground"}
	if f.ConfigFlag != "" || f.getenv(config.EnvConfig) != "" {
		args = append(args, "--config", abs(s.Paths.Config))
	}
	if f.LangFlag != "" {
		args = append(args, "--lang", f.LangFlag)
	}
	home := abs(s.Paths.Home)
	env := []install.EnvVar{{Name: install.EnvHome, Value: home}}
	for _, name := range []string{config.EnvAuthDir, config.EnvRCCAuthDir} {
		if v := f.getenv(name); v != "" {
			env = append(env, install.EnvVar{Name: name, Value: abs(v)})
		}
	}
	spec := install.Spec{
		Exe: exe, Args: args, Env: env, Home: home,
		UserHome: f.Env.UserHome,
		LogFile:  filepath.Join(abs(s.Paths.LogDir), "token-daemon.service.log"),
		UID:      os.Getuid(),
	}
	if u, err := user.Current(); err == nil {
		spec.User = u.Username
	}
	return spec, nil
}

// serviceFor is the user service of this OS for s.
func serviceFor(f *Factory, s *Settings) (*install.Service, error) {
	if f.Env.UserHome == "" {
		return nil, errors.New("the user's home directory is unknown (HOME is not set)")
	}
	spec, err := serviceSpec(f, s)
	if err != nil {
		return nil, err
	}
	return install.For(runtime.GOOS, spec)
}

func runInstall(ctx context.Context, f *Factory, opts *InstallOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	if !s.Config.Enabled {
		return errors.New(i18n.T(s.Lang, i18n.DaemonDisabled, s.Paths.Config))
	}
	svc, err := serviceFor(f, s)
	if err != nil {
		return err
	}
	if exe, _ := os.Executable(); strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return errors.New(i18n.T(s.Lang, i18n.ServiceTempBinary, exe))
	}
	before, err := svc.Installed()
	if err != nil {
		return err
	}
	out := f.IO.Out
	// A daemon started by hand would keep the service's from running (one
	// per home): hand it over. One the service runs is left alone.
	if running, pid := lifecycle.Running(s.Paths.PIDFile); opts.Now && running && !serviceRunsIt(ctx, svc, before) {
		if err := stopThroughAPI(ctx, s, pid); err != nil {
			return err
		}
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceHandover, pid))
	}
	rep, err := svc.Install(ctx, execRunner{}, opts.Now)
	switch {
	case rep.Replaced:
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceReplaced, rep.Path, svc.Manager))
	case rep.Written:
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceWritten, rep.Path, svc.Manager))
	default:
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceUnchanged, rep.Path))
	}
	for _, c := range rep.Ran {
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceRan, c))
	}
	if err != nil {
		return err
	}
	if rep.NoManager != nil {
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceNoManager, rep.NoManager))
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceUnitIs, rep.Path))
		fmt.Fprint(out, indent(svc.Display()))
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceManual))
		for _, c := range rep.Manual {
			fmt.Fprintln(out, "  "+c)
		}
		return nil
	}
	if !opts.Now {
		_, err := fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceAtLogin))
		return err
	}
	pid, err := waitServing(ctx, s)
	if err != nil {
		return errors.New(i18n.T(s.Lang, i18n.ServiceNotRunning, svc.Manager, s.Paths.DaemonLog))
	}
	if _, err := fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceRunsNow, pid)); err != nil {
		return err
	}
	launchTray(f, s)
	return nil
}

// serviceRunsIt says whether the running daemon is likely the service's:
// the manager says the service is active, or, where it cannot tell, the
// service was installed for this home already.
func serviceRunsIt(ctx context.Context, svc *install.Service, before install.State) bool {
	if before != install.InstalledHere || svc.Available(ctx, execRunner{}) != nil {
		return false
	}
	if active, known := svc.IsActive(ctx, execRunner{}); known {
		return active
	}
	return true
}

func runUninstall(ctx context.Context, f *Factory) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	svc, err := serviceFor(f, s)
	if err != nil {
		return err
	}
	rep, err := svc.Uninstall(ctx, execRunner{})
	out := f.IO.Out
	for _, c := range rep.Ran {
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceRan, c))
	}
	if err != nil {
		return err
	}
	if !rep.Written {
		_, err := fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceNone, rep.Path))
		return err
	}
	fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceRemoved, rep.Path, svc.Manager))
	if rep.NoManager != nil {
		fmt.Fprintln(out, i18n.T(s.Lang, i18n.ServiceNoManager, rep.NoManager))
		for _, c := range rep.Manual {
			fmt.Fprintln(out, "  "+c)
		}
	}
	return nil
}

func indent(text string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		switch l {
		case "":
		case "\n":
			b.WriteString(l) // no trailing blanks
		default:
			b.WriteString("    " + l)
		}
	}
	return b.String()
}

// installedService is the service installed for this home whose manager
// answers. Without one, svc is nil; unavailable then says why a service
// installed here cannot be driven.
func installedService(ctx context.Context, f *Factory, s *Settings) (svc *install.Service, unavailable error, installed *install.Service) {
	sv, err := serviceFor(f, s)
	if err != nil {
		return nil, nil, nil
	}
	if st, err := sv.Installed(); err != nil || st != install.InstalledHere {
		return nil, nil, nil
	}
	if err := sv.Available(ctx, execRunner{}); err != nil {
		return nil, err, sv
	}
	return sv, nil, sv
}

// startService starts the daemon through the installed service, rather
// than beside it. handled is false when there is no such service.
func startService(ctx context.Context, f *Factory, s *Settings) (handled bool, err error) {
	svc, unavailable, installed := installedService(ctx, f, s)
	if installed == nil {
		return false, nil
	}
	if running, pid := lifecycle.Running(s.Paths.PIDFile); running && ipc.NewClient(s.Paths.Socket).Ping(ctx) == nil {
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ServiceRunning, pid, installed.Manager))
		return true, err
	}
	if svc == nil {
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.ServiceNoStart, installed.Manager, unavailable))
		return false, nil
	}
	ran, err := svc.RunStart(ctx, execRunner{})
	for _, c := range ran {
		fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ServiceRan, c))
	}
	if err != nil {
		return true, err
	}
	pid, err := waitServing(ctx, s)
	if err != nil {
		return true, errors.New(i18n.T(s.Lang, i18n.ServiceNotRunning, svc.Manager, s.Paths.DaemonLog))
	}
	if _, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ServiceStarted, pid, svc.Manager)); err != nil {
		return true, err
	}
	// The service runs the daemon only; the tray is the desktop's, as
	// with a plain start.
	launchTray(f, s)
	return true, nil
}

// stopService stops the daemon through the installed service: stopping it
// beside the service manager would leave the manager to start it again.
// handled is false when there is no service it can drive; note is then
// what to tell the user after the plain stop.
func stopService(ctx context.Context, f *Factory, s *Settings) (handled bool, note string, err error) {
	svc, _, installed := installedService(ctx, f, s)
	if installed == nil {
		return false, "", nil
	}
	if svc == nil {
		return false, i18n.T(s.Lang, i18n.ServiceStopNote, installed.Manager, installed.StopHint), nil
	}
	if running, _ := lifecycle.Running(s.Paths.PIDFile); !running {
		_, err := fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.DaemonWasNotRunning))
		return true, "", err
	}
	ran, err := svc.RunStop(ctx, execRunner{})
	for _, c := range ran {
		fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ServiceRan, c))
	}
	if err != nil {
		return true, "", err
	}
	if err := waitStopped(ctx, s.Paths.PIDFile); err != nil {
		_, pid := lifecycle.Running(s.Paths.PIDFile)
		return true, "", errors.New(i18n.T(s.Lang, i18n.DaemonStopTimeout, pid))
	}
	fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ServiceStopped, svc.Manager))
	_, err = fmt.Fprintln(f.IO.Out, i18n.T(s.Lang, i18n.ServiceComesBack, svc.StopHint))
	return true, "", err
}

// waitServing waits until a daemon answers on the socket and returns its
// PID.
func waitServing(ctx context.Context, s *Settings) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client := ipc.NewClient(s.Paths.Socket)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if client.Ping(ctx) == nil {
			if running, pid := lifecycle.Running(s.Paths.PIDFile); running {
				return pid, nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-tick.C:
		}
	}
}

// stopThroughAPI asks the daemon to stop and waits until it is gone.
func stopThroughAPI(ctx context.Context, s *Settings, pid int) error {
	if err := ipc.NewClient(s.Paths.Socket).Shutdown(ctx); err != nil && !errors.Is(err, ipc.ErrNotRunning) {
		return err
	}
	if err := waitStopped(ctx, s.Paths.PIDFile); err != nil {
		return errors.New(i18n.T(s.Lang, i18n.DaemonStopTimeout, pid))
	}
	return nil
}

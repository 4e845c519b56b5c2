package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EnvHome is the variable of the routecodex home.
const EnvHome = "ROUTECODEX_HOME"

// Cmd is one command of a service manager.
type Cmd struct {
	Args []string
	// MayFail: a failure is expected in some states (stopping what is not
	// loaded) and ignored.
	MayFail bool
}

func (c Cmd) String() string {
	q := make([]string, len(c.Args))
	for i, a := range c.Args {
		if a == "" || strings.ContainsAny(a, " \t\"'\\$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// Runner runs a command and returns its combined output.
type Runner interface {
	Run(ctx context.Context, args []string) ([]byte, error)
}

// Service is the user service of one OS: its file and the commands of its
// service manager.
type Service struct {
	Manager string // "systemd", "launchd", "Task Scheduler"
	Path    string // the unit file
	Content []byte // its bytes
	Text    string // its text, when Content is not UTF-8 (the Windows task)
	// Marker is in Content only for the home of the Spec: a file that
	// holds it runs the daemon of this home.
	Marker []byte

	Probe     Cmd   // succeeds when a user service manager answers
	Enable    []Cmd // after writing the file: start at every login
	EnableNow []Cmd // the same, and start now
	Reload    []Cmd // after enabling, when a changed file replaced one in use
	// Active succeeds while the service runs (nil: the manager cannot
	// tell cheaply).
	Active Cmd
	Start  []Cmd
	Stop   []Cmd
	Remove []Cmd // before the file is removed: stop, disable
	// AfterRemove runs once the file is gone.
	AfterRemove []Cmd
	// StopHint is the command that keeps the service from starting again.
	StopHint string
}

// For is the service of goos ("linux", "darwin", "windows") for s.
func For(goos string, s Spec) (*Service, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	switch goos {
	case "linux":
		return systemdService(s), nil
	case "darwin":
		return launchdService(s), nil
	case "windows":
		return windowsService(s), nil
	}
	return nil, fmt.Errorf("no user service manager is supported on %s", goos)
}

// Display is the file as text, for printing.
func (s *Service) Display() string {
	if s.Text != "" {
		return s.Text
	}
	return string(s.Content)
}

// State of the file on disk.
type State int

const (
	NotInstalled       State = iota
	InstalledHere            // for this home
	InstalledElsewhere       // for another home (the service is one per user)
)

// Installed reads the file on disk.
func (s *Service) Installed() (State, error) {
	data, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return NotInstalled, nil
	}
	if err != nil {
		return NotInstalled, err
	}
	if bytes.Equal(data, s.Content) || bytes.Contains(data, s.Marker) {
		return InstalledHere, nil
	}
	return InstalledElsewhere, nil
}

// Available says whether a user service manager answers; the error says
// why not.
func (s *Service) Available(ctx context.Context, r Runner) error {
	out, err := r.Run(ctx, s.Probe.Args)
	if err != nil {
		return cmdError(s.Probe, out, err)
	}
	return nil
}

// IsActive asks the manager whether the service runs; known is false
// when it cannot tell.
func (s *Service) IsActive(ctx context.Context, r Runner) (active, known bool) {
	if len(s.Active.Args) == 0 {
		return false, false
	}
	_, err := r.Run(ctx, s.Active.Args)
	return err == nil, true
}

// Report says what Install or Uninstall did.
type Report struct {
	Path string
	// Written: the file was new or changed; false when it held these
	// bytes already (install) or was absent (uninstall).
	Written bool
	// Replaced: an older, different file was overwritten.
	Replaced bool
	Ran      []string // the commands run, in order
	// NoManager is why no command was run (no user service manager);
	// Manual lists what to run by hand then.
	NoManager error
	Manual    []string
}

// Install writes the file (same bytes: left alone) and enables it, or with
// now also starts it. Without a user service manager the file is still
// written and Manual says what to run.
func (s *Service) Install(ctx context.Context, r Runner, now bool) (Report, error) {
	rep := Report{Path: s.Path}
	old, err := os.ReadFile(s.Path)
	switch {
	case err == nil:
		rep.Replaced = !bytes.Equal(old, s.Content)
	case !errors.Is(err, fs.ErrNotExist):
		return rep, err
	}
	if err != nil || rep.Replaced {
		if err := writeFile(s.Path, s.Content); err != nil {
			return rep, err
		}
		rep.Written = true
	}
	cmds := s.Enable
	if now {
		cmds = s.EnableNow
		if rep.Replaced {
			cmds = append(append([]Cmd(nil), cmds...), s.Reload...)
		}
	}
	if err := s.Available(ctx, r); err != nil {
		rep.NoManager = err
		for _, c := range cmds {
			rep.Manual = append(rep.Manual, c.String())
		}
		return rep, nil
	}
	return rep, s.run(ctx, r, cmds, &rep)
}

// Uninstall stops and disables the service and removes the file. Without
// a user service manager the file is still removed.
func (s *Service) Uninstall(ctx context.Context, r Runner) (Report, error) {
	rep := Report{Path: s.Path}
	if _, err := os.Stat(s.Path); errors.Is(err, fs.ErrNotExist) {
		return rep, nil
	}
	manager := s.Available(ctx, r)
	if manager != nil {
		rep.NoManager = manager
		for _, c := range append(append([]Cmd(nil), s.Remove...), s.AfterRemove...) {
			rep.Manual = append(rep.Manual, c.String())
		}
	} else if err := s.run(ctx, r, s.Remove, &rep); err != nil {
		return rep, err
	}
	if err := os.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return rep, err
	}
	rep.Written = true
	if manager == nil {
		return rep, s.run(ctx, r, s.AfterRemove, &rep)
	}
	return rep, nil
}

// RunStart and RunStop start and stop the installed service; they return
// the commands run.
func (s *Service) RunStart(ctx context.Context, r Runner) ([]string, error) {
	var rep Report
	err := s.run(ctx, r, s.Start, &rep)
	return rep.Ran, err
}

func (s *Service) RunStop(ctx context.Context, r Runner) ([]string, error) {
	var rep Report
	err := s.run(ctx, r, s.Stop, &rep)
	return rep.Ran, err
}

func (s *Service) run(ctx context.Context, r Runner, cmds []Cmd, rep *Report) error {
	for _, c := range cmds {
		out, err := r.Run(ctx, c.Args)
		rep.Ran = append(rep.Ran, c.String())
		if err != nil && !c.MayFail {
			return cmdError(c, out, err)
		}
	}
	return nil
}

// cmdError is one line: the command, its error and the first line of its
// output.
func cmdError(c Cmd, out []byte, err error) error {
	msg := fmt.Sprintf("%s: %v", c, err)
	if line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n"); line != "" {
		msg += ": " + strings.TrimSpace(line)
	}
	return errors.New(msg)
}

// writeFile replaces path atomically (temp file, rename), 0644 as service
// managers expect, in a directory made as needed.
func writeFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".routecodex-install-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

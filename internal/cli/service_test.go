package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/install"
)

// The service keeps what the user installed with: the home (always, made
// absolute), --config (absolute) and --lang when given, the auth-dir
// variables when set; and runs this binary in the foreground.
func TestServiceSpecKeepsHomeConfigAndLang(t *testing.T) {
	f, te := newTestFactory(t, nil, `{"tokenDaemon":{}}`)
	f.ConfigFlag = filepath.Join(te.home, "config.json")
	f.LangFlag = "zh"
	s, err := f.Settings()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := serviceSpec(f, s)
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(spec.Exe) {
		t.Errorf("Exe %q is not absolute", spec.Exe)
	}
	want := []string{"token-daemon", "start", "--foreground", "--config", filepath.Join(te.home, "config.json"), "--lang", "zh"}
	if !slices.Equal(spec.Args, want) {
		t.Errorf("Args %q, want %q", spec.Args, want)
	}
	if len(spec.Env) != 1 || spec.Env[0] != (install.EnvVar{Name: "ROUTECODEX_HOME", Value: te.home}) {
		t.Errorf("Env %v", spec.Env)
	}
	if spec.UserHome != f.Env.UserHome || spec.Home != te.home || !strings.HasPrefix(spec.LogFile, te.home) {
		t.Errorf("spec %+v", spec)
	}

	// Without flags: neither --config nor --lang, the locale and the
	// default config decide in the service as they do here.
	f2, _ := newTestFactory(t, nil, "")
	s2, _ := f2.Settings()
	spec2, _ := serviceSpec(f2, s2)
	if !slices.Equal(spec2.Args, []string{"token-daemon", "start", "--foreground"}) {
		t.Errorf("Args %q", spec2.Args)
	}
}

// start and stop of a home whose service is not installed never ask a
// service manager.
func TestNoServiceNoManagerCalls(t *testing.T) {
	f, _ := newTestFactory(t, nil, "")
	s, _ := f.Settings()
	if svc, why, installed := installedService(t.Context(), f, s); svc != nil || why != nil || installed != nil {
		t.Errorf("a service is found where none is installed: %v %v %v", svc, why, installed)
	}
}

// In the foreground the log also goes to stderr, except under our
// LaunchAgent, whose stderr file launchd never rotates.
func TestForegroundLogUnderLaunchd(t *testing.T) {
	for _, c := range []struct {
		xpc      string
		wantTeed bool
	}{{"", true}, {"com.apple.Terminal", true}, {install.Label, false}} {
		f, te := newTestFactory(t, nil, "")
		getenv := f.Env.Getenv
		f.Env.Getenv = withEnv(getenv, "XPC_SERVICE_NAME", c.xpc)
		s, err := f.Settings()
		if err != nil {
			t.Fatal(err)
		}
		logger, closer, err := openLogger(f, s, false)
		if err != nil {
			t.Fatal(err)
		}
		logger.Info("hello")
		closer.Close()
		if teed := strings.Contains(te.errOut.String(), "hello"); teed != c.wantTeed {
			t.Errorf("XPC_SERVICE_NAME=%q: on stderr %v, want %v", c.xpc, teed, c.wantTeed)
		}
	}
}

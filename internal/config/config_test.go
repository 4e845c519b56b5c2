package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/i18n"
)

func TestLoadMissingFileGivesDefaults(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("got %+v, want defaults", cfg)
	}
}

func TestDefaults(t *testing.T) {
	for _, data := range []string{`{}`, `{"port": 5555, "tokenDaemon": null}`, `{"tokenDaemon": {}}`} {
		cfg, err := Parse("/x/config.json", []byte(data))
		if err != nil {
			t.Fatalf("%s: %v", data, err)
		}
		want := &TokenDaemon{
			Enabled: true, RefreshAheadMinutes: 30, CheckIntervalSeconds: 60,
			Notification:           Notification{ShowPopup: true, Sound: true, NotifySuccess: false},
			AutoRefresh:            AutoRefresh{Enabled: true, RetryOnFailure: true, MaxRetries: 3},
			CallbackPorts:          []int{38421, 38422, 38423, 38424, 38425, 38426, 38427, 38428, 38429, 38430},
			Aliases:                map[string]string{},
			Providers:              cfg.Providers,
			Tray:                   "auto",
			MaxConcurrentRefreshes: 8,
			ServerCommand:          []string{"rcc", "start"},
		}
		if len(cfg.Providers) != 0 {
			t.Errorf("%s: providers %v, want none", data, cfg.Providers)
		}
		if !reflect.DeepEqual(cfg, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", data, cfg, want)
		}
	}
}

func TestParseEveryKey(t *testing.T) {
	data := `{
  "httpserver": {"port": 5520},
  "tokenDaemon": {
    "enabled": false,
    "refreshAheadMinutes": 45,
    "checkIntervalSeconds": 30.0,
    "notification": {"showPopup": false, "sound": false, "notifySuccess": true},
    "autoRefresh": {"enabled": false, "retryOnFailure": false, "maxRetries": 0},
    "authDir": "tokens",
    "language": "zh",
    "callbackPorts": [40000, 40001],
    "aliases": {"iflow-oauth-1-work.json": "工作账号", "qwen-oauth-1-default": "q"},
    "providers": {
      "qwen": {"tokenUrl": "http://127.0.0.1:9/token"},
      "corp-sso": {"flow": "authorization_code", "authUrl": "https://sso.example/auth",
        "tokenUrl": "https://sso.example/token", "clientId": "abc", "clientSecret": "",
        "scopes": ["openid"], "pkce": true, "authStyle": "both", "filePrefix": "corp",
        "extraAuthParams": {"prompt": "consent"}}
    },
    "tray": "off",
    "maxConcurrentRefreshes": 2,
    "serverCommand": ["routecodex", "serve", "--port", "5520"]
  }
}`
	cfg, err := Parse("/x/config.json", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"enabled", cfg.Enabled, false},
		{"refreshAheadMinutes", cfg.RefreshAheadMinutes, 45},
		{"checkIntervalSeconds", cfg.CheckIntervalSeconds, 30},
		{"notification", cfg.Notification, Notification{NotifySuccess: true}},
		{"autoRefresh", cfg.AutoRefresh, AutoRefresh{}},
		{"authDir", cfg.AuthDir, "tokens"},
		{"language", cfg.Language, i18n.ZH},
		{"callbackPorts", cfg.CallbackPorts, []int{40000, 40001}},
		{"aliases", cfg.Aliases, map[string]string{"iflow-oauth-1-work.json": "工作账号", "qwen-oauth-1-default.json": "q"}},
		{"tray", cfg.Tray, "off"},
		{"maxConcurrentRefreshes", cfg.MaxConcurrentRefreshes, 2},
		{"serverCommand", cfg.ServerCommand, []string{"routecodex", "serve", "--port", "5520"}},
		{"known providers", cfg.KnownProviders(), []string{"antigravity", "claude", "codex", "corp-sso", "gemini-cli", "iflow", "qwen"}},
		{"generic prefixes", cfg.FileOptions().Generic, map[string]string{"corp-sso": "corp"}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	if len(cfg.Providers) != 2 {
		t.Errorf("providers = %d entries, want 2", len(cfg.Providers))
	}
}

func TestParseErrorsNameFileAndKey(t *testing.T) {
	tests := []struct {
		name string
		td   string // the tokenDaemon value
		want string // the whole message after "/x/config.json: "
	}{
		{"block not object", `[]`, "tokenDaemon: must be an object"},
		{"unknown key", `{"refreshAheadMinute": 5}`, "tokenDaemon.refreshAheadMinute: unknown key (check its spelling)"},
		{"duplicate key", `{"tray": "on", "tray": "off"}`, "tokenDaemon.tray: is given twice"},
		{"enabled type", `{"enabled": "yes"}`, "tokenDaemon.enabled: must be true or false"},
		{"enabled null", `{"enabled": null}`, "tokenDaemon.enabled: must be true or false"},
		{"ahead type", `{"refreshAheadMinutes": "30"}`, "tokenDaemon.refreshAheadMinutes: must be a whole number from 1 to 1440"},
		{"ahead fraction", `{"refreshAheadMinutes": 2.5}`, "tokenDaemon.refreshAheadMinutes: must be a whole number from 1 to 1440"},
		{"ahead zero", `{"refreshAheadMinutes": 0}`, "tokenDaemon.refreshAheadMinutes: must be a whole number from 1 to 1440"},
		{"ahead big", `{"refreshAheadMinutes": 1441}`, "tokenDaemon.refreshAheadMinutes: must be a whole number from 1 to 1440"},
		{"interval small", `{"checkIntervalSeconds": 1}`, "tokenDaemon.checkIntervalSeconds: must be a whole number from 5 to 3600"},
		{"interval type", `{"checkIntervalSeconds": true}`, "tokenDaemon.checkIntervalSeconds: must be a whole number from 5 to 3600"},
		{"notification type", `{"notification": true}`, "tokenDaemon.notification: must be an object"},
		{"showPopup type", `{"notification": {"showPopup": 1}}`, "tokenDaemon.notification.showPopup: must be true or false"},
		{"sound type", `{"notification": {"sound": "on"}}`, "tokenDaemon.notification.sound: must be true or false"},
		{"notifySuccess type", `{"notification": {"notifySuccess": 0}}`, "tokenDaemon.notification.notifySuccess: must be true or false"},
		{"notification unknown", `{"notification": {"popup": true}}`, "tokenDaemon.notification.popup: unknown key (check its spelling)"},
		{"autoRefresh type", `{"autoRefresh": []}`, "tokenDaemon.autoRefresh: must be an object"},
		{"autoRefresh.enabled", `{"autoRefresh": {"enabled": "true"}}`, "tokenDaemon.autoRefresh.enabled: must be true or false"},
		{"retryOnFailure", `{"autoRefresh": {"retryOnFailure": null}}`, "tokenDaemon.autoRefresh.retryOnFailure: must be true or false"},
		{"maxRetries range", `{"autoRefresh": {"maxRetries": 11}}`, "tokenDaemon.autoRefresh.maxRetries: must be a whole number from 0 to 10"},
		{"maxRetries negative", `{"autoRefresh": {"maxRetries": -1}}`, "tokenDaemon.autoRefresh.maxRetries: must be a whole number from 0 to 10"},
		{"autoRefresh unknown", `{"autoRefresh": {"retries": 1}}`, "tokenDaemon.autoRefresh.retries: unknown key (check its spelling)"},
		{"authDir type", `{"authDir": 5}`, "tokenDaemon.authDir: must be a string"},
		{"authDir empty", `{"authDir": " "}`, "tokenDaemon.authDir: must be a non-empty string"},
		{"language", `{"language": "fr"}`, `tokenDaemon.language: must be one of "zh", "en"`},
		{"language type", `{"language": 1}`, `tokenDaemon.language: must be one of "zh", "en"`},
		{"ports type", `{"callbackPorts": 38421}`, "tokenDaemon.callbackPorts: must be an array of port numbers"},
		{"ports empty", `{"callbackPorts": []}`, "tokenDaemon.callbackPorts: must list 1 to 100 port numbers"},
		{"port range", `{"callbackPorts": [38421, 80]}`, "tokenDaemon.callbackPorts[1]: must be a whole number from 1024 to 65535"},
		{"port type", `{"callbackPorts": ["38421"]}`, "tokenDaemon.callbackPorts[0]: must be a whole number from 1024 to 65535"},
		{"port twice", `{"callbackPorts": [38421, 38421]}`, "tokenDaemon.callbackPorts[1]: port 38421 is listed twice"},
		{"aliases type", `{"aliases": ["a"]}`, "tokenDaemon.aliases: must be an object"},
		{"alias value", `{"aliases": {"iflow-oauth-1-work.json": 3}}`, `tokenDaemon.aliases["iflow-oauth-1-work.json"]: must be a string`},
		{"alias path", `{"aliases": {"../x.json": "x"}}`, `tokenDaemon.aliases["../x.json"]: must be a token file name such as "iflow-oauth-1-work.json"`},
		{"providers type", `{"providers": "qwen"}`, "tokenDaemon.providers: must be an object"},
		{"provider type", `{"providers": {"qwen": true}}`, "tokenDaemon.providers.qwen: must be an object"},
		{"provider name", `{"providers": {"Corp SSO": {}}}`, `tokenDaemon.providers.Corp SSO: a provider name must be lower-case letters, digits, '.', '_' or '-'`},
		{"provider unknown key", `{"providers": {"qwen": {"token_url": "x"}}}`, "tokenDaemon.providers.qwen.token_url: unknown key (check its spelling)"},
		{"provider url type", `{"providers": {"qwen": {"tokenUrl": 5}}}`, "tokenDaemon.providers.qwen.tokenUrl: must be a string"},
		{"provider url", `{"providers": {"qwen": {"tokenUrl": "ftp://x"}}}`, `tokenDaemon.providers.qwen.tokenUrl: "ftp://x": scheme must be https`},
		{"provider flow", `{"providers": {"corp": {"flow": "implicit"}}}`, `tokenDaemon.providers.corp.flow: must be "authorization_code" or "device_code"`},
		{"provider scopes", `{"providers": {"qwen": {"scopes": "openid"}}}`, "tokenDaemon.providers.qwen.scopes: must be an array of strings"},
		{"provider scope item", `{"providers": {"qwen": {"scopes": ["a", 1]}}}`, "tokenDaemon.providers.qwen.scopes[1]: must be a string"},
		{"provider pkce", `{"providers": {"qwen": {"pkce": "yes"}}}`, "tokenDaemon.providers.qwen.pkce: must be true or false"},
		{"provider extra", `{"providers": {"qwen": {"extraAuthParams": {"prompt": 1}}}}`, "tokenDaemon.providers.qwen.extraAuthParams.prompt: must be a string"},
		{"generic needs tokenUrl", `{"providers": {"corp": {"flow": "device_code", "clientId": "x"}}}`, "tokenDaemon.providers.corp.tokenUrl: missing; a generic provider needs its token endpoint"},
		{"tray", `{"tray": "yes"}`, `tokenDaemon.tray: must be one of "auto", "on", "off"`},
		{"concurrency", `{"maxConcurrentRefreshes": 0}`, "tokenDaemon.maxConcurrentRefreshes: must be a whole number from 1 to 64"},
		{"concurrency big", `{"maxConcurrentRefreshes": 65}`, "tokenDaemon.maxConcurrentRefreshes: must be a whole number from 1 to 64"},
		{"serverCommand type", `{"serverCommand": "rcc start"}`, "tokenDaemon.serverCommand: must be an array of strings"},
		{"serverCommand empty", `{"serverCommand": []}`, `tokenDaemon.serverCommand: must name a command, e.g. ["rcc", "start"]`},
		{"serverCommand item", `{"serverCommand": ["rcc", ""]}`, "tokenDaemon.serverCommand[1]: must be a non-empty string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("/x/config.json", []byte(`{"other": 1, "tokenDaemon": `+tt.td+`}`))
			if err == nil {
				t.Fatal("no error")
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not *Error", err)
			}
			if got, want := err.Error(), "/x/config.json: "+tt.want; got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestParseSyntaxErrorNamesLine(t *testing.T) {
	tests := []struct {
		data string
		want string
	}{
		{"{\n  \"tokenDaemon\": {\n    \"enabled\": true,\n  }\n}", "/x/config.json: line 4, column 3: not valid JSON"},
		{"", "/x/config.json: line 1, column 1: not valid JSON"},
		{"[1, 2]", "/x/config.json: must hold a JSON object"},
	}
	for _, tt := range tests {
		_, err := Parse("/x/config.json", []byte(tt.data))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Parse(%q) = %v, want prefix %q", tt.data, err, tt.want)
		}
	}
}

func TestLoadUnreadable(t *testing.T) {
	dir := t.TempDir()
	// A directory where the file should be cannot be read as a file.
	if err := os.Mkdir(filepath.Join(dir, "config.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(filepath.Join(dir, "config.json")); err == nil {
		t.Fatal("no error reading a directory as config")
	}
}

func envOf(home string, vars map[string]string) Env {
	return Env{Getenv: func(k string) string { return vars[k] }, UserHome: home}
}

func TestPathResolution(t *testing.T) {
	user := t.TempDir() // the injected user home
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{user}, parts...)...)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rccAuth := mk(".rcc", "auth")
	customHome := filepath.Join(user, "custom-home")

	tests := []struct {
		name        string
		vars        map[string]string
		flag        string
		cfgAuthDir  string
		mkHomeAuth  bool
		wantHome    string
		wantConfig  string
		wantAuth    string
		wantAuthSrc string
	}{
		{
			name:     "defaults fall back to ~/.rcc/auth when <home>/auth is absent",
			wantHome: filepath.Join(user, ".routecodex"), wantConfig: filepath.Join(user, ".routecodex", "config.json"),
			wantAuth: rccAuth, wantAuthSrc: "~/.rcc/auth",
		},
		{
			name: "<home>/auth wins over ~/.rcc/auth when it exists", mkHomeAuth: true,
			vars:     map[string]string{"ROUTECODEX_HOME": customHome},
			wantHome: customHome, wantConfig: filepath.Join(customHome, "config.json"),
			wantAuth: filepath.Join(customHome, "auth"), wantAuthSrc: "default location",
		},
		{
			name:       "ROUTECODEX_AUTH_DIR beats RCC_AUTH_DIR and config",
			vars:       map[string]string{"ROUTECODEX_HOME": customHome, "ROUTECODEX_AUTH_DIR": "/a", "RCC_AUTH_DIR": "/b"},
			cfgAuthDir: "/c",
			wantHome:   customHome, wantConfig: filepath.Join(customHome, "config.json"),
			wantAuth: "/a", wantAuthSrc: "env ROUTECODEX_AUTH_DIR",
		},
		{
			name:       "RCC_AUTH_DIR beats config",
			vars:       map[string]string{"ROUTECODEX_HOME": customHome, "RCC_AUTH_DIR": "/b"},
			cfgAuthDir: "/c",
			wantHome:   customHome, wantConfig: filepath.Join(customHome, "config.json"),
			wantAuth: "/b", wantAuthSrc: "env RCC_AUTH_DIR",
		},
		{
			name:       "config authDir, relative to the config file, beats the default",
			vars:       map[string]string{"ROUTECODEX_HOME": customHome, "ROUTECODEX_CONFIG": "/etc/rc/config.json"},
			cfgAuthDir: "tokens",
			wantHome:   customHome, wantConfig: "/etc/rc/config.json",
			wantAuth: "/etc/rc/tokens", wantAuthSrc: "config tokenDaemon.authDir",
		},
		{
			name:       "config authDir with ~",
			vars:       map[string]string{"ROUTECODEX_HOME": customHome},
			cfgAuthDir: "~/tok",
			wantHome:   customHome, wantConfig: filepath.Join(customHome, "config.json"),
			wantAuth: filepath.Join(user, "tok"), wantAuthSrc: "config tokenDaemon.authDir",
		},
		{
			name: "--config beats ROUTECODEX_CONFIG",
			vars: map[string]string{"ROUTECODEX_HOME": customHome, "ROUTECODEX_CONFIG": "/etc/rc/config.json"},
			flag: "/flag/config.json", mkHomeAuth: true,
			wantHome: customHome, wantConfig: "/flag/config.json",
			wantAuth: filepath.Join(customHome, "auth"), wantAuthSrc: "default location",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := envOf(user, tt.vars)
			if tt.mkHomeAuth {
				if err := os.MkdirAll(filepath.Join(Home(env), "auth"), 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if got := Home(env); got != tt.wantHome {
				t.Errorf("Home = %s, want %s", got, tt.wantHome)
			}
			cfgPath := ConfigPath(env, tt.flag)
			if cfgPath != tt.wantConfig {
				t.Errorf("ConfigPath = %s, want %s", cfgPath, tt.wantConfig)
			}
			cfg := Default()
			cfg.AuthDir = tt.cfgAuthDir
			dir, src := AuthDir(env, cfgPath, cfg)
			if dir != tt.wantAuth || src != tt.wantAuthSrc {
				t.Errorf("AuthDir = %s (%s), want %s (%s)", dir, src, tt.wantAuth, tt.wantAuthSrc)
			}
		})
	}
}

func TestResolveLoadsConfigAndFillsPaths(t *testing.T) {
	home := t.TempDir()
	env := envOf(t.TempDir(), map[string]string{"ROUTECODEX_HOME": home})
	if err := os.WriteFile(filepath.Join(home, "config.json"), []byte(`{"tokenDaemon":{"authDir":"/tok","refreshAheadMinutes":10}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, cfg, err := Resolve(env, "")
	if err != nil {
		t.Fatal(err)
	}
	want := PathsFor(home)
	want.Config = filepath.Join(home, "config.json")
	want.AuthDir, want.AuthDirFrom = "/tok", "config tokenDaemon.authDir"
	if p != want {
		t.Errorf("paths:\n got %+v\nwant %+v", p, want)
	}
	if cfg.RefreshAheadMinutes != 10 {
		t.Errorf("refreshAheadMinutes = %d", cfg.RefreshAheadMinutes)
	}
	for name, got := range map[string]string{
		"socket": p.Socket, "pid": p.PIDFile, "secret": p.WebSecret, "log": p.DaemonLog,
		"audit": p.AuditLog, "state": p.StateFile,
	} {
		if !strings.HasPrefix(got, home+string(filepath.Separator)) {
			t.Errorf("%s path %s is not under home %s", name, got, home)
		}
	}
	if p.Socket != filepath.Join(home, "run", "token-daemon.sock") || p.StateFile != filepath.Join(home, "state", "token-daemon.json") ||
		p.AuditLog != filepath.Join(home, "logs", "token-audit.jsonl") {
		t.Errorf("unexpected layout %+v", p)
	}
}

func TestLanguage(t *testing.T) {
	zhCfg := Default()
	zhCfg.Language = i18n.ZH
	tests := []struct {
		name    string
		vars    map[string]string
		cfg     *TokenDaemon
		flag    string
		want    i18n.Lang
		wantErr bool
	}{
		{"locale en", map[string]string{"LANG": "en_US.UTF-8"}, Default(), "", i18n.EN, false},
		{"locale zh", map[string]string{"LANG": "zh_CN.UTF-8"}, Default(), "", i18n.ZH, false},
		{"no locale", nil, nil, "", i18n.EN, false},
		{"config beats locale", map[string]string{"LANG": "en_US.UTF-8"}, zhCfg, "", i18n.ZH, false},
		{"flag beats config", nil, zhCfg, "en", i18n.EN, false},
		{"bad flag", nil, zhCfg, "klingon", "", true},
	}
	for _, tt := range tests {
		got, err := Language(envOf("", tt.vars), tt.cfg, tt.flag)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q (err %v)", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

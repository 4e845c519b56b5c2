package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/sources"
)

func TestSourcesConfig(t *testing.T) {
	cfg, err := Parse("/x/config.json", []byte(`{"tokenDaemon": {"sources": [
		{"format": "codex-cli"},
		{"format": "claude-code", "refresh": "auto"},
		{"format": "cliproxyapi", "path": "~/cpa"},
		{"format": "cliproxyapi", "path": "cpa2"},
		{"format": "routecodex", "path": "/srv/auth", "name": "srv"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := Env{Getenv: func(k string) string {
		if k == "CODEX_HOME" {
			return "~/codexhome"
		}
		return ""
	}, UserHome: home}
	got := ResolveSources(env, "/x/config.json", cfg)
	want := []sources.Source{
		{Name: "codex-cli", Format: "codex-cli", Path: filepath.Join(home, "codexhome", "auth.json"), Mode: sources.ModeAuto},
		{Name: "claude-code", Format: "claude-code", Path: filepath.Join(home, ".claude", ".credentials.json"), Mode: sources.ModeAuto, ModeSet: true},
		{Name: "cliproxyapi", Format: "cliproxyapi", Path: filepath.Join(home, "cpa"), Mode: sources.ModeAuto},
		{Name: "cliproxyapi-2", Format: "cliproxyapi", Path: "/x/cpa2", Mode: sources.ModeAuto},
		{Name: "srv", Format: "routecodex", Path: "/srv/auth", Mode: sources.ModeAuto},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Claude Code defaults to watch.
	cfg, _ = Parse("/x/config.json", []byte(`{"tokenDaemon": {"sources": [{"format": "claude-code"}]}}`))
	if s := ResolveSources(env, "/x/config.json", cfg); s[0].Mode != sources.ModeWatch || s[0].ModeSet {
		t.Errorf("claude-code default: %+v", s[0])
	}
}

func TestSourcesConfigErrors(t *testing.T) {
	tests := []struct{ data, en, zh string }{
		{`{"sources": {}}`, "tokenDaemon.sources: must be an array of objects", "tokenDaemon.sources：必须是对象数组"},
		{`{"sources": [{"format": "codex"}]}`, `tokenDaemon.sources[0].format: must be one of "codex-cli"`, `tokenDaemon.sources[0].format：必须是以下之一："codex-cli"`},
		{`{"sources": [{"path": "/a"}]}`, `tokenDaemon.sources[0].format: is required (one of "codex-cli"`, "tokenDaemon.sources[0].format：是必填项"},
		{`{"sources": [{"format": "qwen-code", "refresh": "never"}]}`, `tokenDaemon.sources[0].refresh: must be one of "auto", "watch"`, `tokenDaemon.sources[0].refresh：必须是以下之一："auto", "watch"`},
		{`{"sources": [{"format": "qwen-code", "mode": "watch"}]}`, "tokenDaemon.sources[0].mode: unknown key", "tokenDaemon.sources[0].mode：未知的键"},
		{`{"sources": [{"format": "routecodex"}]}`, `tokenDaemon.sources[0].path: is required for format "routecodex"`, `tokenDaemon.sources[0].path：格式 "routecodex" 必须填写`},
		{`{"sources": [{"format": "qwen-code", "name": "a/b"}]}`, "tokenDaemon.sources[0].name: must be letters", "tokenDaemon.sources[0].name：只能包含"},
		{`{"sources": [{"format": "qwen-code"}, {"format": "gemini-cli", "name": "qwen-code"}]}`, `tokenDaemon.sources[1].name: "qwen-code" is used by another source`, `tokenDaemon.sources[1].name："qwen-code" 已被另一个来源使用`},
		{`{"sources": [{"format": "qwen-code", "path": ""}]}`, "tokenDaemon.sources[0].path: must be a non-empty string", "tokenDaemon.sources[0].path：必须是非空字符串"},
	}
	for _, tt := range tests {
		_, err := Parse("/x/config.json", []byte(`{"tokenDaemon": `+tt.data+`}`))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("%s: %v", tt.data, err)
		}
		if en := ce.Text(i18n.EN); !contains(en, "/x/config.json: "+tt.en) {
			t.Errorf("%s: en %q, want %q", tt.data, en, tt.en)
		}
		if zh := ce.Text(i18n.ZH); !contains(zh, "/x/config.json："+tt.zh) {
			t.Errorf("%s: zh %q, want %q", tt.data, zh, tt.zh)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// An alias of another tool's file is kept under its source name.
func TestSourceFileAlias(t *testing.T) {
	cfg, err := Parse("/x/config.json", []byte(`{"tokenDaemon": {"aliases": {"claude-code/.credentials.json": "mine"}}}`))
	if err != nil || cfg.Aliases["claude-code/.credentials.json"] != "mine" {
		t.Fatalf("%v %v", cfg, err)
	}
	if name, _, err := CheckAlias("codex-cli/auth.json", "work"); err != nil || name != "codex-cli/auth.json" {
		t.Errorf("CheckAlias: %q %v", name, err)
	}
	for _, bad := range []string{"a/b/c.json", "../x.json", "/abs.json", "x/../y.json"} {
		if _, _, err := CheckAlias(bad, "w"); err == nil {
			t.Errorf("CheckAlias(%q) accepted", bad)
		}
	}
}

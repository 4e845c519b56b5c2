package tray

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"slices"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// tok makes a wire token of provider with status, expiring at
// testNow+expiresIn (no expiry when expiresIn is 0).
func tok(file, provider, status string, expiresIn time.Duration, refreshable bool) ipc.TokenDetail {
	t := ipc.TokenDetail{Token: ipc.Token{File: file, Provider: provider, Status: status, Refreshable: refreshable, DisplayName: file + " account"}}
	if expiresIn != 0 {
		s := testNow.Add(expiresIn).Format(time.RFC3339)
		t.ExpiresAt = &s
	}
	return t
}

// fixtureTokens are states like those of testdata/fixtures/auth as the
// daemon reports them, plus the plan's three examples.
func fixtureTokens() []ipc.TokenDetail {
	return []ipc.TokenDetail{
		tok("qwen.json", "qwen", "expiring", 25*time.Minute+30*time.Second, true),
		tok("iflow.json", "iflow", "valid", 48*time.Hour, true),
		tok("iflow-work.json", "iflow", "needs_reauth", -time.Hour, true),
		tok("antigravity-oauth.json", "antigravity", "expired", -time.Hour, false),
		tok("mystery-provider.json", "", "expired", -time.Hour, false),
		tok("qwen-oauth-2-static.json", "qwen", "static", -time.Hour, false),
		tok("broken.json", "", "invalid", 0, false),
		tok("gemini-oauth-2-dev.json", "gemini-cli", "refresh_failed", 10*time.Minute, true),
		tok("qwen-oauth-1-default.json", "qwen", "refreshing", -time.Minute, true),
	}
}

func TestBuildMenuTokenLines(t *testing.T) {
	type line struct {
		label  string
		action Action
	}
	auth := func(f string) Action { return Action{Kind: ActionOpenAuth, File: f} }
	tests := []struct {
		lang    i18n.Lang
		want    []line
		tooltip string
	}{
		{i18n.ZH, []line{
			{"antigravity-oauth.json ❌ 已过期 [重新认证]", auth("antigravity-oauth.json")},
			{"broken.json 🚫 无效", Action{}},
			{"gemini-oauth-2-dev.json ⚠️ 刷新失败 [重新认证]", auth("gemini-oauth-2-dev.json")},
			{"iflow-work.json ❌ 失效 [重新认证]", auth("iflow-work.json")},
			{"iflow.json ✅ 有效", Action{}},
			{"mystery-provider.json ❌ 已过期", Action{}},
			{"qwen-oauth-1-default.json 🔄 刷新中", Action{}},
			{"qwen-oauth-2-static.json 🔒 只读", Action{}},
			{"qwen.json ⚠️ 25分钟后过期", Action{}},
		}, "RouteCodex Token：6 个需要处理"},
		{i18n.EN, []line{
			{"antigravity-oauth.json ❌ expired [re-authenticate]", auth("antigravity-oauth.json")},
			{"broken.json 🚫 invalid", Action{}},
			{"gemini-oauth-2-dev.json ⚠️ refresh failed [re-authenticate]", auth("gemini-oauth-2-dev.json")},
			{"iflow-work.json ❌ needs login [re-authenticate]", auth("iflow-work.json")},
			{"iflow.json ✅ valid", Action{}},
			{"mystery-provider.json ❌ expired", Action{}},
			{"qwen-oauth-1-default.json 🔄 refreshing", Action{}},
			{"qwen-oauth-2-static.json 🔒 read-only", Action{}},
			{"qwen.json ⚠️ expires in 25m", Action{}},
		}, "RouteCodex Token: 6 need attention"},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang), func(t *testing.T) {
			m := BuildMenu(tt.lang, fixtureTokens(), true, testNow)
			var got []line
			for _, e := range m.Tokens {
				got = append(got, line{e.Label, e.Action})
				if !e.Enabled {
					t.Errorf("%q is disabled; token lines stay readable", e.Label)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("token lines:\n got %+v\nwant %+v", got, tt.want)
			}
			if m.Level != LevelError {
				t.Errorf("level = %v, want error", m.Level)
			}
			if m.Tooltip != tt.tooltip {
				t.Errorf("tooltip = %q, want %q", m.Tooltip, tt.tooltip)
			}
		})
	}
}

func TestBuildMenuCommands(t *testing.T) {
	tests := []struct {
		lang      i18n.Lang
		connected bool
		want      []Entry
	}{
		{i18n.ZH, true, []Entry{
			{Label: "🔄 刷新全部", Enabled: true, Action: Action{Kind: ActionRefreshAll}, SeparatorBefore: true},
			{Label: "🌐 Web UI", Enabled: true, Action: Action{Kind: ActionOpenWebUI}},
			{Label: "❌ 退出", Enabled: true, Action: Action{Kind: ActionQuit}, SeparatorBefore: true},
			{Label: "停止守护进程并退出", Enabled: true, Action: Action{Kind: ActionStopDaemon}},
		}},
		{i18n.EN, true, []Entry{
			{Label: "🔄 Refresh all", Enabled: true, Action: Action{Kind: ActionRefreshAll}, SeparatorBefore: true},
			{Label: "🌐 Web UI", Enabled: true, Action: Action{Kind: ActionOpenWebUI}},
			{Label: "❌ Quit", Enabled: true, Action: Action{Kind: ActionQuit}, SeparatorBefore: true},
			{Label: "Stop daemon and quit", Enabled: true, Action: Action{Kind: ActionStopDaemon}},
		}},
		// Offline: nothing to refresh and no web server to open; quitting works.
		{i18n.EN, false, []Entry{
			{Label: "🔄 Refresh all", Enabled: false, Action: Action{Kind: ActionRefreshAll}, SeparatorBefore: true},
			{Label: "🌐 Web UI", Enabled: false, Action: Action{Kind: ActionOpenWebUI}},
			{Label: "❌ Quit", Enabled: true, Action: Action{Kind: ActionQuit}, SeparatorBefore: true},
			{Label: "Stop daemon and quit", Enabled: true, Action: Action{Kind: ActionStopDaemon}},
		}},
	}
	for _, tt := range tests {
		m := BuildMenu(tt.lang, fixtureTokens(), tt.connected, testNow)
		if !slices.Equal(m.Commands, tt.want) {
			t.Errorf("%s connected=%v commands:\n got %+v\nwant %+v", tt.lang, tt.connected, m.Commands, tt.want)
		}
		wantTitle := map[i18n.Lang]string{i18n.ZH: "📊 状态", i18n.EN: "📊 Status"}[tt.lang]
		if m.StatusTitle != wantTitle {
			t.Errorf("status title = %q, want %q", m.StatusTitle, wantTitle)
		}
	}
}

func TestBuildMenuLevelAndPlaceholders(t *testing.T) {
	tests := []struct {
		name      string
		lang      i18n.Lang
		tokens    []ipc.TokenDetail
		connected bool
		level     Level
		lines     []string
		tooltip   string
	}{
		{"all valid", i18n.ZH, []ipc.TokenDetail{
			tok("a.json", "iflow", "valid", 2*time.Hour, true),
			tok("b.json", "qwen", "static", 0, false),
			tok("c.json", "qwen", "refreshing", time.Minute, true),
		}, true, LevelOK, []string{"a.json ✅ 有效", "b.json 🔒 只读", "c.json 🔄 刷新中"}, "RouteCodex Token：全部正常"},
		{"expiring is a warning", i18n.EN, []ipc.TokenDetail{
			tok("a.json", "iflow", "valid", 2*time.Hour, true),
			tok("b.json", "qwen", "expiring", 2*time.Hour+5*time.Minute, true),
		}, true, LevelWarning, []string{"a.json ✅ valid", "b.json ⚠️ expires in 2h5m"}, "RouteCodex Token: 1 need attention"},
		{"missing is a warning", i18n.EN, []ipc.TokenDetail{
			tok("gone.json", "iflow", "missing", time.Hour, true),
		}, true, LevelWarning, []string{"gone.json 🗑️ missing"}, "RouteCodex Token: 1 need attention"},
		{"expiring already past: plain word", i18n.ZH, []ipc.TokenDetail{
			tok("b.json", "qwen", "expiring", -time.Second, true),
		}, true, LevelWarning, []string{"b.json ⚠️ 即将过期"}, "RouteCodex Token：1 个需要处理"},
		{"needs login is an error", i18n.EN, []ipc.TokenDetail{
			tok("b.json", "qwen", "expiring", 5*time.Minute, true),
			tok("c.json", "qwen", "needs_reauth", 0, true),
		}, true, LevelError, []string{"b.json ⚠️ expires in 5m", "c.json ❌ needs login [re-authenticate]"}, "RouteCodex Token: 2 need attention"},
		{"no tokens", i18n.ZH, nil, true, LevelOK, []string{"（没有 Token 文件）"}, "RouteCodex Token：全部正常"},
		{"daemon offline", i18n.ZH, []ipc.TokenDetail{tok("c.json", "qwen", "needs_reauth", 0, true)},
			false, LevelOffline, []string{"守护进程未运行"}, "RouteCodex Token：守护进程未运行"},
		{"daemon offline en", i18n.EN, nil, false, LevelOffline, []string{"daemon not running"}, "RouteCodex Token: daemon not running"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := BuildMenu(tt.lang, tt.tokens, tt.connected, testNow)
			var lines []string
			for _, e := range m.Tokens {
				lines = append(lines, e.Label)
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("lines = %q, want %q", lines, tt.lines)
			}
			if m.Level != tt.level {
				t.Errorf("level = %v, want %v", m.Level, tt.level)
			}
			if m.Tooltip != tt.tooltip {
				t.Errorf("tooltip = %q, want %q", m.Tooltip, tt.tooltip)
			}
			if len(tt.tokens) == 0 || !tt.connected {
				if m.Tokens[0].Enabled || m.Tokens[0].Action.Kind != ActionNone {
					t.Errorf("placeholder %+v must be a disabled line without action", m.Tokens[0])
				}
			}
		})
	}
}

func TestIcons(t *testing.T) {
	for _, l := range []Level{LevelOK, LevelWarning, LevelError, LevelOffline} {
		img, err := png.Decode(bytes.NewReader(iconPNG(l)))
		if err != nil {
			t.Fatalf("%v: %v", l, err)
		}
		if b := img.Bounds(); b.Dx() != iconSize || b.Dy() != iconSize {
			t.Errorf("%v: size %v", l, b)
		}
		r, g, b, a := img.At(iconSize/2, iconSize/2).RGBA()
		want := levelColors[l]
		if uint8(r>>8) != want.R || uint8(g>>8) != want.G || uint8(b>>8) != want.B || a != 0xffff {
			t.Errorf("%v: centre pixel %x %x %x %x, want %v", l, r, g, b, a, want)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%v: corner is not transparent", l)
		}

		ico := iconICO(l)
		var hdr struct {
			Reserved, Type, Count uint16
			W, H, Colors, _       uint8
			Planes, Bits          uint16
			Size, Offset          uint32
		}
		if err := binary.Read(bytes.NewReader(ico), binary.LittleEndian, &hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Type != 1 || hdr.Count != 1 || hdr.W != iconSize || int(hdr.Offset)+int(hdr.Size) != len(ico) ||
			!bytes.Equal(ico[hdr.Offset:], iconPNG(l)) {
			t.Errorf("%v: bad ICO header %+v", l, hdr)
		}
	}
	if bytes.Equal(iconPNG(LevelOK), iconPNG(LevelError)) {
		t.Error("ok and error icons are the same")
	}
}

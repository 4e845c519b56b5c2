package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"abc", 3},
		{"个人账号", 8},
		{"✅ 有效", 7},
		{"⚠️ 即将过期", 11}, // U+26A0 U+FE0F is a two-cell emoji
		{"⚠ plain", 7},  // without U+FE0F it is one cell
		{"🗑️ 已删除", 9},
		{"❌ expired", 10},
		{"é", 1},
		{"", 0},
		{"\uFE0F", 0},
	}
	for _, tt := range tests {
		if got := displayWidth(tt.s); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

// checkAligned fails unless every line of a table has its " | " (or "-+-")
// separators at the same display columns.
func checkAligned(t *testing.T, table string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(table, "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("table too short:\n%s", table)
	}
	var want []int
	for i, line := range lines {
		sep := " | "
		if i == 1 {
			sep = "-+-"
		}
		var cols []int
		pos := 0
		parts := strings.Split(line, sep)
		for _, p := range parts[:len(parts)-1] {
			pos += displayWidth(p)
			cols = append(cols, pos)
			pos += len(sep)
		}
		if i == 0 {
			want = cols
			continue
		}
		if len(cols) != len(want) {
			t.Errorf("line %d has %d separators, want %d:\n%s", i, len(cols), len(want), table)
			continue
		}
		for j := range cols {
			if cols[j] != want[j] {
				t.Errorf("line %d: separator %d at column %d, want %d:\n%s", i, j, cols[j], want[j], table)
			}
		}
		if strings.HasSuffix(line, " ") {
			t.Errorf("line %d has trailing spaces: %q", i, line)
		}
	}
}

func TestTokenTableAlignsCJKAndEmoji(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *string {
		s := now.Add(d).UTC().Format(time.RFC3339)
		return &s
	}
	tokens := []ipc.Token{
		{File: "iflow-oauth-2-personal.json", DisplayName: "个人账号 (my@gmail.com)", Status: "valid", ExpiresAt: at(76 * time.Hour)},
		{File: "qwen-oauth-1-default.json", DisplayName: "工作🚀账号", Status: "expiring", ExpiresAt: at(38 * time.Minute)},
		{File: "a.json", DisplayName: "a", Status: "refresh_failed", ExpiresAt: at(125 * time.Minute)},
		{File: "gemini-oauth-2-dev.json", DisplayName: "dev", Status: "missing"},
		{File: "broken.json", DisplayName: "broken", Status: "invalid", Reason: "not JSON"},
		{File: "x.json", DisplayName: "x\n\x1b[31mred", Status: "static", ExpiresAt: at(-time.Hour)},
	}
	sh := time.FixedZone("CST", 8*3600)
	for _, lang := range i18n.Langs {
		var b bytes.Buffer
		if err := tokenTable(&b, lang, tokens, now, sh); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		checkAligned(t, out)
		if strings.Contains(out, "\x1b") {
			t.Errorf("control characters reach the terminal:\n%q", out)
		}
		// Local time of the injected zone, remaining in the language's form.
		wantCells := map[i18n.Lang][]string{
			i18n.ZH: {"2030-01-04 12:00", "3天4小时", "38分钟", "2小时5分", "⚠️ 即将过期", "🚫 无效 (not JSON)"},
			i18n.EN: {"2030-01-04 12:00", "3d4h", "38m", "2h5m", "⚠️ refresh failed", "🔒 read-only"},
		}
		for _, c := range wantCells[lang] {
			if !strings.Contains(out, c) {
				t.Errorf("%s table lacks %q:\n%s", lang, c, out)
			}
		}
		t.Logf("\n%s", out)
	}
}

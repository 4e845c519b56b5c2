package tray

import (
	"testing"

	"github.com/routecodex/token-daemon/internal/health"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

// Issue 12 point 2: the health score in a token line's tooltip.
func TestLineTooltipShowsHealth(t *testing.T) {
	tok := ipc.Token{DisplayName: "Work (me@x.com)", Health: health.Report{Score: 30, Grade: health.Critical}}
	for lang, want := range map[i18n.Lang]string{
		i18n.EN: "Work (me@x.com) · health 30 (critical)",
		i18n.ZH: "Work (me@x.com) · 健康度 30（危险）",
	} {
		if got := lineTooltip(lang, tok); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	if got := lineTooltip(i18n.EN, ipc.Token{DisplayName: "x"}); got != "x" {
		t.Errorf("without a score: %q", got)
	}
}

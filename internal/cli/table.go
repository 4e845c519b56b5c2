package cli

import (
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/routecodex/token-daemon/internal/health"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
)

// widthCond measures cells the same way whatever the user's locale:
// East-Asian ambiguous characters count as one cell, as modern terminals
// draw them (runewidth would otherwise switch to two under a CJK locale).
var widthCond = &runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}

// displayWidth is the number of terminal cells s takes. A character followed
// by U+FE0F (emoji presentation, e.g. "⚠️") is drawn as a two-cell emoji,
// which runewidth counts as one.
func displayWidth(s string) int {
	w := 0
	for {
		i := strings.IndexRune(s, '\uFE0F')
		if i < 0 {
			return w + widthCond.StringWidth(s)
		}
		head := s[:i]
		r, size := utf8.DecodeLastRuneInString(head)
		w += widthCond.StringWidth(head[:len(head)-size])
		if size > 0 {
			w += max(2, widthCond.RuneWidth(r))
		}
		s = s[i+len("\uFE0F"):]
	}
}

// writeTable writes rows under headers, columns separated by " | " and
// padded to the widest cell by display width; the last column is not
// padded, so lines carry no trailing spaces.
func writeTable(w io.Writer, headers []string, rows [][]string) error {
	widths := make([]int, len(headers))
	for _, row := range append([][]string{headers}, rows...) {
		for i, cell := range row {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		for i, cell := range cells {
			if i > 0 {
				b.WriteString(" | ")
			}
			b.WriteString(cell)
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)))
			}
		}
		b.WriteByte('\n')
	}
	line(headers)
	for i, wd := range widths {
		if i > 0 {
			b.WriteString("-+-")
		}
		b.WriteString(strings.Repeat("-", wd))
	}
	b.WriteByte('\n')
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tokenTable writes the `文件名 | 显示名称 | 状态 | 过期时间 | 剩余 | 健康度`
// table (the plan's five columns and the health score of DESIGN.md section 12).
// Times are shown in loc as "2006-01-02 15:04"; the remaining time is "-"
// when expired or without expiry.
func tokenTable(w io.Writer, lang i18n.Lang, tokens []ipc.Token, now time.Time, loc *time.Location) error {
	headers := []string{
		i18n.T(lang, i18n.HeaderFile), i18n.T(lang, i18n.HeaderDisplayName),
		i18n.T(lang, i18n.HeaderStatus), i18n.T(lang, i18n.HeaderExpires),
		i18n.T(lang, i18n.HeaderRemaining), i18n.T(lang, i18n.HeaderHealth),
	}
	rows := make([][]string, 0, len(tokens))
	for _, t := range tokens {
		expires, remaining := "-", "-"
		if t.ExpiresAt != nil {
			if at, err := time.Parse(time.RFC3339, *t.ExpiresAt); err == nil {
				expires = at.In(loc).Format("2006-01-02 15:04")
				remaining = i18n.Remaining(lang, at.Sub(now))
			}
		}
		status := i18n.StatusLabel(lang, t.Status)
		if t.Reason != "" {
			reason := wordReason(lang, shortReason(t.Reason, t.Provider), t.ReasonCode, t.ReasonArgs)
			status += " (" + widthCond.Truncate(oneLine(reason), maxReasonCells, "…") + ")"
		}
		status += sourceNote(lang, t)
		rows = append(rows, []string{
			oneLine(t.File), oneLine(t.DisplayName), status, expires, remaining, healthCell(lang, t.Health),
		})
	}
	return writeTable(w, headers, rows)
}

// healthCell is "92 健康" / "92 healthy".
func healthCell(lang i18n.Lang, h health.Report) string {
	if h.Grade == "" {
		return "-"
	}
	return strconv.Itoa(h.Score) + " " + i18n.GradeLabel(lang, string(h.Grade))
}

// maxReasonCells keeps a long reason (a provider's actionable message) from
// stretching the table; `status --json` and the log carry it whole.
const maxReasonCells = 60

// oneLine keeps a cell on one line and free of terminal control
// characters, whatever a token file or a reason contains.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

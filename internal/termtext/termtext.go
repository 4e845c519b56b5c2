// Package termtext makes text from disk (file names, emails, aliases,
// reasons) safe to print on a terminal: a name with ESC sequences could
// otherwise move the cursor, rewrite lines or retitle the window, and a
// newline could forge a line of output.
package termtext

import (
	"strconv"
	"strings"
)

// Escape returns s with every control character (C0, DEL, C1) and every
// invalid byte written as a Go escape (\x1b, \n, \u0085); other text,
// CJK and emoji included, is unchanged.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\uFFFD' && isInvalidAt(s, i):
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i]), 16))
		case isControl(r):
			q := strconv.QuoteRune(r) // '\x1b', '\n', '\u0085'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

func needsEscape(s string) bool {
	for i, r := range s {
		if isControl(r) || (r == '\uFFFD' && isInvalidAt(s, i)) {
			return true
		}
	}
	return false
}

// isInvalidAt: the U+FFFD that ranging over s produced at i stands for an
// invalid byte, not for a real U+FFFD in the text.
func isInvalidAt(s string, i int) bool { return !strings.HasPrefix(s[i:], "\uFFFD") }

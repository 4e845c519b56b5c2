// Package redact hides token values in texts meant for people (error
// reasons, notifications, log lines): the values a caller knows, and any
// run of characters that looks random, while identifiers made of words —
// ROUTECODEX_GEMINI_CLI_CLIENT_SECRET, tokenDaemon.providers.qwen.clientId,
// gemini-cli-oauth-1-work.json, invalid_grant — stay readable, because
// they are the instructions. It imports nothing but the standard library.
package redact

import (
	"math"
	"strings"
)

// Prefix is how much of a secret stays visible.
const Prefix = 4

// minKnown is the shortest known value replaced: shorter ones would hit
// ordinary words.
const minKnown = 8

// minRun is the shortest run of token characters that can be a token.
const minRun = 16

// Text returns s with every known value of at least 8 characters, and every
// token-like run (TokenLike), cut to its first 4 characters and "…".
func Text(s string, known ...string) string {
	for _, k := range known {
		if len(k) >= minKnown {
			s = strings.ReplaceAll(s, k, Value(k))
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if !isTokenChar(s[i]) {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := runEnd(s, i)
		if run := s[i:j]; TokenLike(run) {
			b.WriteString(Value(run))
		} else {
			b.WriteString(run)
		}
		i = j
	}
	return b.String()
}

// Value is the visible part of a secret: its first 4 characters and "…"
// ("…" alone for a short one).
func Value(v string) string {
	if len(v) <= 2*Prefix {
		return "…"
	}
	return v[:Prefix] + "…"
}

// TokenLike reports whether run (token characters only) looks like a
// token: at least 16 characters, parts between the separators . _ - /
// that are not words (letters, a number, or letters with a short version
// number such as oauth2) — one of at least 16 characters or 24 in all —
// and high entropy (at least 3 bits a character,
// which words of a few repeated letters and numbers do not reach).
func TokenLike(run string) bool {
	if len(run) < minRun {
		return false
	}
	longest, total := 0, 0
	for _, part := range strings.FieldsFunc(strings.TrimRight(run, "="), func(r rune) bool { return strings.ContainsRune("._-/", r) }) {
		if !wordLike(part) {
			longest, total = max(longest, len(part)), total+len(part)
		}
	}
	// One random part of 16 or more, or 24 random characters in all (a
	// token cut into short parts by - and _); a random temp dir name in a
	// path is neither.
	return (longest >= 16 || total >= 24) && entropy(run) >= 3.0
}

// wordLike: letters only (shorter than 40), digits only, or letters with
// up to three trailing digits (oauth2, sha256) or a short number with a
// short unit (15m, 2h).
func wordLike(p string) bool {
	letters, digits := 0, 0
	firstDigit, lastLetter := -1, -1
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= '0' && c <= '9':
			digits++
			if firstDigit < 0 {
				firstDigit = i
			}
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
			lastLetter = i
		default: // + = ~ inside a part: base64 or the like
			return false
		}
	}
	switch {
	case digits == 0:
		return letters < 40
	case letters == 0:
		return true
	case lastLetter < firstDigit: // letters then digits
		return digits <= 3
	}
	// digits then letters, each short: 15m, 2h, 3d
	trailing := 0
	for i := len(p) - 1; i >= 0 && !(p[i] >= '0' && p[i] <= '9'); i-- {
		trailing++
	}
	return digits <= 4 && trailing == letters && letters <= 3
}

// entropy is the Shannon entropy of s in bits a character.
func entropy(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h, n := 0.0, float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// runEnd is the end of the run of token characters starting at i. "=" is
// base64 padding only at the end of a run: NAME=value is two runs, so
// that the name of a setting stays readable when its value is redacted.
func runEnd(s string, i int) int {
	j := i
	for j < len(s) && isTokenChar(s[j]) {
		if s[j] == '=' {
			k := j
			for k < len(s) && s[k] == '=' {
				k++
			}
			if k < len(s) && isTokenChar(s[k]) {
				if j == i {
					return k // a run of "=" before a value: keep it as it is
				}
				return j
			}
			return k
		}
		j++
	}
	return j
}

// isTokenChar: the characters of base64, base64url, hex and JWTs.
func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._~+/=-", c) >= 0
}

package provider

import "strings"

// specificFirst moves the last sentence of a provider's error description
// to the front when there are several: servers such as Ory Hydra put a long
// generic sentence first and the specific cause ("The refresh token was
// already used.") last, where any cut for the screen would drop it.
func specificFirst(desc string) string {
	sentences := splitSentences(desc)
	if len(sentences) < 2 {
		return desc
	}
	last := sentences[len(sentences)-1]
	return last + " — " + strings.Join(sentences[:len(sentences)-1], " ")
}

// splitSentences cuts text after ". ", "! " or "? " followed by a capital
// letter; "e.g. " and other one-letter abbreviations do not end a sentence.
func splitSentences(text string) []string {
	text = strings.TrimSpace(text)
	var out []string
	start := 0
	for i := 0; i+2 < len(text); i++ {
		c := text[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		if text[i+1] != ' ' || text[i+2] < 'A' || text[i+2] > 'Z' {
			continue
		}
		if c == '.' && i >= 2 && text[i-2] == '.' || c == '.' && i >= 1 && (i < 2 || text[i-2] == ' ') {
			continue // "e.g. X", "a. B": an abbreviation
		}
		out = append(out, strings.TrimSpace(text[start:i+1]))
		start = i + 2
	}
	if rest := strings.TrimSpace(text[start:]); rest != "" {
		out = append(out, rest)
	}
	return out
}

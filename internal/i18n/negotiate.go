package i18n

import (
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
)

// Negotiate picks the language of an HTTP Accept-Language header: the
// supported language with the highest q (the earlier one on a tie);
// fallback when the header names none of them.
func Negotiate(header string, fallback Lang) Lang {
	type choice struct {
		lang Lang
		q    float64
		pos  int
	}
	var found []choice
	for i, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		l, err := Parse(tag)
		if err != nil {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		if q > 0 {
			found = append(found, choice{l, q, i})
		}
	}
	if len(found) == 0 {
		return fallback
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].q > found[j].q })
	return found[0].lang
}

// Setting is the language of a running daemon: the one configured
// (tokenDaemon.language or --lang), if any, else the locale's. Pages ask it
// per request: without a configured language they follow the browser.
// Safe for concurrent use; a config reload changes it.
type Setting struct{ v atomic.Pointer[setting] }

type setting struct{ configured, fallback Lang }

// NewSetting returns a Setting; configured "" means none.
func NewSetting(configured, fallback Lang) *Setting {
	s := &Setting{}
	s.Set(configured, fallback)
	return s
}

// Set changes the setting.
func (s *Setting) Set(configured, fallback Lang) {
	if fallback == "" {
		fallback = EN
	}
	s.v.Store(&setting{configured, fallback})
}

// Default is the language of everything that has no browser to ask
// (notifications, logs): the configured one, else the locale's.
func (s *Setting) Default() Lang {
	v := s.v.Load()
	if v.configured != "" {
		return v.configured
	}
	return v.fallback
}

// ForRequest is the language of a page: the configured one, else the
// browser's Accept-Language, else the locale's.
func (s *Setting) ForRequest(acceptLanguage string) Lang {
	v := s.v.Load()
	if v.configured != "" {
		return v.configured
	}
	return Negotiate(acceptLanguage, v.fallback)
}

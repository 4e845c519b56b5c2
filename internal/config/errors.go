package config

// errors.go: config errors, worded from the catalogs in the reader's language.

import (
	"fmt"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Error is a problem with config.json. Its message names the file and
// either the key path ("tokenDaemon.refreshAheadMinutes") or, for a file
// that is not JSON, the line and column.
type Error struct {
	File   string
	Key    string // key path; "" for a syntax error
	Line   int    // 1-based line of a syntax error, else 0
	Column int
	Msg    string // the problem in English
	// What is the catalog key of the problem and Args its arguments, so
	// that Text words it in another language; "" when the catalogs do not
	// have it (Msg is then shown as it is).
	What i18n.Key
	Args []any
}

func (e *Error) Error() string { return e.Text(i18n.EN) }

// Text is the message in lang. English is Msg as it is (with any
// decoder's detail); another language words What from the catalogs and
// leaves such English details out.
func (e *Error) Text(lang i18n.Lang) string {
	problem := e.Msg
	if lang != i18n.EN && e.What != "" {
		if _, ok := i18n.Lookup(lang, e.What); ok {
			args := make([]any, len(e.Args))
			for i, a := range e.Args {
				args[i] = a
				if s, ok := a.(string); ok {
					if w, ok := i18n.Lookup(lang, msgKey(s)); ok {
						args[i] = w // "port numbers" in "must be an array of %s"
					}
				}
			}
			problem = i18n.T(lang, e.What, args...)
		}
	}
	switch {
	case e.Key != "":
		return i18n.T(lang, i18n.CfgAt, e.File, e.Key, problem)
	case e.Line > 0:
		return i18n.T(lang, i18n.CfgAtLine, e.File, e.Line, e.Column, problem)
	default:
		return i18n.T(lang, i18n.CfgInFile, e.File, problem)
	}
}

// msgKey is the catalog key of an English message format, gettext style
// ("config: must be true or false"), so that every d.fail format, in any
// file of this package, is worded by adding it to internal/i18n/config.go.
func msgKey(format string) i18n.Key { return i18n.Key("config: " + format) }

// newError is the *Error of an English message format and its arguments.
func newError(file, key, format string, args ...any) *Error {
	return &Error{File: file, Key: key, Msg: fmt.Sprintf(format, args...), What: msgKey(format), Args: args}
}

// notJSON is the *Error of data that does not decode, with the decoder's
// English detail.
func notJSON(file string, line, col int, detail string) *Error {
	return &Error{File: file, Line: line, Column: col, Msg: "not valid JSON: " + detail, What: msgKey("not valid JSON")}
}

package cli

import (
	"errors"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Usage errors (a bad flag, wrong arguments, an unknown command) are one
// sentence in the user's language; pflag's and cobra's own messages are
// English.

// usageError words a flag error of c.
func usageError(f *Factory, c *cobra.Command, err error) error {
	lang, _ := f.Lang()
	var (
		notExist *pflag.NotExistError
		noValue  *pflag.ValueRequiredError
		badValue *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	what := err.Error()
	switch {
	case errors.As(err, &notExist) && len(notExist.GetSpecifiedShortnames()) > 1:
		what = i18n.T(lang, i18n.ErrUnknownShorthand, "-"+notExist.GetSpecifiedName(), "-"+notExist.GetSpecifiedShortnames())
	case errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "":
		what = i18n.T(lang, i18n.ErrUnknownFlag, "-"+notExist.GetSpecifiedName())
	case errors.As(err, &notExist):
		what = i18n.T(lang, i18n.ErrUnknownFlag, "--"+notExist.GetSpecifiedName())
	case errors.As(err, &noValue) && noValue.GetSpecifiedShortnames() != "":
		what = i18n.T(lang, i18n.ErrFlagNeedsValue, "-"+noValue.GetSpecifiedName())
	case errors.As(err, &noValue):
		what = i18n.T(lang, i18n.ErrFlagNeedsValue, "--"+noValue.GetSpecifiedName())
	case errors.As(err, &badValue):
		what = i18n.T(lang, i18n.ErrFlagBadValue, badValue.GetValue(), "--"+badValue.GetFlag().Name)
	case errors.As(err, &syntax):
		what = i18n.T(lang, i18n.ErrFlagSyntax, syntax.GetSpecifiedFlag())
	}
	return errors.New(i18n.T(lang, i18n.ErrUsageHint, what, c.CommandPath()))
}

// wordArgErrors makes the argument checks of every command under root
// answer in the user's language, and an unknown command of the root too
// (cobra words it itself otherwise).
func wordArgErrors(root *cobra.Command, f *Factory) {
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			lang, _ := f.Lang()
			return errors.New(i18n.T(lang, i18n.ErrUnknownCommand, args[0], c.CommandPath()))
		}
		return nil
	}
	if root.Run == nil && root.RunE == nil {
		root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if check := c.Args; check != nil && c != root {
			c.Args = func(c *cobra.Command, args []string) error {
				if check(c, args) == nil {
					return nil
				}
				lang, _ := f.Lang()
				return errors.New(i18n.T(lang, i18n.ErrWrongArgs, c.UseLine(), c.CommandPath()))
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

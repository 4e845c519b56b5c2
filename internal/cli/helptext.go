package cli

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Localized help. A command's Short text and its flags' usage are worded
// when help is printed, not when the command is built: only then are
// --lang and the config known. A command opts in with localize (and
// localizeFlag for each flag); its texts are keys of the catalogs.
const helpKey = "i18n.short"

// localize makes c's Short the catalog text of key, in the language the
// help is printed in.
func localize(c *cobra.Command, key i18n.Key) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[helpKey] = string(key)
	c.Short = i18n.T(i18n.EN, key)
	return c
}

// localizeFlag makes the usage of c's flag name the catalog text of key.
func localizeFlag(c *cobra.Command, name string, key i18n.Key) {
	if fl := c.Flags().Lookup(name); fl != nil {
		_ = c.Flags().SetAnnotation(name, helpKey, []string{string(key)})
		fl.Usage = i18n.T(i18n.EN, key)
	}
}

// installLocalizedHelp words every opted-in text of the tree in the
// user's language before cobra prints help or usage.
func installLocalizedHelp(f *Factory, root *cobra.Command) {
	defaultHelp := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		lang, _ := f.Lang()
		wordTree(root, lang)
		defaultHelp(c, args)
	})
}

func wordTree(c *cobra.Command, lang i18n.Lang) {
	if key, ok := c.Annotations[helpKey]; ok {
		c.Short = i18n.T(lang, i18n.Key(key))
	}
	c.Flags().VisitAll(func(fl *pflag.Flag) {
		if keys := fl.Annotations[helpKey]; len(keys) == 1 {
			fl.Usage = i18n.T(lang, i18n.Key(keys[0]))
		}
	})
	for _, sub := range c.Commands() {
		wordTree(sub, lang)
	}
}

package cli

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Help texts come from the catalogs, in the user's language, like every
// other sentence. A command adopts this by naming its texts after its path,
// nothing else: leave Short, Long and the flag usages empty in the Go code
// and add, in an internal/i18n/<area>.go file, for `routecodex token-daemon
// install --now`:
//
//	help.token-daemon.install.short       one line for the command lists
//	help.token-daemon.install.long        optional: the text of its --help
//	help.token-daemon.install.example     optional
//	help.token-daemon.install.flag.now    the usage of --now
//
// (the root command is "root": help.root.flag.config). A flag without its
// own key takes help.flag.<name> (shared ones: help, version). A command
// may instead name its keys with localize and localizeFlag. The tree is
// worded when NewRootCmd builds it (so completions carry the descriptions)
// and again when help is shown, once --lang and the config are known.
// TestEveryCommandHasHelpInBothLanguages checks that nothing is missing.

// annotation holds the catalog key a command or flag named with localize.
const annotation = "i18n.short"

// localize makes key the catalog key of c's Short text.
func localize(c *cobra.Command, key i18n.Key) *cobra.Command {
	if c.Annotations == nil {
		c.Annotations = map[string]string{}
	}
	c.Annotations[annotation] = string(key)
	c.Short = i18n.T(i18n.EN, key)
	return c
}

// localizeFlag makes key the catalog key of the usage of c's flag name.
func localizeFlag(c *cobra.Command, name string, key i18n.Key) {
	if fl := c.Flags().Lookup(name); fl != nil {
		_ = c.Flags().SetAnnotation(name, annotation, []string{string(key)})
		fl.Usage = i18n.T(i18n.EN, key)
	}
}

// helpPath is the catalog path of cmd: its command path without the
// root's name, dot-separated ("token-daemon.list"), or "root".
func helpPath(cmd *cobra.Command) string {
	if !cmd.HasParent() {
		return "root"
	}
	return strings.Join(strings.Fields(cmd.CommandPath())[1:], ".")
}

func helpKey(cmd *cobra.Command, part string) i18n.Key {
	return i18n.Key("help." + helpPath(cmd) + "." + part)
}

// shortKey is the catalog key of c's Short text ("" when it has none).
func shortKey(c *cobra.Command) i18n.Key {
	if k := c.Annotations[annotation]; k != "" {
		return i18n.Key(k)
	}
	if k := helpKey(c, "short"); has(k) {
		return k
	}
	return ""
}

// flagKey is the catalog key of the usage of c's flag fl: its own, else
// the shared one; "" when the catalogs have neither.
func flagKey(c *cobra.Command, fl *pflag.Flag) i18n.Key {
	if keys := fl.Annotations[annotation]; len(keys) == 1 {
		return i18n.Key(keys[0])
	}
	for _, k := range []i18n.Key{helpKey(c, "flag."+fl.Name), i18n.Key("help.flag." + fl.Name)} {
		if has(k) {
			return k
		}
	}
	return ""
}

func has(k i18n.Key) bool { _, ok := i18n.Lookup(i18n.EN, k); return ok }

// wordHelp fills the help texts of root and every command under it in
// lang, and cobra's own words (Usage:, Flags:, …) through the usage
// template. Texts the catalogs lack are left as the code set them.
func wordHelp(root *cobra.Command, lang i18n.Lang) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	root.SetUsageTemplate(usageTemplate(lang))
	setVersionTemplate(root, lang)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		c.DisableFlagsInUseLine = true // Use lists the flags; "[flags]" is English
		if k := shortKey(c); k != "" {
			c.Short = i18n.T(lang, k)
		}
		if s, ok := i18n.Lookup(lang, helpKey(c, "long")); ok {
			c.Long = s
		}
		if s, ok := i18n.Lookup(lang, helpKey(c, "example")); ok {
			c.Example = s
		}
		word := func(fs *pflag.FlagSet) {
			fs.VisitAll(func(fl *pflag.Flag) {
				if k := flagKey(c, fl); k != "" {
					fl.Usage = strings.ReplaceAll(i18n.T(lang, k), "%s", c.DisplayName()) + wordDefault(fl, lang)
				}
			})
		}
		word(c.LocalNonPersistentFlags())
		word(c.PersistentFlags())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// wordDefault is the "(default …)" pflag would append in English, in
// lang; pflag's own is turned off by clearing DefValue (kept in an
// annotation for the next wording).
func wordDefault(fl *pflag.Flag, lang i18n.Lang) string {
	const key = "i18n.default"
	def := fl.DefValue
	if saved := fl.Annotations[key]; len(saved) == 1 {
		def = saved[0]
	}
	switch def {
	case "", "false", "0", "[]", "0s":
		return ""
	}
	if fl.Annotations == nil {
		fl.Annotations = map[string][]string{}
	}
	fl.Annotations[key] = []string{def}
	fl.DefValue = ""
	if fl.Value.Type() == "string" {
		def = strconv.Quote(def)
	}
	return i18n.T(lang, i18n.HelpDefault, def)
}

// usageTemplate is cobra's usage template with its English words replaced
// by the catalog's.
func usageTemplate(lang i18n.Lang) string {
	tmpl := (&cobra.Command{}).UsageTemplate() // cobra's default
	for _, r := range []struct {
		from, to string
	}{
		{"Usage:", i18n.T(lang, i18n.HelpUsage)},
		{"\nAliases:", "\n" + i18n.T(lang, i18n.HelpAliases)},
		{"\nExamples:", "\n" + i18n.T(lang, i18n.HelpExamples)},
		{"\nAvailable Commands:", "\n" + i18n.T(lang, i18n.HelpAvailable)},
		{"\nAdditional Commands:", "\n" + i18n.T(lang, i18n.HelpAdditional)},
		{"\nGlobal Flags:", "\n" + i18n.T(lang, i18n.HelpGlobalFlags)},
		{"\nFlags:", "\n" + i18n.T(lang, i18n.HelpFlags)},
		{"\nAdditional help topics:", "\n" + i18n.T(lang, i18n.HelpTopics)},
		{" [command]{{end}}", " " + i18n.T(lang, i18n.HelpCommandArg) + "{{end}}"},
		{`Use "{{.CommandPath}} [command] --help" for more information about a command.`,
			strings.Replace(i18n.T(lang, i18n.HelpMore), "%s", "{{.CommandPath}}", 1)},
	} {
		tmpl = strings.Replace(tmpl, r.from, r.to, 1)
	}
	return tmpl
}

func setVersionTemplate(root *cobra.Command, lang i18n.Lang) {
	if root.Version != "" {
		root.SetVersionTemplate(strings.ReplaceAll(versionLine(lang), "{{", "{{`{{`}}") + "\n")
	}
}

// onSet is a flag value that calls after once it is set.
type onSet struct {
	pflag.Value
	after func()
}

func (v *onSet) Set(s string) error {
	if err := v.Value.Set(s); err != nil {
		return err
	}
	v.after()
	return nil
}

// installLocalizedHelp words the tree now (the locale's language) and
// again whenever help is shown: in --lang, else the config's language when
// config.json loads (help never fails on a bad config; the command itself
// says what is wrong), else the locale's. --version has no hook of its
// own: its line is worded again when --lang is parsed.
func installLocalizedHelp(f *Factory, root *cobra.Command) {
	lang, _ := f.Lang()
	wordHelp(root, lang)
	if fl := root.PersistentFlags().Lookup("lang"); fl != nil {
		fl.Value = &onSet{Value: fl.Value, after: func() {
			l, _ := f.Lang()
			setVersionTemplate(root, l)
		}}
	}
	show := root.HelpFunc()
	root.SetHelpFunc(func(c *cobra.Command, args []string) {
		lang, _ := f.Lang()
		if f.LangFlag == "" {
			if s, err := f.Settings(); err == nil {
				lang = s.Lang
			}
		}
		wordHelp(root, lang)
		show(c, args)
	})
}

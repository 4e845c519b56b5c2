package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Every command and every visible flag has its help in both catalogs
// (help.go says how to name them).
func TestEveryCommandHasHelpInBothLanguages(t *testing.T) {
	f, _ := newTestFactory(t, nil, "")
	root := NewRootCmd(f)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden {
			return
		}
		k := shortKey(c)
		for _, lang := range i18n.Langs {
			if _, ok := i18n.Lookup(lang, k); !ok {
				t.Errorf("%q has no help in %s: add %s to an internal/i18n/<area>.go (see helptext.go)", c.CommandPath(), lang, helpKey(c, "short"))
			}
		}
		visit := func(fs *pflag.FlagSet) {
			fs.VisitAll(func(fl *pflag.Flag) {
				if !fl.Hidden && flagKey(c, fl) == "" {
					t.Errorf("%s --%s has no usage text: add %s", c.CommandPath(), fl.Name, helpKey(c, "flag."+fl.Name))
				}
			})
		}
		visit(c.LocalNonPersistentFlags())
		visit(c.PersistentFlags())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func TestHelpIsWordedInTheLanguage(t *testing.T) {
	tests := []struct {
		lang      string
		want, not []string
	}{
		{"zh", []string{"用法：", "选项：", "全局选项：", "列出认证目录中的 Token 文件", "只选该提供商的文件", "显示 list 的帮助", "配置文件（默认"},
			[]string{"Usage:", "Flags:", "help for", "List the token files", "config file"}},
		{"en", []string{"Usage:", "Flags:", "Global Flags:", "List the token files", "only files of this provider", "help for list", "config file (default"},
			[]string{"用法", "选项"}},
	}
	for _, tt := range tests {
		f, te := newTestFactory(t, nil, "")
		if err := run(t, f, "token-daemon", "list", "--help", "--lang", tt.lang); err != nil {
			t.Fatal(err)
		}
		out := te.out.String()
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: help lacks %q:\n%s", tt.lang, w, out)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(out, w) {
				t.Errorf("%s: help contains %q:\n%s", tt.lang, w, out)
			}
		}
	}
}

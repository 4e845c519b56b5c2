package config

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/routecodex/token-daemon/internal/i18n"
)

// Config errors are worded in the user's language, with no English phrase
// of ours inside a Chinese sentence (issue 10 point 4).
func TestErrorTextInChinese(t *testing.T) {
	tests := []struct {
		data string
		want string
	}{
		{`{"tokenDaemon": {"refreshAheadMinute": 5}}`, "/x/config.json：tokenDaemon.refreshAheadMinute：未知的键（请检查拼写）"},
		{`{"tokenDaemon": {"refreshAheadMinutes": "30"}}`, "/x/config.json：tokenDaemon.refreshAheadMinutes：必须是 1 到 1440 之间的整数"},
		{`{"tokenDaemon": {"tray": "yes"}}`, `/x/config.json：tokenDaemon.tray：必须是以下之一："auto", "on", "off"`},
		{`{"tokenDaemon": {"callbackPorts": 38421}}`, "/x/config.json：tokenDaemon.callbackPorts：必须是端口号数组"},
		{`{"tokenDaemon": {"callbackPorts": [38421, 38421]}}`, "/x/config.json：tokenDaemon.callbackPorts[1]：端口 38421 重复列出"},
		{"{\n  \"tokenDaemon\": {,\n}", "/x/config.json：第 2 行第 19 列：不是有效的 JSON"},
		{`[1]`, "/x/config.json：顶层必须是一个 JSON 对象"},
		{`{"tokenDaemon": {"providers": {"qwen": {"authUrl": "http://example.com/a"}}}}`, `/x/config.json：tokenDaemon.providers.qwen.authUrl："http://example.com/a"：明文 http 只允许用于本机回环地址；请使用 https`},
		{`{"tokenDaemon": {"providers": {"corp": {"flow": "device_code", "clientId": "c", "deviceCodeUrl": "https://x/d"}}}}`, "/x/config.json：tokenDaemon.providers.corp.tokenUrl：缺失；通用提供方需要填写它的 Token 端点"},
	}
	for _, tt := range tests {
		_, err := Parse("/x/config.json", []byte(tt.data))
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("Parse(%q) = %v, want *Error", tt.data, err)
		}
		if got := ce.Text(i18n.ZH); got != tt.want {
			t.Errorf("Parse(%q) in zh:\n got %s\nwant %s", tt.data, got, tt.want)
		}
	}
	_, _, err := Resolve(envOf(t.TempDir(), map[string]string{"ROUTECODEX_HOME": t.TempDir()}), "/nowhere/config.json")
	var ce *Error
	if !errors.As(err, &ce) || ce.Text(i18n.ZH) != "/nowhere/config.json：由 --config 或 ROUTECODEX_CONFIG 指定的配置文件不存在" {
		t.Errorf("missing --config in zh: %v", err)
	}
}

// Every message format this package fails with has its words in the
// catalogs: the format literals of fail and newError calls, read from the
// package's own source.
func TestEveryConfigMessageIsWorded(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	files = append(files, "../provider/settings.go") // Validate's problems, worded here
	fset := token.NewFileSet()
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			call, ok := node.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch c := call.Fun.(type) {
			case *ast.SelectorExpr:
				fn = c.Sel.Name
			case *ast.Ident:
				fn = c.Name
			}
			// the format's position, plus one
			at := map[string]int{"fail": 2, "newError": 3, "bad": 2, "badAlias": 1}[fn] - 1
			if at < 0 || len(call.Args) <= at {
				return true
			}
			lit, ok := call.Args[at].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			format, _ := strconv.Unquote(lit.Value)
			n++
			for _, lang := range i18n.Langs {
				if _, ok := i18n.Lookup(lang, msgKey(format)); !ok {
					t.Errorf("%s: %q has no words in %s: add %q to internal/i18n/config.go", fset.Position(lit.Pos()), format, lang, msgKey(format))
				}
			}
			return true
		})
	}
	if n < 45 {
		t.Errorf("found only %d messages; is the test still reading the calls?", n)
	}
}

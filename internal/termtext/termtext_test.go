package termtext

import "testing"

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"qwen-oauth-1-a.json", "qwen-oauth-1-a.json"},
		{"账号 ⚠️ ok", "账号 ⚠️ ok"},
		{"a\x1b[2Jb.json", `a\x1b[2Jb.json`},
		{"line\nforged", `line\nforged`},
		{"cr\rtab\t", `cr\rtab\t`},
		{"del\x7f c1\u0085 csi\u009b", `del\x7f c1\u0085 csi\u009b`},
		{"bad\xffbyte", `bad\xffbyte`},
		{"real \uFFFD", "real \uFFFD"},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

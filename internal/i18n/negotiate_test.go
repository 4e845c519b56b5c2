package i18n

import "testing"

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]Lang{
		"zh-CN,zh;q=0.9,en;q=0.8": ZH,
		"en-US,en;q=0.9":          EN,
		"fr-FR, zh;q=0.3":         ZH,
		"en;q=0.2, zh-TW;q=0.5":   ZH,
		"de, fr":                  EN, // the fallback
		"":                        EN,
		"zh;q=0, en;q=0.1":        EN,
	} {
		if got := Negotiate(header, EN); got != want {
			t.Errorf("Negotiate(%q) = %s, want %s", header, got, want)
		}
	}
	s := NewSetting("", ZH)
	if s.ForRequest("de") != ZH || s.ForRequest("en") != EN || s.Default() != ZH {
		t.Error("without a configured language: browser, else fallback")
	}
	s.Set(EN, ZH)
	if s.ForRequest("zh-CN") != EN || s.Default() != EN {
		t.Error("a configured language wins")
	}
}

package i18n

import (
	"regexp"
	"sort"
	"testing"
	"time"
)

func TestCatalogsHaveSameKeys(t *testing.T) {
	for _, lang := range Langs {
		for _, other := range Langs {
			for k := range catalogs[other] {
				if _, ok := catalogs[lang][k]; !ok {
					t.Errorf("catalog %s lacks key %q (present in %s)", lang, k, other)
				}
			}
		}
	}
}

// verbs returns the printf verbs of a message in order, so that both
// catalogs take the same arguments for a key.
var verbRE = regexp.MustCompile(`%[-+# 0]*[0-9]*(\.[0-9]+)?[a-zA-Z%]`)

func TestCatalogsTakeSameArguments(t *testing.T) {
	keys := make([]string, 0, len(en))
	for k := range en {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := verbRE.FindAllString(en[Key(k)], -1)
		got := verbRE.FindAllString(zh[Key(k)], -1)
		if len(want) != len(got) {
			t.Errorf("key %q: en verbs %v, zh verbs %v", k, want, got)
			continue
		}
		for i := range want {
			if want[i] != got[i] {
				t.Errorf("key %q: en verbs %v, zh verbs %v", k, want, got)
				break
			}
		}
	}
}

func TestEveryStatusHasALabel(t *testing.T) {
	statuses := []string{"valid", "expiring", "expired", "refreshing", "refresh_failed", "needs_reauth", "invalid", "static", "missing"}
	for _, lang := range Langs {
		for _, s := range statuses {
			if got := StatusLabel(lang, s); got == s {
				t.Errorf("%s: status %q has no label", lang, s)
			}
		}
	}
	if got := StatusLabel(EN, "weird"); got != "weird" {
		t.Errorf("unknown status: got %q", got)
	}
}

func TestStatusLabels(t *testing.T) {
	tests := []struct {
		lang   Lang
		status string
		want   string
	}{
		{ZH, "valid", "✅ 有效"},
		{ZH, "expiring", "⚠️ 即将过期"},
		{ZH, "needs_reauth", "❌ 失效"},
		{EN, "valid", "✅ valid"},
		{EN, "refresh_failed", "⚠️ refresh failed"},
		{EN, "static", "🔒 read-only"},
	}
	for _, tt := range tests {
		if got := StatusLabel(tt.lang, tt.status); got != tt.want {
			t.Errorf("StatusLabel(%s, %s) = %q, want %q", tt.lang, tt.status, got, tt.want)
		}
	}
}

func TestRemaining(t *testing.T) {
	tests := []struct {
		d      time.Duration
		zh, en string
	}{
		{3*24*time.Hour + 4*time.Hour + 59*time.Minute, "3天4小时", "3d4h"},
		{24 * time.Hour, "1天0小时", "1d0h"},
		{2*time.Hour + 5*time.Minute + 59*time.Second, "2小时5分", "2h5m"},
		{time.Hour, "1小时0分", "1h0m"},
		{38*time.Minute + 30*time.Second, "38分钟", "38m"},
		{30 * time.Second, "不到1分钟", "<1m"},
		{0, "-", "-"},
		{-time.Hour, "-", "-"},
	}
	for _, tt := range tests {
		if got := Remaining(ZH, tt.d); got != tt.zh {
			t.Errorf("Remaining(zh, %v) = %q, want %q", tt.d, got, tt.zh)
		}
		if got := Remaining(EN, tt.d); got != tt.en {
			t.Errorf("Remaining(en, %v) = %q, want %q", tt.d, got, tt.en)
		}
	}
}

func TestFromLocale(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{}, EN},
		{map[string]string{"LANG": "zh_CN.UTF-8"}, ZH},
		{map[string]string{"LANG": "en_US.UTF-8"}, EN},
		{map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, EN},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_TW.UTF-8"}, ZH},
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LC_MESSAGES": "en_US"}, ZH},
	}
	for _, tt := range tests {
		got := FromLocale(func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("FromLocale(%v) = %s, want %s", tt.env, got, tt.want)
		}
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    Lang
		wantErr bool
	}{
		{"zh", ZH, false}, {"ZH", ZH, false}, {"zh-CN", ZH, false},
		{"en", EN, false}, {"en_US", EN, false},
		{"fr", "", true}, {"", "", true}, {"zhx", "", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

package cli

import (
	"testing"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Every reason code the core answers has its words in both catalogs.
func TestEveryReasonCodeIsWorded(t *testing.T) {
	codes := []string{
		tokenfile.ReasonTooLarge, tokenfile.ReasonNotJSON, tokenfile.ReasonNotObject, tokenfile.ReasonNoSecret,
		tokenfile.ReasonNoAccessToken, tokenfile.ReasonNoRefreshToken, tokenfile.ReasonUnreadable, daemon.ReasonFileRemoved,
		tokenfile.ReasonHandedOff,
	}
	for _, why := range []string{daemon.WhyMissing, daemon.WhyInvalid, daemon.WhyReadOnly, daemon.WhyLink, daemon.WhyUnknownProvider, daemon.WhyNoRefreshToken, daemon.WhyNoProvider, daemon.WhyHandedOff} {
		codes = append(codes, "not_refreshable."+why)
	}
	for _, c := range codes {
		for _, lang := range i18n.Langs {
			if _, ok := i18n.Lookup(lang, i18n.Key("reason."+c)); !ok {
				t.Errorf("reason code %q has no words in %s", c, lang)
			}
		}
	}
}

func TestWordReason(t *testing.T) {
	tests := []struct {
		lang       i18n.Lang
		text, code string
		args       []string
		want       string
	}{
		{i18n.ZH, "not a JSON object", "not_json_object", nil, "不是 JSON 对象"},
		{i18n.EN, "unreadable: permission denied", "unreadable", nil, "unreadable: permission denied"},
		{i18n.ZH, "unreadable: permission denied", "unreadable", nil, "无法读取"},
		{i18n.ZH, "not refreshable: invalid: not JSON", "not_refreshable.invalid", []string{"not_json"}, "无法刷新：文件无效（不是 JSON）"},
		{i18n.ZH, `not refreshable: no provider "corp" is configured`, "not_refreshable.no_provider", []string{"corp"}, `无法刷新：没有配置提供商 "corp"`},
		{i18n.ZH, "invalid_grant: Refresh token expired", "", nil, "invalid_grant: Refresh token expired"},
		{i18n.ZH, "something new", "a_code_of_a_newer_daemon", nil, "something new"},
	}
	for _, tt := range tests {
		if got := wordReason(tt.lang, tt.text, tt.code, tt.args); got != tt.want {
			t.Errorf("wordReason(%s, %q, %q) = %q, want %q", tt.lang, tt.text, tt.code, got, tt.want)
		}
	}
}

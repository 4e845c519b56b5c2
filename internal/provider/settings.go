package provider

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Flows a provider can use for an interactive login.
const (
	FlowAuthorizationCode = "authorization_code"
	FlowDeviceCode        = "device_code"
)

// Where the client credentials go on token requests.
const (
	AuthStyleParams = "params" // client_id/client_secret in the form body
	AuthStyleHeader = "header" // HTTP Basic only
	AuthStyleBoth   = "both"   // body and Basic (iflow)
)

// Settings are the keys of tokenDaemon.providers.<name> in config.json
// (PROVIDERS.md, "generic providers"). Under a built-in provider's name they
// override that provider's defaults key by key; under any other name they
// define a generic provider.
type Settings struct {
	Flow          string   `json:"flow,omitempty"`
	AuthURL       string   `json:"authUrl,omitempty"`
	TokenURL      string   `json:"tokenUrl,omitempty"`
	DeviceCodeURL string   `json:"deviceCodeUrl,omitempty"`
	UserInfoURL   string   `json:"userInfoUrl,omitempty"`
	ClientID      string   `json:"clientId,omitempty"`
	ClientSecret  string   `json:"clientSecret,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	// PKCE is a pointer so that an override can turn it off; nil keeps the
	// default (on for every flow but iflow's).
	PKCE      *bool  `json:"pkce,omitempty"`
	AuthStyle string `json:"authStyle,omitempty"`
	// FilePrefix is the file-name prefix of a generic provider's files
	// (default: its name).
	FilePrefix string `json:"filePrefix,omitempty"`
	// ExtraAuthParams are added to the authorization URL; an override merges
	// key by key over the defaults (e.g. Google's prompt=consent).
	ExtraAuthParams map[string]string `json:"extraAuthParams,omitempty"`
	// ProjectURLs are antigravity's loadCodeAssist bases, tried in order.
	// An extension of PROVIDERS.md so that tests and users can override them.
	ProjectURLs []string `json:"projectUrls,omitempty"`
	// ManualRedirectURL is claude's copy/paste redirect (the page that shows
	// "code#state"); UserAgent the User-Agent of claude's token requests.
	// Extensions of PROVIDERS.md, so that both stay configurable.
	ManualRedirectURL string `json:"manualRedirectUrl,omitempty"`
	UserAgent         string `json:"userAgent,omitempty"`
}

var (
	providerNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	// reservedAuthParams are set by the flow itself; letting config replace
	// them would break state or PKCE checks.
	reservedAuthParams = []string{"state", "code_challenge", "code_challenge_method", "redirect_uri", "redirect", "response_type", "client_id"}
)

// Validate checks s as the settings of provider name and names the bad key
// in its error, e.g. `providers.corp-sso.flow: must be "authorization_code"
// or "device_code"`.
func (s Settings) Validate(name string) error {
	key := func(k string) string { return "providers." + name + "." + k }
	canonical, builtin := builtinAliases[name]
	if builtin && canonical != name {
		return bad("providers."+name, "%q is another name of the built-in provider %q; use providers.%s", name, canonical, canonical)
	}
	if !builtin && !providerNameRE.MatchString(name) {
		return bad("providers."+name, "a provider name must be lower-case letters, digits, '.', '_' or '-'")
	}

	switch s.Flow {
	case "", FlowAuthorizationCode, FlowDeviceCode:
	default:
		return bad(key("flow"), "must be %q or %q", FlowAuthorizationCode, FlowDeviceCode)
	}
	switch s.AuthStyle {
	case "", AuthStyleParams, AuthStyleHeader, AuthStyleBoth:
	default:
		return bad(key("authStyle"), "must be %q, %q or %q", AuthStyleParams, AuthStyleHeader, AuthStyleBoth)
	}
	for _, u := range []struct{ key, val string }{
		{"authUrl", s.AuthURL}, {"tokenUrl", s.TokenURL}, {"deviceCodeUrl", s.DeviceCodeURL}, {"userInfoUrl", s.UserInfoURL},
		{"manualRedirectUrl", s.ManualRedirectURL},
	} {
		if err := checkURL(u.val); err != nil {
			err.Key = key(u.key)
			return err
		}
	}
	for i, u := range s.ProjectURLs {
		if u == "" {
			return bad(fmt.Sprintf("%s[%d]", key("projectUrls"), i), "must not be empty")
		}
		if err := checkURL(u); err != nil {
			err.Key = fmt.Sprintf("%s[%d]", key("projectUrls"), i)
			return err
		}
	}
	for i, sc := range s.Scopes {
		if strings.TrimSpace(sc) == "" || strings.ContainsAny(sc, " \t\n") {
			return bad(fmt.Sprintf("%s[%d]", key("scopes"), i), "must be one non-empty scope without spaces")
		}
	}
	for k := range s.ExtraAuthParams {
		if k == "" {
			return bad(key("extraAuthParams"), "empty parameter name")
		}
		if slices.Contains(reservedAuthParams, k) {
			return bad(key("extraAuthParams")+"."+k, "is set by the login flow and cannot be overridden")
		}
	}
	if strings.ContainsAny(s.UserAgent, "\r\n") {
		return bad(key("userAgent"), "must be one line")
	}
	if s.FilePrefix != "" && !providerNameRE.MatchString(s.FilePrefix) {
		return bad(key("filePrefix"), "must be lower-case letters, digits, '.', '_' or '-'")
	}

	if builtin {
		def := builtinDefaults[canonical]
		if s.Flow != "" && s.Flow != def.Flow {
			return bad(key("flow"), "%s supports only %q", name, def.Flow)
		}
		if s.FilePrefix != "" {
			return bad(key("filePrefix"), "the file names of the built-in provider %s are fixed", name)
		}
		return nil
	}

	// A generic provider must say everything: the daemon does not guess.
	if s.Flow == "" {
		return bad(key("flow"), "missing; must be %q or %q", FlowAuthorizationCode, FlowDeviceCode)
	}
	if s.TokenURL == "" {
		return bad(key("tokenUrl"), "missing; a generic provider needs its token endpoint")
	}
	if s.ClientID == "" {
		return bad(key("clientId"), "missing; a generic provider needs its client id")
	}
	if s.Flow == FlowAuthorizationCode && s.AuthURL == "" {
		return bad(key("authUrl"), "missing; needed by flow %q", FlowAuthorizationCode)
	}
	if s.Flow == FlowDeviceCode && s.DeviceCodeURL == "" {
		return bad(key("deviceCodeUrl"), "missing; needed by flow %q", FlowDeviceCode)
	}
	if _, clash := builtinPrefixes[s.FilePrefix]; clash {
		return bad(key("filePrefix"), "%q is the prefix of a built-in provider", s.FilePrefix)
	}
	return nil
}

// SettingsError is a bad key of a provider's settings: Key is its path
// from "providers." on, Format and Args the problem in English, which
// config words from its catalogs in the user's language.
type SettingsError struct {
	Key    string
	Format string
	Args   []any
}

func (e *SettingsError) Error() string { return e.Key + ": " + fmt.Sprintf(e.Format, e.Args...) }

func bad(key, format string, args ...any) *SettingsError {
	return &SettingsError{Key: key, Format: format, Args: args}
}

// checkURL accepts an absolute https URL, or http to a loopback host (local
// test servers): refresh tokens and client secrets never travel in clear
// text over a network.
func checkURL(raw string) *SettingsError {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return bad("", "%q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return bad("", "%q: plain http is allowed only to a loopback host; use https", raw)
	default:
		return bad("", "%q: scheme must be https", raw)
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// merge returns def with every key set in o replacing it (extraAuthParams
// key by key).
func (def Settings) merge(o Settings) Settings {
	s := def
	setStr := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	setStr(&s.Flow, o.Flow)
	setStr(&s.AuthURL, o.AuthURL)
	setStr(&s.TokenURL, o.TokenURL)
	setStr(&s.DeviceCodeURL, o.DeviceCodeURL)
	setStr(&s.UserInfoURL, o.UserInfoURL)
	setStr(&s.ClientID, o.ClientID)
	setStr(&s.ClientSecret, o.ClientSecret)
	setStr(&s.AuthStyle, o.AuthStyle)
	setStr(&s.FilePrefix, o.FilePrefix)
	setStr(&s.ManualRedirectURL, o.ManualRedirectURL)
	setStr(&s.UserAgent, o.UserAgent)
	if o.Scopes != nil {
		s.Scopes = slices.Clone(o.Scopes)
	}
	if o.PKCE != nil {
		v := *o.PKCE
		s.PKCE = &v
	}
	if o.ProjectURLs != nil {
		s.ProjectURLs = slices.Clone(o.ProjectURLs)
	}
	if len(def.ExtraAuthParams)+len(o.ExtraAuthParams) > 0 {
		m := make(map[string]string, len(def.ExtraAuthParams)+len(o.ExtraAuthParams))
		for k, v := range def.ExtraAuthParams {
			m[k] = v
		}
		for k, v := range o.ExtraAuthParams {
			m[k] = v
		}
		s.ExtraAuthParams = m
	}
	return s
}

func (s Settings) pkce() bool { return s.PKCE == nil || *s.PKCE }

func boolPtr(b bool) *bool { return &b }

// builtinAliases maps every name a built-in provider goes by to its
// canonical name.
var builtinAliases = map[string]string{
	"qwen": "qwen", "qwen-oauth": "qwen",
	"iflow": "iflow", "iflow-oauth": "iflow",
	"gemini-cli": "gemini-cli", "gemini": "gemini-cli", "gemini-cli-oauth": "gemini-cli",
	"antigravity": "antigravity", "antigravity-oauth": "antigravity",
	"codex": "codex", "codex-oauth": "codex",
	"claude": "claude", "claude-oauth": "claude",
}

// builtinPrefixes are the file-name prefixes tokenfile gives to the
// built-in providers; a generic provider may not claim them.
var builtinPrefixes = map[string]struct{}{
	"qwen": {}, "iflow": {}, "gemini": {}, "gemini-cli": {}, "antigravity": {}, "codex": {}, "claude": {},
}

var googleScopes = []string{
	"https://www.googleapis.com/auth/cloud-platform",
	"https://www.googleapis.com/auth/userinfo.email",
	"https://www.googleapis.com/auth/userinfo.profile",
}

// claudeScopes are Claude Code's.
var claudeScopes = []string{"org:create_api_key", "user:profile", "user:inference", "user:sessions:claude_code", "user:mcp_servers", "user:file_upload"}

// builtinDefaults are the wire facts of PROVIDERS.md. Client ids are public;
// no client secret is ever written here.
var builtinDefaults = map[string]Settings{
	"qwen": {
		Flow:          FlowDeviceCode,
		TokenURL:      "https://chat.qwen.ai/api/v1/oauth2/token",
		DeviceCodeURL: "https://chat.qwen.ai/api/v1/oauth2/device/code",
		ClientID:      "f0304373b74a44d2b584a3fb70ca9e56",
		Scopes:        []string{"openid", "profile", "email", "model.completion"},
		PKCE:          boolPtr(true),
		AuthStyle:     AuthStyleParams,
	},
	"iflow": {
		Flow:            FlowAuthorizationCode,
		AuthURL:         "https://iflow.cn/oauth",
		TokenURL:        "https://iflow.cn/oauth/token",
		UserInfoURL:     "https://iflow.cn/api/oauth/getUserInfo",
		ClientID:        "10009311001",
		Scopes:          []string{"openid", "profile", "email", "api"},
		PKCE:            boolPtr(false),
		AuthStyle:       AuthStyleBoth,
		ExtraAuthParams: map[string]string{"loginMethod": "phone", "type": "phone"},
	},
	"gemini-cli": {
		Flow:            FlowAuthorizationCode,
		AuthURL:         "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL:        "https://oauth2.googleapis.com/token",
		UserInfoURL:     "https://www.googleapis.com/oauth2/v2/userinfo",
		ClientID:        "681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com",
		Scopes:          googleScopes,
		PKCE:            boolPtr(true),
		AuthStyle:       AuthStyleParams,
		ExtraAuthParams: map[string]string{"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"},
	},
	"antigravity": {
		Flow:        FlowAuthorizationCode,
		AuthURL:     "https://accounts.google.com/o/oauth2/v2/auth",
		TokenURL:    "https://oauth2.googleapis.com/token",
		UserInfoURL: "https://www.googleapis.com/oauth2/v2/userinfo",
		ClientID:    "1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com",
		Scopes: append(slices.Clone(googleScopes),
			"https://www.googleapis.com/auth/cclog",
			"https://www.googleapis.com/auth/experimentsandconfigs"),
		PKCE:            boolPtr(true),
		AuthStyle:       AuthStyleParams,
		ExtraAuthParams: map[string]string{"access_type": "offline", "prompt": "consent", "include_granted_scopes": "true"},
		ProjectURLs: []string{
			"https://daily-cloudcode-pa.sandbox.googleapis.com",
			"https://daily-cloudcode-pa.googleapis.com",
			"https://cloudcode-pa.googleapis.com",
		},
	},
	"codex": {
		Flow:          FlowAuthorizationCode,
		AuthURL:       "https://auth.openai.com/oauth/authorize",
		TokenURL:      "https://auth.openai.com/oauth/token",
		DeviceCodeURL: "https://auth.openai.com/api/accounts/deviceauth/usercode",
		ClientID:      "app_EMoamEEZ73f0CkXaXp7hrann",
		Scopes:        []string{"openid", "profile", "email", "offline_access"},
		PKCE:          boolPtr(true),
		AuthStyle:     AuthStyleParams,
		ExtraAuthParams: map[string]string{
			"id_token_add_organizations": "true", "codex_cli_simplified_flow": "true", "originator": "codex_cli_rs",
		},
	},
	"claude": {
		Flow:              FlowAuthorizationCode,
		AuthURL:           "https://claude.ai/oauth/authorize",
		TokenURL:          "https://platform.claude.com/v1/oauth/token",
		UserInfoURL:       "https://api.anthropic.com/api/oauth/profile",
		ClientID:          "9d1c250a-e61b-44d9-88ed-5944d1962f5e",
		Scopes:            claudeScopes,
		PKCE:              boolPtr(true),
		AuthStyle:         AuthStyleParams,
		ExtraAuthParams:   map[string]string{"code": "true"},
		ManualRedirectURL: claudeManualRedirect,
	},
}

package config

// decode.go: the strict decoder of the tokenDaemon block; every error names
// the file and the key path.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/provider"
)

type decoder struct{ file string }

func (d *decoder) fail(key, format string, args ...any) error {
	return newError(d.file, key, format, args...)
}

// member is one key of a JSON object, in document order.
type member struct {
	key string
	raw json.RawMessage
}

// object reads raw as a JSON object, in document order; a repeated key is
// an error because which one wins would be a guess.
func (d *decoder) object(path string, raw json.RawMessage) ([]member, error) {
	if !isKind(raw, '{') {
		return nil, d.fail(path, "must be an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, d.fail(path, "must be an object")
	}
	var out []member
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, d.fail(path, "must be an object")
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, d.fail(path, "must be an object")
		}
		if seen[key] {
			return nil, d.fail(join(path, key), "is given twice")
		}
		seen[key] = true
		out = append(out, member{key, v})
	}
	return out, nil
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// join extends a key path: a.b, or a["file.json"] for keys that are not
// plain identifiers.
func join(path, key string) string {
	if identRE.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func isKind(raw json.RawMessage, first byte) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == first
}

func (d *decoder) tokenDaemon(raw json.RawMessage, cfg *TokenDaemon) error {
	const p = "tokenDaemon"
	if string(bytes.TrimSpace(raw)) == "null" {
		return nil // written as null: the defaults
	}
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		var err error
		switch m.key {
		case "enabled":
			cfg.Enabled, err = d.boolean(key, m.raw)
		case "refreshAheadMinutes":
			cfg.RefreshAheadMinutes, err = d.whole(key, m.raw, minRefreshAhead, maxRefreshAhead)
		case "checkIntervalSeconds":
			cfg.CheckIntervalSeconds, err = d.whole(key, m.raw, minCheckInterval, maxCheckInterval)
		case "notification":
			err = d.notification(key, m.raw, &cfg.Notification)
		case "autoRefresh":
			err = d.autoRefresh(key, m.raw, &cfg.AutoRefresh)
		case "authDir":
			cfg.AuthDir, err = d.nonEmptyString(key, m.raw)
		case "language":
			var s string
			s, err = d.oneOf(key, m.raw, "zh", "en")
			cfg.Language = i18n.Lang(s)
		case "callbackPorts":
			cfg.CallbackPorts, err = d.ports(key, m.raw)
		case "aliases":
			cfg.Aliases, err = d.aliases(key, m.raw)
		case "providers":
			cfg.Providers, err = d.providers(key, m.raw)
		case "tray":
			cfg.Tray, err = d.oneOf(key, m.raw, "auto", "on", "off")
		case "maxConcurrentRefreshes":
			cfg.MaxConcurrentRefreshes, err = d.whole(key, m.raw, minConcurrent, maxConcurrent)
		case "serverCommand":
			cfg.ServerCommand, err = d.command(key, m.raw)
		case "cluster":
			cfg.Cluster, err = d.cluster(key, m.raw)
		case "sources":
			cfg.Sources, err = d.sources(key, m.raw)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) unknown(key string) error {
	return d.fail(key, "unknown key (check its spelling)")
}

func (d *decoder) notification(p string, raw json.RawMessage, n *Notification) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "showPopup":
			n.ShowPopup, err = d.boolean(key, m.raw)
		case "sound":
			n.Sound, err = d.boolean(key, m.raw)
		case "notifySuccess":
			n.NotifySuccess, err = d.boolean(key, m.raw)
		case "webhooks":
			n.Webhooks, err = d.webhooks(key, m.raw)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) autoRefresh(p string, raw json.RawMessage, a *AutoRefresh) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "enabled":
			a.Enabled, err = d.boolean(key, m.raw)
		case "retryOnFailure":
			a.RetryOnFailure, err = d.boolean(key, m.raw)
		case "maxRetries":
			a.MaxRetries, err = d.whole(key, m.raw, minRetries, maxRetries)
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) boolean(key string, raw json.RawMessage) (bool, error) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, d.fail(key, "must be true or false")
}

// whole reads a whole number in [lo, hi]; 30.0 is accepted, 30.5 and "30"
// are not.
func (d *decoder) whole(key string, raw json.RawMessage, lo, hi int) (int, error) {
	bad := d.fail(key, "must be a whole number from %d to %d", lo, hi)
	var f float64
	if !isNumber(raw) || json.Unmarshal(raw, &f) != nil {
		return 0, bad
	}
	if f != float64(int64(f)) || f < float64(lo) || f > float64(hi) {
		return 0, bad
	}
	return int(f), nil
}

func isNumber(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && (t[0] == '-' || (t[0] >= '0' && t[0] <= '9'))
}

func (d *decoder) str(key string, raw json.RawMessage) (string, error) {
	var s string
	if !isKind(raw, '"') || json.Unmarshal(raw, &s) != nil {
		return "", d.fail(key, "must be a string")
	}
	return s, nil
}

func (d *decoder) nonEmptyString(key string, raw json.RawMessage) (string, error) {
	s, err := d.str(key, raw)
	if err == nil && strings.TrimSpace(s) == "" {
		err = d.fail(key, "must be a non-empty string")
	}
	return s, err
}

func (d *decoder) oneOf(key string, raw json.RawMessage, values ...string) (string, error) {
	s, err := d.str(key, raw)
	for _, v := range values {
		if err == nil && s == v {
			return s, nil
		}
	}
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return "", d.fail(key, "must be one of %s", strings.Join(quoted, ", "))
}

func (d *decoder) array(key string, raw json.RawMessage, what string) ([]json.RawMessage, error) {
	var items []json.RawMessage
	if !isKind(raw, '[') || json.Unmarshal(raw, &items) != nil {
		return nil, d.fail(key, "must be an array of %s", what)
	}
	return items, nil
}

func (d *decoder) ports(key string, raw json.RawMessage) ([]int, error) {
	items, err := d.array(key, raw, "port numbers")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 || len(items) > maxCallbackPorts {
		return nil, d.fail(key, "must list 1 to %d port numbers", maxCallbackPorts)
	}
	seen := map[int]bool{}
	ports := make([]int, 0, len(items))
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		port, err := d.whole(k, it, minPort, maxPort)
		if err != nil {
			return nil, err
		}
		if seen[port] {
			return nil, d.fail(k, "port %d is listed twice", port)
		}
		seen[port] = true
		ports = append(ports, port)
	}
	return ports, nil
}

func (d *decoder) strings(key string, raw json.RawMessage, nonEmpty bool) ([]string, error) {
	items, err := d.array(key, raw, "strings")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		k := fmt.Sprintf("%s[%d]", key, i)
		var s string
		if nonEmpty {
			s, err = d.nonEmptyString(k, it)
		} else {
			s, err = d.str(k, it)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func (d *decoder) command(key string, raw json.RawMessage) ([]string, error) {
	cmd, err := d.strings(key, raw, true)
	if err == nil && len(cmd) == 0 {
		err = d.fail(key, "must name a command, e.g. [\"rcc\", \"start\"]")
	}
	return cmd, err
}

func (d *decoder) aliases(p string, raw json.RawMessage) (map[string]string, error) {
	members, err := d.object(p, raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(members))
	for _, m := range members {
		key := join(p, m.key)
		name := strings.TrimSpace(m.key)
		if name == "" || (strings.ContainsAny(name, `/\`) && !sourceFileName(name)) {
			return nil, d.fail(key, "must be a token file name such as \"iflow-oauth-1-work.json\"")
		}
		alias, err := d.str(key, m.raw)
		if err != nil {
			return nil, err
		}
		if !strings.HasSuffix(name, ".json") {
			name += ".json"
		}
		out[name] = alias
	}
	return out, nil
}

// providers checks each providers.<name> object: key names and JSON types
// here, so that the error names the exact key; then the meaning of the
// values with provider.Settings.Validate (required keys of a generic
// provider, URLs, reserved parameters).
func (d *decoder) providers(p string, raw json.RawMessage) (map[string]provider.Settings, error) {
	members, err := d.object(p, raw)
	if err != nil {
		return nil, err
	}
	out := make(map[string]provider.Settings, len(members))
	for _, m := range members {
		key := join(p, m.key)
		if err := d.providerKeys(key, m.raw); err != nil {
			return nil, err
		}
		var s provider.Settings
		if err := json.Unmarshal(m.raw, &s); err != nil {
			return nil, d.fail(key, "%v", err)
		}
		if err := s.Validate(m.key); err != nil {
			// Validate names the key from "providers." on.
			var se *provider.SettingsError
			if errors.As(err, &se) {
				return nil, newError(d.file, "tokenDaemon."+se.Key, se.Format, se.Args...)
			}
			return nil, &Error{File: d.file, Msg: "tokenDaemon." + err.Error()}
		}
		out[m.key] = s
	}
	return out, nil
}

func (d *decoder) providerKeys(p string, raw json.RawMessage) error {
	members, err := d.object(p, raw)
	if err != nil {
		return err
	}
	for _, m := range members {
		key := join(p, m.key)
		switch m.key {
		case "flow", "authStyle", "authUrl", "tokenUrl", "deviceCodeUrl", "userInfoUrl",
			"clientId", "clientSecret", "filePrefix", "manualRedirectUrl", "userAgent":
			_, err = d.str(key, m.raw)
		case "scopes", "projectUrls":
			_, err = d.strings(key, m.raw, false)
		case "pkce":
			_, err = d.boolean(key, m.raw)
		case "extraAuthParams":
			var params []member
			params, err = d.object(key, m.raw)
			for _, pm := range params {
				if err == nil {
					_, err = d.str(join(key, pm.key), pm.raw)
				}
			}
		default:
			err = d.unknown(key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

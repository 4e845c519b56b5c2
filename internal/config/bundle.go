package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// What an export takes from config.json and an import merges back
// (DESIGN.md section 13): tokenDaemon.aliases and tokenDaemon.providers,
// as written (each provider's object byte for byte, in config order).

// RawProvider is one tokenDaemon.providers member as config.json has it.
type RawProvider struct {
	Name     string
	Settings json.RawMessage
}

// BundleSettings reads tokenDaemon.aliases and tokenDaemon.providers of the
// config file at path (none when the file or the keys are absent).
func BundleSettings(path string) (aliases map[string]string, providers []RawProvider, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]string{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read config: %w", err)
	}
	if _, err := Parse(path, data); err != nil {
		return nil, nil, err
	}
	aliases = map[string]string{}
	td, tdMembers, err := tokenDaemonMembers(data)
	if err != nil || td < 0 {
		return aliases, nil, err
	}
	if al := find(tdMembers, "aliases"); al != nil && data[al.valStart] == '{' {
		var m map[string]string
		if err := json.Unmarshal(data[al.valStart:al.valEnd], &m); err == nil {
			for k, v := range m {
				k = strings.TrimSpace(k)
				if !strings.HasSuffix(k, ".json") {
					k += ".json"
				}
				aliases[k] = v
			}
		}
	}
	if pr := find(tdMembers, "providers"); pr != nil && data[pr.valStart] == '{' {
		members, _, err := objectMembers(data, pr.valStart)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range members {
			raw := append(json.RawMessage(nil), data[m.valStart:m.valEnd]...)
			providers = append(providers, RawProvider{Name: m.key, Settings: raw})
		}
	}
	return aliases, providers, nil
}

// WithoutSecret is a provider's settings without clientSecret (the rest
// as it was).
func WithoutSecret(raw json.RawMessage) json.RawMessage {
	data := []byte(raw)
	open := bytes.IndexByte(data, '{')
	if open < 0 {
		return raw
	}
	for {
		members, _, err := objectMembers(data, open)
		if err != nil {
			return raw
		}
		i := -1
		for j, m := range members {
			if m.key == "clientSecret" {
				i = j
			}
		}
		if i < 0 {
			return json.RawMessage(data)
		}
		data = removeMember(data, members, i)
	}
}

// tokenDaemonMembers finds the tokenDaemon object of data: the offset of
// its '{' (-1 when there is none) and its members.
func tokenDaemonMembers(data []byte) (int, []span, error) {
	rootOpen := bytes.IndexByte(data, '{')
	if rootOpen < 0 {
		return -1, nil, nil
	}
	root, _, err := objectMembers(data, rootOpen)
	if err != nil {
		return -1, nil, err
	}
	td := find(root, "tokenDaemon")
	if td == nil || data[td.valStart] != '{' {
		return -1, nil, nil
	}
	members, _, err := objectMembers(data, td.valStart)
	return td.valStart, members, err
}

// BundleMerge says what MergeBundle did (or, dry, would do).
type BundleMerge struct {
	AliasesAdded   []string // file names whose alias was added
	AliasesKept    []string // file names that have another alias here: kept
	ProvidersAdded []string
	ProvidersKept  []string // configured here already: kept as they are
}

// Changed reports whether the merge changes config.json.
func (m BundleMerge) Changed() bool { return len(m.AliasesAdded)+len(m.ProvidersAdded) > 0 }

// MergeBundle merges aliases (file name → alias) and providers of a bundle
// into the config file at path, by the same order-preserving atomic write
// as SetAlias: an alias or provider the config has already is kept as it
// is; new ones are added at the end of their object. With dry set nothing
// is written. The result must still be a valid configuration.
func MergeBundle(path string, aliases map[string]string, aliasOrder []string, providers []RawProvider, dry bool) (BundleMerge, error) {
	var res BundleMerge
	target, data, mode, err := readForMerge(path)
	if err != nil {
		return res, err
	}
	var have map[string]string
	var haveProv []RawProvider
	if len(data) > 0 {
		if _, err := Parse(path, data); err != nil {
			return res, err
		}
		if have, haveProv, err = BundleSettings(target); err != nil {
			return res, err
		}
	}
	out := data
	for _, name := range aliasOrder {
		alias := strings.TrimSpace(aliases[name])
		if alias == "" {
			continue
		}
		if cur, ok := have[name]; ok {
			if cur != alias {
				res.AliasesKept = append(res.AliasesKept, name)
			}
			continue
		}
		file, alias, err := CheckAlias(name, alias)
		if err != nil {
			return res, mergeError(path, "the alias of "+name, err)
		}
		if out, _, err = mergeAlias(out, file, alias); err != nil {
			return res, mergeError(path, "tokenDaemon.aliases", err)
		}
		res.AliasesAdded = append(res.AliasesAdded, file)
	}
	known := map[string]bool{}
	for _, p := range haveProv {
		known[p.Name] = true
	}
	for _, p := range providers {
		if known[p.Name] {
			res.ProvidersKept = append(res.ProvidersKept, p.Name)
			continue
		}
		if out, err = addProvider(out, p); err != nil {
			return res, mergeError(path, "tokenDaemon.providers."+p.Name, err)
		}
		known[p.Name] = true
		res.ProvidersAdded = append(res.ProvidersAdded, p.Name)
	}
	if !res.Changed() || dry {
		if res.Changed() {
			if _, err := Parse(path, out); err != nil {
				return res, err // a *Error naming the key: the caller words it
			}
		}
		return res, nil
	}
	if _, err := Parse(path, out); err != nil {
		return res, err // a *Error naming the key: the caller words it
	}
	return res, writeFileAtomic(target, out, mode)
}

// addProvider adds tokenDaemon.providers[p.Name] = p.Settings as the last
// member, creating what is missing on the way.
func addProvider(data []byte, p RawProvider) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		data = []byte("{}\n")
	}
	rootOpen := bytes.IndexByte(data, '{')
	if rootOpen < 0 {
		return nil, errors.New("the file does not hold a JSON object")
	}
	root, rootClose, err := objectMembers(data, rootOpen)
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	unit := indentUnit(data, root)
	value := func(indent string) string {
		var buf bytes.Buffer
		if err := json.Indent(&buf, p.Settings, indent, unit); err != nil {
			return string(p.Settings)
		}
		return buf.String()
	}
	provObj := func(indent string) string {
		k, _ := json.Marshal(p.Name)
		return "{\n" + indent + unit + string(k) + ": " + value(indent+unit) + "\n" + indent + "}"
	}
	td := find(root, "tokenDaemon")
	if td == nil {
		return insertMember(data, rootOpen, root, rootClose, unit, "tokenDaemon", func(indent string) string {
			return "{\n" + indent + unit + `"providers": ` + provObj(indent+unit) + "\n" + indent + "}"
		}), nil
	}
	if data[td.valStart] != '{' {
		return nil, errors.New("tokenDaemon is not an object")
	}
	tdMembers, tdClose, err := objectMembers(data, td.valStart)
	if err != nil {
		return nil, err
	}
	pr := find(tdMembers, "providers")
	if pr == nil {
		return insertMember(data, td.valStart, tdMembers, tdClose, unit, "providers", provObj), nil
	}
	if data[pr.valStart] != '{' {
		return nil, errors.New("tokenDaemon.providers is not an object")
	}
	prMembers, prClose, err := objectMembers(data, pr.valStart)
	if err != nil {
		return nil, err
	}
	return insertMember(data, pr.valStart, prMembers, prClose, unit, p.Name, value), nil
}

// mergeError: what of a bundle could not be merged into config.json.
func mergeError(path, what string, err error) error {
	return &Error{File: path, Msg: "cannot merge " + what + " of the bundle: " + err.Error(),
		What: "transfer.cfgMerge", Args: []any{what, err.Error()}}
}

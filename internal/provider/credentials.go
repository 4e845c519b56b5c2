package provider

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ClientsFileName is RouteCodex's local file of client credentials in the
// auth dir: {"gemini-cli":{"clientId":"…","clientSecret":"…"},…}.
const ClientsFileName = "oauth-clients.local.json"

type credentials struct {
	ID, Secret string
}

type clientsFileEntry struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

// envPrefix is ROUTECODEX_<P>_ for a provider name: gemini-cli → GEMINI_CLI.
func envPrefix(name string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return "ROUTECODEX_" + b.String() + "_"
}

// secretEnvNames are the env names of the client secret, in order.
func secretEnvNames(name string) []string {
	names := []string{envPrefix(name) + "CLIENT_SECRET"}
	if name == "gemini-cli" || name == "antigravity" {
		// RouteCodex's own names.
		names = append(names, envPrefix(name)+"GOOGLE_CLIENT_SECRET")
	}
	return names
}

// credentials resolves the client id and secret, first found wins: env,
// config, oauth-clients.local.json (read now, so a file added later counts
// without a restart), then the built-in public client id.
func (c *client) credentials() (credentials, error) {
	var cr credentials
	cr.ID = c.getenv(envPrefix(c.name) + "CLIENT_ID")
	if cr.ID == "" {
		cr.ID = c.user.ClientID
	}
	if c.secret != secretNone {
		for _, env := range secretEnvNames(c.name) {
			if cr.Secret = c.getenv(env); cr.Secret != "" {
				break
			}
		}
		if cr.Secret == "" {
			cr.Secret = c.user.ClientSecret
		}
	}
	var fileErr error
	if cr.ID == "" || (c.secret != secretNone && cr.Secret == "") {
		entry, err := c.readClientsFile()
		fileErr = err
		if cr.ID == "" {
			cr.ID = entry.ClientID
		}
		if c.secret != secretNone && cr.Secret == "" {
			cr.Secret = entry.ClientSecret
		}
	}
	if cr.ID == "" {
		cr.ID = c.def.ClientID
	}
	if cr.ID == "" {
		return cr, &Error{Provider: c.name, Class: Misconfigured, Description: "no client id",
			Fix:     fmt.Sprintf("set env %sCLIENT_ID or tokenDaemon.providers.%s.clientId in config.json", envPrefix(c.name), c.name),
			Problem: ProblemNoClientID, ProblemArgs: []string{envPrefix(c.name) + "CLIENT_ID", c.name}}
	}
	if c.secret == secretRequired && cr.Secret == "" {
		msg := "no client secret"
		if fileErr != nil {
			msg += " (" + fileErr.Error() + ")"
		}
		envs := strings.Join(secretEnvNames(c.name), " or ")
		fix := fmt.Sprintf("set env %s, or tokenDaemon.providers.%s.clientSecret in config.json, or {%q:{\"clientSecret\":\"…\"}} in %s",
			envs, c.name, c.name, c.clientsFilePath())
		return cr, &Error{Provider: c.name, Class: Misconfigured, Description: msg, Err: fileErr, Fix: fix,
			Problem: ProblemNoClientSecret, ProblemArgs: []string{strings.Join(secretEnvNames(c.name), "|"), c.name, c.name, c.clientsFilePath()}}
	}
	return cr, nil
}

// credentialsFix says where this provider's client id and secret are set,
// for an answer that rejects them (invalid_client).
func (c *client) credentialsFix() (fix, problem string, args []string) {
	if c.secret == secretNone {
		return fmt.Sprintf("check the client id: env %sCLIENT_ID or tokenDaemon.providers.%s.clientId in config.json",
				envPrefix(c.name), c.name),
			ProblemClientRejected, []string{envPrefix(c.name) + "CLIENT_ID", c.name}
	}
	envs := strings.Join(secretEnvNames(c.name), " or ")
	return fmt.Sprintf("check the client id and secret: env %sCLIENT_ID and %s, tokenDaemon.providers.%s.clientId and .clientSecret in config.json, or %s",
			envPrefix(c.name), envs, c.name, c.clientsFilePath()),
		ProblemClientRejectedSecret, []string{envPrefix(c.name) + "CLIENT_ID", strings.Join(secretEnvNames(c.name), "|"), c.name, c.clientsFilePath()}
}

func (c *client) clientsFilePath() string {
	if c.authDir == "" {
		return filepath.Join("<auth dir>", ClientsFileName)
	}
	return filepath.Join(c.authDir, ClientsFileName)
}

// readClientsFile returns this provider's entry; a missing file or entry is
// not an error.
func (c *client) readClientsFile() (clientsFileEntry, error) {
	if c.authDir == "" {
		return clientsFileEntry{}, nil
	}
	path := c.clientsFilePath()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return clientsFileEntry{}, nil
	}
	if err != nil {
		return clientsFileEntry{}, fmt.Errorf("read %s: %w", path, err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		// The syntax error names a position, never file content.
		return clientsFileEntry{}, fmt.Errorf("%s is not a JSON object: %w", path, err)
	}
	raw, ok := all[c.name]
	if !ok {
		return clientsFileEntry{}, nil
	}
	var e clientsFileEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return clientsFileEntry{}, fmt.Errorf("%s: entry %q must be {\"clientId\":…,\"clientSecret\":…}", path, c.name)
	}
	return e, nil
}

package authflow

// save.go: where a finished login's tokens land — the file the login is for
// (with the wrong-account guard) or a new, unused name.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/routecodex/token-daemon/internal/provider"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// target is what the pages and flows know of one file.
type target struct {
	file    *tokenfile.File
	state   fileState
	canAuth bool
	why     string // why not, when !canAuth
	// whyKey and whyArg make why again in a page's language ("" key: why
	// is the file's own reason, shown as it is).
	whyKey, whyArg string
}

// whyIn is why in the language of tr.
func (t *target) whyIn(tr func(key string, args ...any) string) string {
	switch {
	case t.whyKey == "":
		return t.why
	case t.whyArg == "":
		return tr(t.whyKey)
	}
	return tr(t.whyKey, t.whyArg)
}

type fileState struct {
	Status  string
	Reason  string
	Expires time.Time
}

// UnknownFileError is a login of a name that is no token file of the auth
// dir; it is ErrUnknownFile, with a code a client words.
type UnknownFileError struct{ Name string }

func (e *UnknownFileError) Error() string        { return fmt.Sprintf("%v: %q", ErrUnknownFile, e.Name) }
func (e *UnknownFileError) Is(target error) bool { return target == ErrUnknownFile }

// ErrorCode names the error for a client that words it (ipc passes it on).
func (e *UnknownFileError) ErrorCode() (string, []string) {
	return "login.unknownFile", []string{e.Name}
}

// validName: a bare token-file name in the auth dir, nothing else.
func validName(name string) bool {
	return name != "" && filepath.Base(name) == name && !strings.ContainsAny(name, `/\`) && !tokenfile.Skip(name)
}

// lookup reads a token file of the auth dir and says whether it can be
// re-authenticated.
func (s *Server) lookup(name string) (*target, error) {
	if !validName(name) {
		return nil, &UnknownFileError{Name: name}
	}
	// Load checks symlinks as the daemon does: a link that leaves the auth
	// dir is no token file and gets no login page.
	f := tokenfile.Load(s.o.AuthDir, name, s.o.FileOptions)
	if f == nil {
		return nil, &UnknownFileError{Name: name}
	}
	t := &target{file: f}
	st, why := f.StatusAt(s.now(), s.o.RefreshAhead)
	t.state = fileState{Status: string(st), Reason: why, Expires: f.ExpiresAt}
	if s.o.Core != nil {
		for _, ts := range s.o.Core.Snapshot() {
			if ts.File == name {
				t.state = fileState{Status: string(ts.Status), Reason: ts.Reason, Expires: ts.ExpiresAt}
				break
			}
		}
	}
	switch {
	case f.Provider == "":
		t.whyKey = "auth.whyUnknownProvider"
	case f.ReadOnly && !f.HandedOff: // a login takes a handed-off file back
		t.whyKey = "auth.whyStatic"
	case f.Invalid != "":
		t.why = f.Invalid
	case !s.hasFlow(f.Provider):
		t.whyKey, t.whyArg = "auth.whyNoFlow", f.Provider
	default:
		t.canAuth = true
	}
	if t.whyKey != "" {
		t.why = t.whyIn(s.t)
	}
	return t, nil
}

// complete learns who signed in and writes the tokens, or holds them when
// the account differs from the file's.
func (s *Server) complete(ctx context.Context, f *flow, u tokenfile.Update) {
	p, _ := s.o.Providers.Get(f.provider)
	var acc provider.Account
	var accErr error
	if ai, ok := p.(provider.AccountIdentifier); ok {
		acc, accErr = ai.Account(ctx, u)
	}
	if f.file == "" {
		s.createNew(ctx, f, u, acc)
		return
	}
	path := filepath.Join(s.o.AuthDir, f.file)
	tf := tokenfile.Read(path, s.o.FileOptions)
	known := tf.Email != "" || tf.AccountID != "" || tf.Workspace != ""
	if known && accErr != nil {
		s.fail(f, reasonIdentity, accErr)
		return
	}
	if known && accErr == nil && differs(tf, acc) {
		s.mu.Lock()
		f.status = statusMismatch
		f.held, f.heldAcc = u, acc
		f.oldAcct, f.account = mismatchNames(tf, acc)
		s.mu.Unlock()
		s.o.Logger.Warn("login account differs from the file's; file left unchanged", "flow", f.id, "file", f.file)
		return
	}
	extra := maps.Clone(u.Extra)
	if extra == nil {
		extra = map[string]any{}
	}
	if tf.Email == "" && acc.Email != "" {
		extra["email"] = acc.Email
	}
	var warn string
	if tf.ProjectID == "" {
		if pf, ok := p.(provider.ProjectFinder); ok {
			if id, err := pf.Project(ctx, u.AccessToken); err == nil {
				extra["project_id"], extra["projectId"] = id, id
			} else {
				warn = s.t("auth.warnProject", shorten(err.Error()))
			}
		}
	}
	u.Extra = extra
	if _, err := tokenfile.Write(path, u, nil); err != nil {
		s.fail(f, reasonWrite, err)
		return
	}
	s.fileChanged(f.file)
	if w := s.enrich(ctx, p, path, f.file, u.AccessToken); w != "" {
		warn = w
	}
	s.succeed(f, f.file, firstNonEmpty(accountName(acc), tf.DisplayName), false, warn)
}

// enrich makes iflow's second call and second write; it returns a warning
// ("" when fine or not needed). The tokens are already on disk.
func (s *Server) enrich(ctx context.Context, p provider.Provider, path, name, access string) string {
	en, ok := p.(provider.Enricher)
	if !ok {
		return ""
	}
	eu, err := en.Enrich(ctx, access)
	if err == nil {
		_, err = tokenfile.Write(path, eu, nil)
	}
	if err != nil {
		s.o.Logger.Warn("login enrichment failed", "file", name, "err", err)
		return s.t("auth.warnEnrich", shorten(err.Error()))
	}
	s.fileChanged(name)
	return ""
}

// createNew writes a new account file <prefix>-oauth-<seq>[-<alias>].json.
func (s *Server) createNew(ctx context.Context, f *flow, u tokenfile.Update, acc provider.Account) {
	p, _ := s.o.Providers.Get(f.provider)
	fields := map[string]any{"type": f.provider}
	if acc.Email != "" {
		fields["email"] = acc.Email
	}
	var warn string
	if pf, ok := p.(provider.ProjectFinder); ok {
		if id, err := pf.Project(ctx, u.AccessToken); err == nil {
			fields["project_id"], fields["projectId"] = id, id
		} else {
			warn = s.t("auth.warnProject", shorten(err.Error()))
		}
	}
	// A first login may come before the auth dir exists.
	if err := os.MkdirAll(s.o.AuthDir, 0o700); err != nil {
		s.fail(f, reasonWrite, err)
		return
	}
	var name string
	for range 5 { // another writer may take the same name meanwhile
		n, err := s.nextName(f.provider, f.alias)
		if err != nil {
			s.fail(f, reasonWrite, err)
			return
		}
		_, err = tokenfile.Create(filepath.Join(s.o.AuthDir, n), fields, u)
		if err == nil {
			name = n
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			s.fail(f, reasonWrite, err)
			return
		}
	}
	if name == "" {
		s.fail(f, reasonWrite, errors.New("no free file name"))
		return
	}
	s.fileChanged(name)
	if w := s.enrich(ctx, p, filepath.Join(s.o.AuthDir, name), name, u.AccessToken); w != "" {
		warn = w
	}
	s.succeed(f, name, accountName(acc), true, warn)
}

var seqName = regexp.MustCompile(`^(.+)-oauth-(\d+)(?:-.+)?\.json$`)

// filePrefix is the name prefix of a provider's new files, as RouteCodex
// names them (gemini-cli files are "gemini-oauth-N").
func (s *Server) filePrefix(prov string) string {
	if prov == tokenfile.ProviderGeminiCLI {
		return "gemini"
	}
	if g, ok := s.o.Providers.(filePrefixes); ok {
		if pre := g.Generic()[prov]; pre != "" {
			return pre
		}
	}
	return prov
}

// nextName is the next free <prefix>-oauth-<seq>[-<alias>].json.
func (s *Server) nextName(prov, alias string) (string, error) {
	entries, err := os.ReadDir(s.o.AuthDir)
	if err != nil {
		return "", fmt.Errorf("read auth dir: %w", err)
	}
	prefix := s.filePrefix(prov)
	maxSeq := 0
	for _, e := range entries {
		m := seqName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		if m[1] != prefix && !(prov == tokenfile.ProviderGeminiCLI && m[1] == "gemini-cli") {
			continue
		}
		if n, err := strconv.Atoi(m[2]); err == nil && n > maxSeq {
			maxSeq = n
		}
	}
	name := prefix + "-oauth-" + strconv.Itoa(maxSeq+1)
	if alias != "" {
		name += "-" + alias
	}
	return name + ".json", nil
}

// cleanAlias checks an alias for use in a file name: letters, digits, '-',
// '_' and '.', at most 40 characters; spaces become '-'.
func cleanAlias(a string) (string, error) {
	a = strings.TrimSpace(a)
	a = strings.Join(strings.Fields(a), "-")
	if a == "" {
		return "", nil
	}
	if len([]rune(a)) > 40 || strings.HasPrefix(a, ".") || strings.Contains(a, "..") {
		return "", fmt.Errorf("alias %q: at most 40 letters, digits, '-', '_' or '.'", a)
	}
	for _, r := range a {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return "", fmt.Errorf("alias %q: at most 40 letters, digits, '-', '_' or '.'", a)
		}
	}
	return a, nil
}

// saveNew writes a mismatched login's tokens as a new account file.
func (s *Server) saveNew(ctx context.Context, f *flow, alias string) error {
	alias, err := cleanAlias(alias)
	if err != nil {
		return err
	}
	s.mu.Lock()
	if f.status != statusMismatch {
		s.mu.Unlock()
		return nil // already saved or ended: the done page shows which
	}
	f.status = statusPending
	u, acc := f.held, f.heldAcc
	f.held = tokenfile.Update{}
	f.file, f.alias = "", alias
	s.mu.Unlock()
	s.createNew(ctx, f, u, acc)
	return nil
}

// differs: the login is another account than the file's. Every key both
// name must agree: the same email in another workspace (codex's
// chatgpt_account_id, claude's organization) is another account.
func differs(tf *tokenfile.File, acc provider.Account) bool {
	switch {
	case tf.Email != "" && acc.Email != "" && !strings.EqualFold(tf.Email, acc.Email):
		return true
	case tf.AccountID != "" && acc.ID != "" && tf.AccountID != acc.ID:
		return true
	case tf.Workspace != "" && acc.Workspace != "" && tf.Workspace != acc.Workspace:
		return true
	}
	return false
}

// mismatchNames name the two accounts of a mismatch so that they read
// differently: with the account or workspace id when the emails agree.
func mismatchNames(tf *tokenfile.File, acc provider.Account) (file, login string) {
	file, login = firstNonEmpty(tf.Email, tf.AccountID), accountName(acc)
	if !strings.EqualFold(file, login) {
		return file, login
	}
	switch {
	case tf.AccountID != "" && acc.ID != "" && tf.AccountID != acc.ID:
		return file + " (" + tf.AccountID + ")", login + " (" + acc.ID + ")"
	case tf.Workspace != "" && acc.Workspace != "":
		return file + " (" + tf.Workspace + ")", login + " (" + acc.Workspace + ")"
	}
	return file, login
}

func accountName(a provider.Account) string { return firstNonEmpty(a.Email, a.ID) }

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// shorten keeps error text on a page short; provider errors never hold a
// token value (provider.Error guarantees it).
func shorten(s string) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}

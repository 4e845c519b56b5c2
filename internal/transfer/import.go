package transfer

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/routecodex/token-daemon/internal/bundle"
	"github.com/routecodex/token-daemon/internal/config"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Conflict rules of import (--on-conflict).
const (
	// OnConflictNewer: an existing copy of the same account is replaced
	// only by a newer one; anything else is skipped.
	OnConflictNewer = "newer"
	// OnConflictSkip: an existing file is never replaced.
	OnConflictSkip = "skip"
	// OnConflictRename: as newer, but a file of another account (or of an
	// account that cannot be told) is saved under the next free name
	// <prefix>-oauth-<n>[-<alias>].json instead of skipped.
	OnConflictRename = "rename"
)

// ErrBadConflictRule is an --on-conflict value other than the three.
var ErrBadConflictRule = errors.New("unknown conflict rule")

// Action is what import does with one file of the bundle.
type Action string

const (
	ActionCreate  Action = "create"  // no such file here: written
	ActionReplace Action = "replace" // an older copy of the same account replaced
	ActionRename  Action = "rename"  // saved under a new name beside another account's file
	ActionSame    Action = "same"    // the same bytes are here already
	ActionSkip    Action = "skip"    // left alone; Why says why
)

// Why codes of a skip (and of the other actions, for the plan).
const (
	WhyNew            = "new"             // create
	WhyNewer          = "newer"           // replace: a later expiry
	WhyNotNewer       = "not_newer"       // skip: the copy here is as new or newer
	WhyOtherAccount   = "other_account"   // skip: the file here belongs to another account
	WhyUnknownAccount = "unknown_account" // skip: cannot tell whether it is the same account
	WhyExists         = "exists"          // skip (--on-conflict skip)
	WhyInvalid        = "invalid"         // skip: the bundle's copy is no usable token file (Detail)
	WhyChanged        = "changed"         // skip: the file here changed while importing
	WhySameBytes      = "same_bytes"      // same
	WhyNameTaken      = "name_taken"      // rename: the name belongs to another account
	WhyNotTokenName   = "not_token_name"  // skip: a name the auth dir never reads as a token file
)

// Item is one file of the bundle and what import does with it.
type Item struct {
	File     string // name in the bundle
	Target   string // name here: written, or the existing file compared with
	Provider string
	Account  string // display name of the bundle's copy
	Action   Action
	Why      string
	Detail   string // e.g. the reason a file is invalid
	Err      error  // set by Apply when the write failed

	data   []byte
	mode   fs.FileMode
	expect *[32]byte // the bytes of Target the plan decided on (nil: create)
	alias  string    // the bundle's alias of File
}

// Writes reports whether the item writes a file.
func (it Item) Writes() bool {
	return it.Err == nil && (it.Action == ActionCreate || it.Action == ActionReplace || it.Action == ActionRename)
}

// Plan decides, for every file of b, what import does, reading the auth
// dir but writing nothing.
func Plan(h Home, b *bundle.Bundle, onConflict string) ([]Item, error) {
	switch onConflict {
	case "":
		onConflict = OnConflictNewer
	case OnConflictNewer, OnConflictSkip, OnConflictRename:
	default:
		return nil, fmt.Errorf("%w %q", ErrBadConflictRule, onConflict)
	}
	local, err := tokenfile.Scan(h.AuthDir, h.Options)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read auth dir: %w", err)
	}
	byName := map[string]*tokenfile.File{}
	taken := map[string]bool{}
	for _, f := range local {
		byName[f.Name] = f
		taken[f.Name] = true
	}
	if entries, err := os.ReadDir(h.AuthDir); err == nil {
		for _, e := range entries {
			taken[e.Name()] = true // skipped names too: never written over
		}
	}
	items := make([]Item, 0, len(b.Files))
	for _, bf := range b.Files {
		opts := h.Options
		path := filepath.Join(h.AuthDir, bf.Name)
		in := tokenfile.Parse(path, bf.Data, opts)
		it := Item{File: bf.Name, Target: bf.Name, Provider: in.Provider, Account: in.DisplayName,
			data: bf.Data, mode: bf.Mode.Perm(), alias: b.Aliases[bf.Name]}
		if it.mode == 0 {
			it.mode = 0o600
		}
		items = append(items, decide(it, in, byName, local, taken, onConflict, h.Options.Generic))
		if last := items[len(items)-1]; last.Writes() {
			taken[last.Target] = true
		}
	}
	return items, nil
}

func decide(it Item, in *tokenfile.File, byName map[string]*tokenfile.File, local []*tokenfile.File, taken map[string]bool, rule string, prefixes map[string]string) Item {
	if tokenfile.Skip(it.File) {
		// oauth-clients.local.json, *.bak*, deepseek-account-*: never
		// written from a bundle.
		it.Action, it.Why = ActionSkip, WhyNotTokenName
		return it
	}
	if in.Invalid != "" {
		it.Action, it.Why, it.Detail = ActionSkip, WhyInvalid, in.Invalid
		return it
	}
	cur := byName[it.File]
	if cur == nil && taken[it.File] {
		// A name here that is no token file (a link leaving the dir, a
		// directory): never written over.
		it.Action, it.Why = ActionSkip, WhyExists
		return it
	}
	if cur == nil {
		// The same account under another name here is the copy to compare
		// with: two files of one account would refresh one chain twice.
		for _, f := range local {
			if same, _ := sameAccount(f, in); same && f.LinkTo == "" {
				cur = f
				break
			}
		}
	}
	if cur == nil {
		it.Action, it.Why = ActionCreate, WhyNew
		return it
	}
	it.Target = cur.Name
	if cur.Hash == sha256.Sum256(it.data) {
		it.Action, it.Why = ActionSame, WhySameBytes
		return it
	}
	if rule == OnConflictSkip {
		it.Action, it.Why = ActionSkip, WhyExists
		return it
	}
	same, known := sameAccount(cur, in)
	switch {
	case same && cur.LinkTo == "":
		if newer(in, cur) {
			h := cur.Hash
			it.Action, it.Why, it.expect = ActionReplace, WhyNewer, &h
		} else {
			it.Action, it.Why = ActionSkip, WhyNotNewer
		}
		return it
	case rule == OnConflictRename:
		it.Target = nextFreeName(it.File, in, it.alias, taken, prefixes)
		it.Action, it.Why, it.expect = ActionRename, WhyNameTaken, nil
		return it
	case known:
		it.Action, it.Why = ActionSkip, WhyOtherAccount
	default:
		it.Action, it.Why = ActionSkip, WhyUnknownAccount
	}
	return it
}

// sameAccount tells whether a and b are one account of one provider, and
// whether that could be told at all: the same refresh token, else the
// account id (the provider's account key: one email in two workspaces is
// two accounts), else the workspace where both name one, else the email.
// Without any of them it cannot be told.
func sameAccount(a, b *tokenfile.File) (same, known bool) {
	if a.Provider != b.Provider {
		return false, a.Provider != "" && b.Provider != ""
	}
	if a.RefreshToken != "" && a.RefreshToken == b.RefreshToken {
		return true, true
	}
	if a.AccountID != "" && b.AccountID != "" {
		return a.AccountID == b.AccountID, true
	}
	if a.Workspace != "" && b.Workspace != "" && a.Workspace != b.Workspace {
		return false, true
	}
	if a.Email != "" && b.Email != "" {
		return strings.EqualFold(a.Email, b.Email), true
	}
	return false, false
}

// newer: the bundle's copy expires later (a copy with an expiry beats one
// without an access token).
func newer(in, cur *tokenfile.File) bool {
	switch {
	case in.ExpiresAt.IsZero():
		return false
	case cur.ExpiresAt.IsZero():
		return cur.AccessToken == ""
	}
	return in.ExpiresAt.After(cur.ExpiresAt)
}

var seqName = regexp.MustCompile(`^(.+)-oauth-(\d+)(?:-(.+))?\.json$`)

// nextFreeName is <prefix>-oauth-<n>[-<alias>].json with n one past the
// highest number of that prefix here (as a login names a new account); a
// configured provider's prefix is its filePrefix. A file of no known
// provider whose name has no such pattern keeps its name with "-<n>".
func nextFreeName(name string, f *tokenfile.File, alias string, taken map[string]bool, prefixes map[string]string) string {
	prefix := f.Provider
	if p := prefixes[prefix]; p != "" {
		prefix = p
	}
	if prefix == tokenfile.ProviderGeminiCLI {
		prefix = "gemini"
	}
	part := ""
	if m := seqName.FindStringSubmatch(name); m != nil {
		prefix, part = m[1], m[3]
	} else if prefix == "" {
		stem := strings.TrimSuffix(name, ".json")
		for n := 2; ; n++ {
			if cand := stem + "-" + strconv.Itoa(n) + ".json"; !taken[cand] {
				return cand
			}
		}
	}
	// The name's own alias part; else the configured alias (it follows
	// the file to its new name in config.json anyway), else the file's.
	if part == "" {
		part = fileAlias(alias)
	}
	if part == "" {
		part = fileAlias(f.Alias)
	}
	max := 0
	names := make([]string, 0, len(taken))
	for n := range taken {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if m := seqName.FindStringSubmatch(n); m != nil && m[1] == prefix {
			if v, err := strconv.Atoi(m[2]); err == nil && v > max {
				max = v
			}
		}
	}
	for n := max + 1; ; n++ {
		cand := prefix + "-oauth-" + strconv.Itoa(n)
		if part != "" {
			cand += "-" + part
		}
		cand += ".json"
		if !taken[cand] {
			return cand
		}
	}
}

// fileAlias is an alias fit for a file name ("" when it is not).
func fileAlias(a string) string {
	a = strings.Join(strings.Fields(strings.TrimSpace(a)), "-")
	if a == "" || strings.EqualFold(a, "default") || len([]rune(a)) > 40 || strings.HasPrefix(a, ".") || strings.Contains(a, "..") {
		return ""
	}
	for _, r := range a {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' && r != '_' && r != '.' {
			return ""
		}
	}
	return a
}

// Apply writes the planned files through tokenfile.Put (locked, atomic,
// byte for byte; a file that changed since the plan, or a name taken
// meanwhile, is skipped with WhyChanged) and sets each item's outcome.
func Apply(h Home, items []Item) []Item {
	out := make([]Item, len(items))
	copy(out, items)
	if err := os.MkdirAll(h.AuthDir, 0o700); err != nil {
		for i := range out {
			if out[i].Writes() {
				out[i].Err = err
			}
		}
		return out
	}
	for i := range out {
		it := &out[i]
		if !it.Writes() {
			continue
		}
		_, err := tokenfile.Put(filepath.Join(h.AuthDir, it.Target), it.data, it.mode, it.expect)
		switch {
		case err == nil:
		case errors.Is(err, fs.ErrExist), errors.Is(err, tokenfile.ErrConflict):
			it.Action, it.Why = ActionSkip, WhyChanged
		default:
			it.Err = err
		}
	}
	return out
}

// Settings is what an import merges into config.json: the bundle's
// aliases under the names the files have here, and its providers.
func Settings(b *bundle.Bundle, items []Item) (aliases map[string]string, order []string, providers []config.RawProvider) {
	aliases = map[string]string{}
	for _, it := range items {
		if it.Err != nil || it.alias == "" {
			continue
		}
		switch it.Action {
		case ActionCreate, ActionReplace, ActionRename, ActionSame:
			if _, dup := aliases[it.Target]; !dup {
				aliases[it.Target] = it.alias
				order = append(order, it.Target)
			}
		}
	}
	for _, p := range b.Providers {
		providers = append(providers, config.RawProvider{Name: p.Name, Settings: p.Settings})
	}
	return aliases, order, providers
}

// Imported are the names here that now hold a copy from the bundle
// (written, or the same already): no longer handed off.
func Imported(items []Item) []string {
	var out []string
	for _, it := range items {
		if it.Err == nil && (it.Writes() || it.Action == ActionSame) {
			out = append(out, it.Target)
		}
	}
	return out
}

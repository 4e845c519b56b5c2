package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/routecodex/token-daemon/internal/bundle"
	"github.com/routecodex/token-daemon/internal/i18n"
)

// EnvExportPassphrase gives the passphrase of export and import without a
// terminal (scripts, CI).
const EnvExportPassphrase = "ROUTECODEX_EXPORT_PASSPHRASE"

// keyFlags are the flags that say how a bundle is encrypted or opened.
type keyFlags struct {
	PassphraseFile string
	Recipients     []string // export: age1… public keys
	Identity       string   // import: an age identity file
}

// exportKey is the key of a new bundle: the recipients, else a passphrase
// from --passphrase-file, the environment, or asked twice on the terminal.
func exportKey(f *Factory, lang i18n.Lang, k keyFlags) (bundle.Key, error) {
	if len(k.Recipients) > 0 {
		if k.PassphraseFile != "" {
			return bundle.Key{}, errors.New(i18n.T(lang, i18n.ErrKeyBoth))
		}
		for _, r := range k.Recipients {
			if err := bundle.ParseRecipient(r); err != nil {
				return bundle.Key{}, errors.New(i18n.T(lang, i18n.ErrBadRecipient, r))
			}
		}
		return bundle.Key{Recipients: k.Recipients}, nil
	}
	pass, err := passphrase(f, lang, k.PassphraseFile, true)
	if err != nil {
		return bundle.Key{}, err
	}
	return bundle.Key{Passphrase: pass}, nil
}

// importKey opens a bundle: an identity file, else a passphrase (asked
// once on a terminal).
func importKey(f *Factory, lang i18n.Lang, k keyFlags) (bundle.Key, error) {
	if k.Identity != "" {
		data, err := os.ReadFile(k.Identity)
		if err != nil {
			return bundle.Key{}, errors.New(i18n.T(lang, i18n.ErrReadFile, k.Identity, describeFileErr(err)))
		}
		return bundle.Key{Identities: string(data)}, nil
	}
	pass, err := passphrase(f, lang, k.PassphraseFile, false)
	if err != nil {
		return bundle.Key{}, err
	}
	return bundle.Key{Passphrase: pass}, nil
}

// passphrase: the first line of file, else the environment, else asked on
// the terminal (twice when confirm). Never echoed, never logged.
func passphrase(f *Factory, lang i18n.Lang, file string, confirm bool) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", errors.New(i18n.T(lang, i18n.ErrReadFile, file, describeFileErr(err)))
		}
		line, _, _ := bytes.Cut(data, []byte("\n"))
		pass := strings.TrimRight(string(line), "\r")
		if pass == "" {
			return "", errors.New(i18n.T(lang, i18n.ErrEmptyPassphrase, file))
		}
		return pass, nil
	}
	if pass := f.getenv(EnvExportPassphrase); pass != "" {
		return pass, nil
	}
	in, ok := f.IO.In.(*os.File)
	if !ok || !term.IsTerminal(int(in.Fd())) {
		if !confirm { // import: a bundle made with --recipient opens with --identity
			return "", errors.New(i18n.T(lang, i18n.ErrNoPassphraseImport, EnvExportPassphrase))
		}
		return "", errors.New(i18n.T(lang, i18n.ErrNoPassphrase, EnvExportPassphrase))
	}
	ask := func(key i18n.Key) (string, error) {
		fmt.Fprint(f.IO.ErrOut, i18n.T(lang, key))
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(f.IO.ErrOut)
		if err != nil {
			return "", fmt.Errorf("read passphrase: %w", err)
		}
		return string(b), nil
	}
	pass, err := ask(i18n.PromptPassphrase)
	if err != nil {
		return "", err
	}
	if pass == "" {
		return "", errors.New(i18n.T(lang, i18n.ErrEmptyPassphrase, "-"))
	}
	if confirm {
		again, err := ask(i18n.PromptPassphraseAgain)
		if err != nil {
			return "", err
		}
		if again != pass {
			return "", errors.New(i18n.T(lang, i18n.ErrPassphraseMismatch))
		}
	}
	return pass, nil
}

// describeFileErr is the system's reason without the path (the sentence
// names the file already).
func describeFileErr(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

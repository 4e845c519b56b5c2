package cli

import (
	"errors"
	"os"

	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/safefile"
	"github.com/routecodex/token-daemon/internal/termtext"
)

// localAccessError words the refusals of DESIGN.md section 10 (a home or
// socket that is not the user's own) as one sentence in the user's
// language; other errors pass unchanged.
func localAccessError(lang i18n.Lang, err error) error {
	var unsafe *safefile.UnsafeError
	var untrusted *ipc.UntrustedError
	switch {
	case errors.As(err, &unsafe):
		path := termtext.Escape(unsafe.Path)
		switch unsafe.Problem {
		case safefile.ForeignOwner:
			return errors.New(i18n.T(lang, i18n.ErrHomeForeignOwner, path, unsafe.UID, os.Getuid()))
		case safefile.Writable:
			return errors.New(i18n.T(lang, i18n.ErrHomeWritable, path, uint32(unsafe.Mode.Perm())))
		default:
			return errors.New(i18n.T(lang, i18n.ErrHomeSymlink, path))
		}
	case errors.As(err, &untrusted):
		return errors.New(i18n.T(lang, i18n.ErrUntrustedDaemon, termtext.Escape(untrusted.Socket), untrusted.UID, os.Getuid()))
	}
	return err
}

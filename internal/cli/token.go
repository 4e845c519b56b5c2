package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/routecodex/token-daemon/internal/daemon"
	"github.com/routecodex/token-daemon/internal/i18n"
	"github.com/routecodex/token-daemon/internal/ipc"
	"github.com/routecodex/token-daemon/internal/logging"
	"github.com/routecodex/token-daemon/internal/tokenfile"
)

// Exit codes of `token` (DESIGN.md section 11).
const (
	ExitUnknownName = 3 // no token file matches the name
	ExitLoginNeeded = 4 // only a new login can give a usable token
)

// TokenOptions are the flags and argument of `token-daemon token`.
type TokenOptions struct {
	Name     string
	Format   string
	MinValid string
}

// NewCmdToken is `routecodex token-daemon token <name> [--format …] [--min-valid 10m]`.
func NewCmdToken(f *Factory) *cobra.Command {
	lang, _ := f.Lang()
	opts := &TokenOptions{}
	cmd := &cobra.Command{
		Use:   "token <name> [--format raw|json|header|exec-credential] [--min-valid 10m]",
		Short: i18n.T(lang, i18n.TokenShort),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			return runToken(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "raw", i18n.T(lang, i18n.TokenFlagFormat))
	cmd.Flags().StringVar(&opts.MinValid, "min-valid", "10m", i18n.T(lang, i18n.TokenFlagMinValid))
	localize(cmd, i18n.TokenShort) // worded again at help time
	localizeFlag(cmd, "format", i18n.TokenFlagFormat)
	localizeFlag(cmd, "min-valid", i18n.TokenFlagMinValid)
	return cmd
}

func runToken(ctx context.Context, f *Factory, opts *TokenOptions) error {
	s, err := f.Settings()
	if err != nil {
		return err
	}
	switch opts.Format {
	case "raw", "json", "header", "exec-credential":
	default:
		return errors.New(i18n.T(s.Lang, i18n.ErrTokenFormat, opts.Format))
	}
	minValid, err := ipc.ParseMinValid(opts.MinValid)
	if err != nil {
		return errors.New(i18n.T(s.Lang, i18n.ErrTokenMinValid, err))
	}
	ans, err := ipc.NewClient(s.Paths.Socket).Token(ctx, opts.Name, minValid)
	if errors.Is(err, ipc.ErrNotRunning) {
		ans, err = tokenInProcess(ctx, f, s, opts.Name, minValid)
	}
	if err != nil {
		return tokenError(s.Lang, opts.Name, err)
	}
	out, err := formatToken(ans, opts.Format)
	if err != nil {
		return err
	}
	if ans.Stale {
		exp := "-"
		if t, err := time.Parse(time.RFC3339, ans.ExpiresAt); err == nil {
			exp = t.In(f.location()).Format("2006-01-02 15:04:05")
		}
		fmt.Fprintln(f.IO.ErrOut, i18n.T(s.Lang, i18n.TokenStaleWarning, ans.File, ans.Reason, exp))
	}
	// One write, and only of a usable token.
	_, err = f.IO.Out.Write(out)
	return err
}

// tokenJSON is the stable `--format json` output; absent fields omitted.
type tokenJSON struct {
	File        string `json:"file"`
	Provider    string `json:"provider,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	Token       string `json:"token"`
	TokenType   string `json:"tokenType,omitempty"`
	ExpiresAt   string `json:"expiresAt,omitempty"`
	ResourceURL string `json:"resourceUrl,omitempty"`
	ProjectID   string `json:"projectId,omitempty"`
	AccountID   string `json:"accountId,omitempty"`
}

// execCredential is a Kubernetes client.authentication.k8s.io/v1
// ExecCredential, as kubectl's exec credential plugins print it.
type execCredential struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Status     struct {
		Token               string `json:"token"`
		ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
	} `json:"status"`
}

func formatToken(a ipc.TokenAnswer, format string) ([]byte, error) {
	switch format {
	case "json":
		b, err := json.Marshal(tokenJSON{File: a.File, Provider: a.Provider, DisplayName: a.DisplayName,
			Token: a.Token, TokenType: a.TokenType, ExpiresAt: a.ExpiresAt, ResourceURL: a.ResourceURL,
			ProjectID: a.ProjectID, AccountID: a.AccountID})
		return append(b, '\n'), err
	case "header":
		return []byte("Authorization: Bearer " + a.Token + "\n"), nil
	case "exec-credential":
		ec := execCredential{APIVersion: "client.authentication.k8s.io/v1", Kind: "ExecCredential"}
		ec.Status.Token, ec.Status.ExpirationTimestamp = a.Token, a.ExpiresAt
		b, err := json.Marshal(ec)
		return append(b, '\n'), err
	}
	return []byte(a.Token + "\n"), nil
}

// tokenError is the one sentence and exit code of a failed token request,
// from the daemon's answer or the in-process core's error.
func tokenError(lang i18n.Lang, name string, err error) error {
	var apiErr *ipc.APIError
	var amb *daemon.AmbiguousError
	msg := err.Error()
	switch {
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusNotFound, errors.Is(err, daemon.ErrNotFound):
		return &ExitError{Code: ExitUnknownName, Err: errors.New(i18n.T(lang, i18n.ErrNoSuchToken, name))}
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusConflict && len(apiErr.Candidates) > 0:
		return &ExitError{Code: ExitFailure, Err: errors.New(i18n.T(lang, i18n.ErrAmbiguous, name, strings.Join(apiErr.Candidates, ", ")))}
	case errors.As(err, &amb):
		return &ExitError{Code: ExitFailure, Err: errors.New(i18n.T(lang, i18n.ErrAmbiguous, name, strings.Join(amb.Candidates, ", ")))}
	case ipc.IsLoginNeeded(err), errors.Is(err, daemon.ErrLoginNeeded):
		return &ExitError{Code: ExitLoginNeeded, Err: errors.New(i18n.T(lang, i18n.ErrTokenLoginNeeded, name,
			tokenReason(lang, err, reasonAfter(msg, daemon.ErrLoginNeeded)), shellWord(name)))}
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusUnprocessableEntity, errors.Is(err, daemon.ErrNoToken):
		return &ExitError{Code: ExitFailure, Err: errors.New(i18n.T(lang, i18n.ErrTokenNone, name,
			tokenReason(lang, err, reasonAfter(msg, daemon.ErrNoToken))))}
	}
	return &ExitError{Code: ExitFailure, Err: err}
}

// tokenReason words the coded reason of a failed token request (the
// daemon's answer, or the in-process core's error) in lang; english is
// the reason as it came, for an answer without a code.
func tokenReason(lang i18n.Lang, err error, english string) string {
	var r ipc.TokenReason
	var apiErr *ipc.APIError
	var te *daemon.TokenError
	switch {
	case errors.As(err, &apiErr) && apiErr.Reason != nil:
		r = *apiErr.Reason
	case errors.As(err, &te):
		r = ipc.TokenReason{Code: te.Reason.Code, Detail: te.Reason.Detail, DetailCode: te.Reason.DetailCode, DetailArgs: te.Reason.DetailArgs}
	default:
		return english
	}
	key := i18n.Key("reason.broker." + r.Code)
	if _, ok := i18n.Lookup(lang, key); !ok {
		return english
	}
	if r.Detail == "" { // a code that carries no cause
		return i18n.T(lang, key)
	}
	return i18n.T(lang, key, wordReason(lang, r.Detail, r.DetailCode, r.DetailArgs))
}

// reasonAfter is what the core said after the sentinel ("token f: <sentinel>: why").
func reasonAfter(msg string, sentinel error) string {
	if _, why, ok := strings.Cut(msg, sentinel.Error()+": "); ok {
		return why
	}
	return msg
}

// shellWord quotes s for a shell when it needs it.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '@' || r == '+' || r == '/' || r == ':' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// tokenInProcess serves a token request without a daemon: under the file's
// request lock (so that concurrent commands share one refresh: the later
// ones find the token fresh), a core without automatic refresh reads the
// file and refreshes it through the locked write when needed.
func tokenInProcess(ctx context.Context, f *Factory, s *Settings, name string, minValid time.Duration) (ipc.TokenAnswer, error) {
	registry, err := newRegistry(f, s)
	if err != nil {
		return ipc.TokenAnswer{}, err
	}
	files, err := scanAuthDir(s, fileOptions(s, registry))
	if err != nil {
		return ipc.TokenAnswer{}, authDirError(s.Lang, s.Paths, err)
	}
	files = append(files, sourceFiles(s, fileOptions(s, registry))...)
	now := f.Now()
	states := make([]daemon.TokenState, len(files))
	for i, file := range files {
		states[i] = daemon.StateOf(file, now, s.Config.RefreshAhead())
	}
	st, err := daemon.Resolve(states, name)
	if err != nil {
		return ipc.TokenAnswer{}, err
	}
	unlock, err := tokenfile.LockRequest(st.Path)
	if err != nil {
		return ipc.TokenAnswer{}, err
	}
	defer unlock()
	audit, err := logging.OpenAudit(s.Paths.AuditLog, logMaxBytes, logKeep)
	if err != nil {
		return ipc.TokenAnswer{}, err
	}
	defer audit.Close()

	var ans ipc.TokenAnswer
	err = withInProcessCore(ctx, f, s, func(p *inProcess) error {
		p.core.SetAccessLog(auditAccesses{audit})
		cred, err := p.core.Token(ctx, daemon.TokenRequest{Name: st.File, MinValid: minValid, By: selfCaller()})
		ans = ipc.AnswerOf(cred)
		return err
	})
	return ans, err
}

// selfCaller is this process, the caller of an in-process token request.
func selfCaller() daemon.Caller {
	exe, _ := os.Executable()
	ppid := os.Getppid()
	return daemon.Caller{PID: os.Getpid(), UID: os.Getuid(), Exe: exe, ParentPID: ppid, ParentExe: ipc.ExeOf(ppid)}
}

// auditAccesses writes the core's accesses to the audit log.
type auditAccesses struct{ log *logging.AuditLog }

func (a auditAccesses) Access(x daemon.Access) {
	_ = a.log.AppendAccess(logging.AccessRecord{At: x.At, File: x.File, Provider: x.Provider,
		By: logging.Accessor{PID: x.By.PID, UID: x.By.UID, Exe: x.By.Exe, PPID: x.By.ParentPID, ParentExe: x.By.ParentExe}})
}

// Command routecodex is the RouteCodex token daemon and its command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/routecodex/token-daemon/internal/cli"
	"github.com/routecodex/token-daemon/internal/termtext"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.NewRootCmd(cli.NewFactory()).ExecuteContext(ctx)
	stop()
	os.Exit(exitCode(err))
}

// exitCode prints err as one sentence on stderr and returns the process's
// exit code: an *cli.ExitError's code, else 1.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	code := cli.ExitFailure
	var ee *cli.ExitError
	if errors.As(err, &ee) {
		code = ee.Code
		if ee.Err == nil {
			return code // the command has said everything
		}
	}
	fmt.Fprintln(os.Stderr, "routecodex: "+oneSentence(err.Error()))
	return code
}

// oneSentence keeps an error on one line, and free of terminal control
// characters: errors often quote names from disk (file names, aliases).
func oneSentence(msg string) string {
	return termtext.Escape(strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)))
}

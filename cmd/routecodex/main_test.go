package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/routecodex/token-daemon/internal/cli"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"plain error", errors.New("boom"), 1},
		{"silent exit 3", &cli.ExitError{Code: cli.ExitNotRunning}, 3},
		{"wrapped exit error", fmt.Errorf("status: %w", &cli.ExitError{Code: 3, Err: errors.New("x")}), 3},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("%s: exitCode = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestOneSentence(t *testing.T) {
	if got := oneSentence("a\nb\r\nc\n"); got != "a b c" {
		t.Errorf("got %q", got)
	}
}

package authflow

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// holdPortsEnv makes this test binary, run as TestHoldPortsHelper, a
// separate process that holds the given loopback ports (as a `codex
// login` would) until its stdin closes.
const holdPortsEnv = "AUTHFLOW_TEST_HOLD_PORTS"

func TestHoldPortsHelper(t *testing.T) {
	ports := os.Getenv(holdPortsEnv)
	if ports == "" {
		return // a helper process only (no skip: CI fails on skips)
	}
	for _, p := range strings.Split(ports, ",") {
		ln, err := net.Listen("tcp", "127.0.0.1:"+p)
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		defer ln.Close()
	}
	fmt.Println("holding")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the test ends
	os.Exit(0)
}

// holdPortsElsewhere starts another process holding ports until the test
// ends.
func holdPortsElsewhere(t *testing.T, ports ...int) {
	t.Helper()
	list := make([]string, len(ports))
	for i, p := range ports {
		list[i] = strconv.Itoa(p)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldPortsHelper$")
	cmd.Env = append(os.Environ(), holdPortsEnv+"="+strings.Join(list, ","))
	stdin, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "holding" {
		t.Fatalf("port holder: %q", line)
	}
}

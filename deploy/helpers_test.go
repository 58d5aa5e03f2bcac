package deploy_test

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
)

// repoRoot is the module's root, one folder up from this package.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

// needTool skips the test when a tool is missing, except under CI=true,
// where a missing tool is a broken CI machine and fails the test.
func needTool(tb testing.TB, howToGet string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true and %s", howToGet)
	}
	tb.Skip(howToGet)
}

// flagHelp is what `techconf <command> --help` says about one flag.
type flagHelp struct {
	Env     []string // the environment variables it reads
	Default string
}

var helpLine = regexp.MustCompile(`^  --([a-z0-9-]+)\s+\[(.*)\]$`)
var helpDefault = regexp.MustCompile(`\(default "(.*)"\)$`)

// commandFlags runs `techconf <command> --help` and returns its flags.
func commandFlags(tb testing.TB, bin, command string) map[string]flagHelp {
	tb.Helper()
	out, err := exec.Command(bin, command, "--help").CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s --help: %v\n%s", bin, command, err, out)
	}
	flags := map[string]flagHelp{}
	var last string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if m := helpLine.FindStringSubmatch(line); m != nil {
			last = m[1]
			var env []string
			for _, e := range strings.Split(m[2], ",") {
				env = append(env, strings.TrimPrefix(strings.TrimSpace(e), "$"))
			}
			flags[last] = flagHelp{Env: env}
			continue
		}
		if m := helpDefault.FindStringSubmatch(line); m != nil && last != "" {
			f := flags[last]
			f.Default = m[1]
			flags[last] = f
		}
	}
	if len(flags) == 0 {
		tb.Fatalf("%s %s --help lists no flags:\n%s", bin, command, out)
	}
	return flags
}

// envFlag maps each environment variable to the flag that reads it.
func envFlag(flags map[string]flagHelp) map[string]string {
	m := map[string]string{}
	for name, f := range flags {
		for _, e := range f.Env {
			m[e] = name
		}
	}
	return m
}

// portOf returns the port of a listen address such as ":8080".
func portOf(tb testing.TB, addr string) int {
	tb.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		tb.Fatalf("listen address %q: %v", addr, err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		tb.Fatalf("listen address %q: %v", addr, err)
	}
	return n
}

// copyFile copies one regular file, keeping its mode.
func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode.Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

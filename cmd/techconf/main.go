// Command techconf serves a conference website: its pages, its GraphQL API
// and its live likes.
//
//	techconf serve            serve the site (default when no command is given)
//	techconf migrate          create or update the database schema
//	techconf content check    validate a content folder
//	techconf content import   write an edition from a pretalx, frab or Sessionize schedule
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // content may name any time zone; the binary is static
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.LookupEnv))
}

// run executes one command and returns the process's exit status: 0 for
// success, 1 for a failure of the work, 2 for a bad command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		// The commands first: "techconf --help" is how one finds them.
		fmt.Fprintln(stdout, usage)
		return 0
	}
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, args, stderr, lookup)
	case "migrate":
		err = runMigrate(ctx, args, stdout, stderr, lookup)
	case "content":
		switch {
		case len(args) > 0 && args[0] == "check":
			err = runContentCheck(args[1:], stdout, stderr)
		case len(args) > 0 && args[0] == "import":
			err = runContentImport(ctx, args[1:], stdout, stderr)
		case len(args) > 0 && (args[0] == "-h" || args[0] == "--help"):
			fmt.Fprintln(stdout, contentUsage)
			return 0
		default:
			fmt.Fprintln(stderr, contentUsage)
			return 2
		}
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "techconf: unknown command %q\n\n%s\n", cmd, usage)
		return 2
	}
	return exitStatus(cmd, err, stderr)
}

// exitStatus reports a command's error on stderr and returns its exit
// status.
func exitStatus(cmd string, err error, stderr io.Writer) int {
	var usageErr *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "techconf %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "techconf %s: %v\n", cmd, err)
		return 1
	}
}

const usage = `usage: techconf <command> [flags]

commands:
  serve            serve the pages, the GraphQL API and live likes (the default)
  migrate          create or update the database schema
  content check    validate a content folder (default: the embedded sample)
  content import   write an edition from pretalx, frab or Sessionize

Run "techconf <command> --help" for a command's flags.`

const contentUsage = `usage: techconf content check [DIR]
       techconf content import [--format schedule.json|schedule.xml|sessionize] --edition ID [--timezone TZ] SOURCE DIR`

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

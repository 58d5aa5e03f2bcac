// Command techconf serves a conference website: its pages, its GraphQL API
// and its live likes.
//
//	techconf serve            serve the site (default when no command is given)
//	techconf migrate          create or update the database schema
//	techconf content check    validate a content folder
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
		if len(args) == 0 || args[0] != "check" {
			fmt.Fprintln(stderr, "usage: techconf content check [DIR]")
			return 2
		}
		err = runContentCheck(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "techconf: unknown command %q\n\n%s\n", cmd, usage)
		return 2
	}
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

Run "techconf <command> --help" for a command's flags.`

// usageError is a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{msg: fmt.Sprintf(format, args...)} }

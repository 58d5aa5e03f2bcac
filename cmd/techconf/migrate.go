package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/techconf/techconf/spanner"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, lookup func(string) (string, bool)) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", "sqlite:techconf.db", "database: sqlite:PATH or spanner:projects/P/instances/I/databases/D")
	create := fs.Bool("create", false, "with the Spanner emulator, also create the instance and the database")
	fs.Usage = usageWithEnv(fs, "techconf migrate [flags]")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if err := applyEnv(fs, lookup); err != nil {
		return usagef("%v", err)
	}
	kind, location, err := parseDB(*db)
	if err != nil {
		return usagef("--db: %v", err)
	}
	if kind == "spanner" {
		if err := spanner.Migrate(ctx, location, *create); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "schema of %s is up to date\n", *db)
		return nil
	}
	// SQLite creates its file and applies its migrations when opened.
	_, closeStore, err := openLikeStore(ctx, *db)
	if err != nil {
		return err
	}
	if err := closeStore(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema of %s is up to date\n", *db)
	return nil
}

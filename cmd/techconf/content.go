package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/techconf/techconf/conference"
)

// runContentCheck validates a content folder and prints every problem, one
// a line, naming file, item and field. The exit status is 1 on any problem.
func runContentCheck(args []string, stdout, stderr io.Writer) error {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintln(stdout, "usage: techconf content check [DIR]\n\nChecks every edition of DIR (default: the embedded sample) and lists every problem.")
		return nil
	}
	if len(args) > 1 {
		return usagef("usage: techconf content check [DIR]")
	}
	dir, name := "", "the embedded sample"
	if len(args) == 1 {
		dir, name = args[0], args[0]
	}
	catalog, err := loadCatalog(dir)
	var cerr *conference.ContentError
	if errors.As(err, &cerr) {
		for _, p := range cerr.Problems {
			fmt.Fprintln(stderr, p.String())
		}
		return fmt.Errorf("%s: %d problem(s)", name, len(cerr.Problems))
	}
	if err != nil {
		return err
	}
	for _, e := range catalog.Editions {
		fmt.Fprintf(stdout, "%s: %d sessions, %d speakers, %d slides, %d movies, %d exhibitions, %d news\n",
			e.ID, len(e.Sessions), len(e.Speakers), len(e.Slides), len(e.Movies), len(e.Exhibitions), len(e.News))
	}
	fmt.Fprintf(stdout, "%s: ok\n", name)
	return nil
}

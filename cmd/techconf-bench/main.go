// Command techconf-bench measures a techconf deployment: it drives
// createLike at a target rate over keep-alive connections, opens
// subscribers, and reports throughput, errors and like-to-event latency.
//
//	techconf-bench run --targets http://127.0.0.1:8080 --rate 200 --subscribers 1000
//	    likes at a target rate and subscribers on every target; prints a
//	    Markdown report (also written to --report) and draws --chart
//	techconf-bench baseline --addr 127.0.0.1:8090
//	    a plain net/http handler with a fixed 200-byte JSON answer, to
//	    measure beside techconf in the same run
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `usage: techconf-bench COMMAND [flags]

Commands:
  run       send createLike at a target rate to one or more servers, with
            likeAdded subscribers, and report throughput, errors, latency,
            duplicates and whether every subscriber saw exactly the likes
            accepted
  baseline  serve a plain net/http handler with a fixed 200-byte JSON
            answer, to compare techconf with in the same run
  help      print this text

"techconf-bench COMMAND --help" lists the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command, with its exit status: 0 on success and for
// help, 2 for a usage error, 1 when the work failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 1 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	case "run":
		err := runBench(ctx, args[1:], stdout)
		switch {
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			fmt.Fprintf(stderr, "techconf-bench run: %s\n(techconf-bench run --help lists the flags)\n", strings.TrimPrefix(err.Error(), errUsage.Error()+": "))
			return 2
		case err != nil:
			fmt.Fprintln(stderr, "techconf-bench run:", err)
			return 1
		}
		return 0
	case "baseline":
		fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() {
			fmt.Fprintln(fs.Output(), "usage: techconf-bench baseline [--addr ADDR]\n\nServes a fixed 200-byte JSON answer on every path until interrupted.\n\nFlags:")
			fs.PrintDefaults()
		}
		addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
		if err := fs.Parse(args[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(stdout)
				fs.Usage()
				return 0
			}
			return 2
		}
		if err := serveBaseline(ctx, *addr); err != nil {
			fmt.Fprintln(stderr, "techconf-bench baseline:", err)
			return 1
		}
		return 0
	default:
		fmt.Fprintf(stderr, "techconf-bench: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

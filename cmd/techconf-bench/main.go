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
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: techconf-bench run [flags] | techconf-bench baseline --addr ADDR")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "run":
		if err := runBench(ctx, os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "techconf-bench run:", err)
			os.Exit(1)
		}
	case "baseline":
		fs := flag.NewFlagSet("baseline", flag.ExitOnError)
		addr := fs.String("addr", "127.0.0.1:8090", "address to listen on")
		fs.Parse(os.Args[2:])
		if err := serveBaseline(ctx, *addr); err != nil {
			fmt.Fprintln(os.Stderr, "techconf-bench baseline:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintf(os.Stderr, "techconf-bench: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
}

package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
)

// TestMain runs the test binary as the tool when a test re-executes it
// as --workers does (TECHCONF_BENCH_AS_TOOL set): the worker processes
// of TestRunWithWorkers.
func TestMain(m *testing.M) {
	if os.Getenv("TECHCONF_BENCH_AS_TOOL") == "1" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Setenv("TECHCONF_BENCH_AS_TOOL", "1") // for the processes the tests start
	os.Exit(m.Run())
}

// TestRunWithWorkers runs the tool against a real server with its
// subscribers, on every protocol, in two worker processes: every one
// connects and receives exactly the accepted likes, and the parent's
// report has their latency and memory.
func TestRunWithWorkers(t *testing.T) {
	site := testserver.Start(t, testserver.Config{ServerID: "bench-workers", Admin: true,
		Like: like.Config{EventInterval: 100 * time.Millisecond}})
	report := filepath.Join(t.TempDir(), "report.md")
	err := runBench(context.Background(), []string{
		"--targets", site.URL, "--metrics", site.AdminURL, "--rate", "50", "--conns", "4", "--duration", "2s", "--settle", "5s",
		"--subscribers", "30", "--subs-per-conn", "2", "--protocol", "mixed", "--workers", "2",
		"--report", report, "--chart", filepath.Join(t.TempDir(), "chart.svg"),
	}, io.Discard)
	if err != nil {
		t.Fatalf("runBench: %v", err)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	if !hasLikeToEvent(md) {
		t.Errorf("report has no like-to-event latency from the workers:\n%s", md)
	}
	for _, want := range []string{"in 2 process(es)", "exactly 1: true", "subscribers connected | 30 of 30", "techconf-bench memory (RSS) with its subscribers"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

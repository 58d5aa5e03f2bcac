package main

import (
	"context"
	"os"
	"testing"
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

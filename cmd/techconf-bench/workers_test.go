package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/metrics"
	"github.com/techconf/techconf/server"
	"github.com/techconf/techconf/sqlite"
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
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "likes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	likes, err := like.Open(context.Background(), sqlite.NewLikeStore(db), like.Config{ServerID: "bench-workers", EventInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer likes.Close(context.Background())
	reg := metrics.NewRegistry(true)
	srv := httptest.NewServer(server.New(server.Config{
		Role: server.RoleAll, Catalog: catalog, Likes: likes, Ping: sqlite.NewLikeStore(db).Ping,
		AllowedOrigins: []string{"*"}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Metrics: reg.HTTP(),
	}))
	defer srv.Close()
	admin := httptest.NewServer(server.AdminHandler(reg.Handler()))
	defer admin.Close()
	report := filepath.Join(t.TempDir(), "report.md")
	err = runBench(context.Background(), []string{
		"--targets", srv.URL, "--metrics", admin.URL, "--rate", "50", "--conns", "4", "--duration", "2s", "--settle", "5s",
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

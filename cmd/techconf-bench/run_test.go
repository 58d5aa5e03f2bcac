package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
)

func TestHistogramPercentiles(t *testing.T) {
	var h histogram
	for ms := 1; ms <= 100; ms++ {
		h.add(time.Duration(ms)*time.Millisecond, 1)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := h.percentile(tc.p); got != tc.want {
			t.Errorf("p%.0f = %s; want %s", tc.p, got, tc.want)
		}
	}
	h.add(time.Hour, 1) // clamped into the last bucket, not lost
	if got := h.percentile(100); got != 10*time.Second {
		t.Errorf("p100 with a 1 h sample = %s; want the 10 s cap", got)
	}
}

func TestParseRunFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--targets", "http://a:1, http://b:2/"}, ""},
		{[]string{"--targets", ""}, "at least one server"},
		{[]string{"--targets", "http://a:1,http://b:2", "--metrics", "http://a:9090"}, "one per target"},
		{[]string{"--rate", "0"}, "must be positive"},
		{[]string{"--count", "101"}, "1 to 100"},
		{[]string{"--protocol", "carrier-pigeon"}, "--protocol"},
		{[]string{"--uuids", "-1"}, "--uuids"},
		{[]string{"--retry-drop", "100"}, "--retry-drop"},
		{[]string{"--retry-drop", "5", "--keys=false"}, "needs --keys"},
		{[]string{"--no-such-flag"}, "no-such-flag"},
		{[]string{"--workers", "0"}, "--workers"},
		{[]string{"--workers", "2", "--worker", "3/2"}, "--worker"},
		{[]string{"--workers", "2", "--worker", "1/3"}, "--worker"},
	} {
		c, err := parseRunFlags(tc.args, io.Discard)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("parseRunFlags(%q) = %v; want no error", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseRunFlags(%q) = %v; want an error about %s", tc.args, err, tc.err)
		case tc.err == "" && len(c.Targets) != 2:
			t.Errorf("targets = %q; want two, trimmed", c.Targets)
		}
	}
}

// TestReportSaysWhenNotExact: the report and the exit status tell when a
// subscriber missed likes.
func TestReportSaysWhenNotExact(t *testing.T) {
	b := &bench{cfg: &runConfig{Count: 1, Targets: []string{"http://x"}}, errorsByKind: map[string]int64{"GraphQL UNAVAILABLE": 3}}
	b.accepted.Store(10)
	full, short := &sub{protocol: "graphql-ws", start: 0, got: 10, last: 10}, &sub{protocol: "sse", start: 0, got: 9, last: 9}
	full.connected.Store(true)
	short.connected.Store(true)
	b.subs = []*sub{full, short}
	r := b.result(time.Second, []float64{0}, []float64{0}, []float64{0})
	if r.exact || r.minRatio != 0.9 || r.maxRatio != 1 {
		t.Errorf("result: exact %v, ratios %v..%v; want not exact, 0.9..1", r.exact, r.minRatio, r.maxRatio)
	}
	md := r.markdown(b.cfg)
	for _, want := range []string{"exactly 1: false", "GraphQL UNAVAILABLE | 3"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// TestRunAgainstRealServer runs the tool for two seconds against a real
// server (pages, API, likes on SQLite) with subscribers on every protocol,
// and checks its verdict and its report.
func TestRunAgainstRealServer(t *testing.T) {
	site := testserver.Start(t, testserver.Config{ServerID: "bench-test", Admin: true, RuntimeMetrics: true,
		Like: like.Config{EventInterval: 100 * time.Millisecond}})
	likes := site.Likes
	dir := t.TempDir()
	report, chart := filepath.Join(dir, "report.md"), filepath.Join(dir, "chart.svg")
	err := runBench(context.Background(), []string{
		"--targets", site.URL, "--metrics", site.AdminURL, "--rate", "50", "--conns", "4", "--duration", "2s", "--settle", "5s",
		"--subscribers", "30", "--protocol", "mixed", "--report", report, "--chart", chart,
	}, io.Discard)
	if err != nil {
		t.Fatalf("runBench: %v", err)
	}
	md, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "memory (RSS) | ") || strings.Contains(string(md), "| 0 MB before") {
		t.Errorf("report lacks the server's memory, read from --metrics:\n%s", md)
	}
	if !hasLikeToEvent(string(md)) {
		t.Errorf("report has no like-to-event latency:\n%s", md)
	}
	for _, want := range []string{"exactly 1: true", "subscribers connected | 30 of 30", "likes accepted | ", "in cores", "of which: createLike answered"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if svg, err := os.ReadFile(chart); err != nil || !strings.HasPrefix(string(svg), "<svg") {
		t.Errorf("chart: %v, %.40q", err, svg)
	}
	if got := sessionTotal(likes); got == 0 || !strings.Contains(string(md), fmt.Sprintf("likes accepted | %d ", got)) {
		t.Errorf("the server stored %d likes; the report says:\n%s", got, md)
	}
}

func sessionTotal(s *like.Service) int64 { return s.Total(like.Key{Edition: "2018", SessionID: 5}) }

// TestHelp: --help and -h on the command and on each subcommand print the
// usage to stdout and exit 0; mistakes exit 2 with a message on stderr.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string // in stdout for 0, in stderr otherwise
	}{
		{[]string{"--help"}, 0, "usage: techconf-bench COMMAND"},
		{[]string{"-h"}, 0, "usage: techconf-bench COMMAND"},
		{[]string{"help"}, 0, "Commands:"},
		{[]string{"run", "--help"}, 0, "-retry-drop"},
		{[]string{"run", "-h"}, 0, "-uuids"},
		{[]string{"baseline", "--help"}, 0, "-addr"},
		{[]string{"baseline", "-h"}, 0, "usage: techconf-bench baseline"},
		{nil, 2, "usage: techconf-bench COMMAND"},
		{[]string{"nonsense"}, 2, `unknown command "nonsense"`},
		{[]string{"run", "--rate", "0"}, 2, "--rate"},
		{[]string{"baseline", "--port", "1"}, 2, ""},
	} {
		var stdout, stderr strings.Builder
		code := run(context.Background(), tc.args, &stdout, &stderr)
		out := stdout.String()
		if tc.code != 0 {
			out = stderr.String()
		}
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("techconf-bench %q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, stdout.String(), stderr.String(), tc.code, tc.want)
		}
	}
}

// TestRetryDropNoDuplicates runs the tool with a third of the answers
// dropped and retried with the same key, likes from 5 client UUIDs, against
// a real server: it reports the drops and no duplicate, and the server
// stored exactly the accepted likes.
func TestRetryDropNoDuplicates(t *testing.T) {
	site := testserver.Start(t, testserver.Config{ServerID: "bench-test"})
	likes := site.Likes
	dir := t.TempDir()
	var out strings.Builder
	err := runBench(context.Background(), []string{
		"--targets", site.URL, "--rate", "40", "--conns", "4", "--duration", "2s", "--settle", "5s", "--subscribers", "2",
		"--uuids", "5", "--count", "3", "--retry-drop", "33", "--report", filepath.Join(dir, "r.md"), "--chart", filepath.Join(dir, "c.svg"),
	}, &out)
	if err != nil {
		t.Fatalf("runBench: %v\n%s", err, out.String())
	}
	md := out.String()
	accepted := sessionTotal(likes)
	for _, want := range []string{fmt.Sprintf("likes stored (growth of Session.liked) | %d: 0 duplicates", accepted), "answers dropped (--retry-drop 33.0 %)"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "retried with the same key | 0 |") {
		t.Errorf("no answer was dropped:\n%s", md)
	}
	if rows, err := site.Store.Count(context.Background(), like.Key{Edition: "2018", SessionID: 5}); err != nil || rows != accepted || rows == 0 {
		t.Errorf("stored rows %d (%v); want the %d accepted", rows, err, accepted)
	}
}

// hasLikeToEvent tells whether a report's like-to-event row has a p99 above
// zero. Only that row: the rows that split it may be 0s on a run this
// small (one event's arrivals within the same millisecond).
func hasLikeToEvent(md string) bool {
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| like-to-event latency | ") {
			return strings.Contains(line, "p99 ") && !strings.Contains(line, "p99 0s")
		}
	}
	return false
}

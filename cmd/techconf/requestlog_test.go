package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/server"
)

// TestRequestLogIsTheLoggers checks that the request lines Main writes
// through its RequestLog are the lines its slog logger would write, as it
// is set up here (handler options, attributes): a change to one that
// forgets the other fails here.
func TestRequestLogIsTheLoggers(t *testing.T) {
	for _, level := range []string{"debug", "info"} {
		logs := &testserver.Logs{}
		cfg, err := parseServeFlags([]string{"--log-level", level, "--server-id", `api-1 "blue"`}, logs, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		m := NewMain(cfg, logs, noEnv)
		line := server.RequestLine{Time: time.Date(2018, 10, 6, 11, 40, 0, 123456789, time.UTC), Method: "POST",
			Path: "/2018/api/query", Route: "POST /{edition}/api/query", Status: 200, Bytes: 35,
			Duration: 1234567 * time.Nanosecond, Remote: "192.0.2.7:50123", UserAgent: "techconf-app/2018 (iOS)"}
		if err := m.Logger.Handler().Handle(context.Background(), line.Record()); err != nil {
			t.Fatal(err)
		}
		m.requestLog.Log(context.Background(), &line)
		if err := m.logs.Flush(); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n")
		if len(got) != 2 || got[0] != got[1] {
			t.Fatalf("level %s: slog's line, then RequestLog's:\n%s", level, strings.Join(got, "\n"))
		}
		if !strings.Contains(got[0], `"server_id":"api-1 \"blue\""`) {
			t.Errorf("level %s: line %s lacks the server id", level, got[0])
		}
	}
}

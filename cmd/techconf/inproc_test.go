package main

import (
	"context"
	"testing"

	"github.com/techconf/techconf/internal/testserver"
)

// startMain runs `techconf serve` in-process on a port of its own choice,
// for tests that need no process of their own but inject what no flag
// sets: a clock or a store wrapper (setup changes the Main before Run).
// It answers as a proc does; Terminate cancels its context as SIGTERM does.
func startMain(tb testing.TB, db string, setup func(*Main), extra ...string) *proc {
	tb.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--like-poll-interval", "50ms"}, extra...)
	logs := &testserver.Logs{}
	cfg, err := parseServeFlags(args, logs, noEnv)
	if err != nil {
		tb.Fatalf("serve flags %q: %v", args, err)
	}
	m := NewMain(cfg, logs, noEnv)
	if setup != nil {
		setup(m)
	}
	run := func(ctx context.Context) (string, error) {
		if err := m.Run(ctx); err != nil {
			m.Close()
			return "", err
		}
		return m.Server.URL(), nil
	}
	return &proc{testserver.StartInProcess(tb, logs, run, m.Wait)}
}

package main

import (
	"context"
	"testing"
	"time"
)

// startMain runs `techconf serve` in-process on a port of its own choice,
// for tests that need no process of their own but inject what no flag
// sets: a clock or a store wrapper (setup changes the Main before Run).
// It answers as a proc does; terminate cancels its context as SIGTERM does.
func startMain(tb testing.TB, db string, setup func(*Main), extra ...string) *proc {
	tb.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn", "--like-poll-interval", "50ms"}, extra...)
	logs := &syncBuffer{}
	cfg, err := parseServeFlags(args, logs, noEnv)
	if err != nil {
		tb.Fatalf("serve flags %q: %v", args, err)
	}
	m := NewMain(cfg, logs, noEnv)
	if setup != nil {
		setup(m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Run(ctx); err != nil {
		cancel()
		m.Close()
		tb.Fatalf("serve: %v\n%s", err, logs.String())
	}
	p := &proc{stop: cancel, base: m.Server.URL(), logs: logs, exit: make(chan error, 1)}
	stopped := make(chan struct{})
	go func() {
		p.exit <- m.Wait(ctx)
		close(stopped)
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			tb.Errorf("serve %s still running 30 s after the test ended", p.base)
		}
		if tb.Failed() {
			tb.Logf("logs of %s:\n%s", p.base, logs.String())
		}
	})
	return p
}

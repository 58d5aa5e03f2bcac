package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// With --workers N the subscribers are held by N processes, the tool
// re-executed with --worker I/N: each opens its share within its own
// open-file limit (20,000 here, which no process can raise), and the
// readers of 19,000 connections are no longer one process's work. The
// parent sends the likes and keeps their send times; a worker reports,
// as JSON on its stdout:
//
//  1. once its subscribers are open: workerReady;
//  2. after the parent has written {"Accepted": N} to its stdin and the
//     worker has waited (--settle at most) for every subscriber to have
//     N likes: workerFinal, with each subscriber's tally and, for the
//     timed ones, when each event arrived and which likes it covered
//     (the parent matches them to its send times: one clock, one
//     machine);
//
// then it holds its connections until its stdin closes, so that the
// parent reads the servers' memory with every subscriber still open.

// timedEvent is a timed subscriber's event seen by a worker: the ranks
// of the likes it covers (from the subscriber's start) and its arrival.
type timedEvent struct{ From, To, Total, At int64 }

type workerReady struct {
	Conns, ConnsUp, Connected int
	SelfMem                   float64
}

type workerSub struct {
	Protocol         string
	Connected        bool
	Start, Got, Last int64
	Events           int64
	Timed            bool
}

type workerFinal struct {
	CPU    float64 // seconds used from its report of readiness to the parent's word (the sending)
	Subs   []workerSub
	Events []timedEvent
	Errors map[string]int64
}

// workerPool is the parent's view of its workers.
type workerPool struct {
	procs                     []*workerProc
	conns, connsUp, connected int
	selfMem                   float64 // the workers' memory, summed
}

type workerProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *json.Decoder
}

// startWorkers starts n workers with the parent's own arguments and
// waits until each has opened its subscribers.
func startWorkers(ctx context.Context, args []string, n int) (*workerPool, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &workerPool{}
	for i := 1; i <= n; i++ {
		wargs := append([]string{"run"}, args...)
		wargs = append(wargs, fmt.Sprintf("--worker=%d/%d", i, n))
		cmd := exec.CommandContext(ctx, exe, wargs...)
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		if err != nil {
			p.kill()
			return nil, err
		}
		out, err := cmd.StdoutPipe()
		if err != nil {
			p.kill()
			return nil, err
		}
		if err := cmd.Start(); err != nil {
			p.kill()
			return nil, fmt.Errorf("worker %d: %w", i, err)
		}
		p.procs = append(p.procs, &workerProc{cmd: cmd, in: in, out: json.NewDecoder(out)})
	}
	for i, w := range p.procs {
		var r workerReady
		if err := w.out.Decode(&r); err != nil {
			p.kill()
			return nil, fmt.Errorf("worker %d did not report its subscribers: %w", i+1, err)
		}
		p.conns += r.Conns
		p.connsUp += r.ConnsUp
		p.connected += r.Connected
		p.selfMem += r.SelfMem
	}
	return p, nil
}

// finish tells the workers how many likes were accepted, waits for
// their tallies and merges them into b: its subscribers, errors and
// latencies.
func (p *workerPool) finish(b *bench) error {
	accepted := b.accepted.Load()
	for i, w := range p.procs {
		if err := json.NewEncoder(w.in).Encode(map[string]int64{"Accepted": accepted}); err != nil {
			return fmt.Errorf("worker %d: %w", i+1, err)
		}
	}
	finals := make([]workerFinal, len(p.procs))
	errs := make([]error, len(p.procs))
	var wg sync.WaitGroup
	for i, w := range p.procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.out.Decode(&finals[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("a worker did not report its tally: %w", err)
	}
	b.sentMu.Lock()
	sendTimes := b.sendTimes
	b.sentMu.Unlock()
	for _, f := range finals {
		b.workersCPU += f.CPU
		for _, ws := range f.Subs {
			s := &sub{protocol: ws.Protocol, start: ws.Start, got: ws.Got, last: ws.Last, events: ws.Events, timed: ws.Timed}
			s.connected.Store(ws.Connected)
			b.subs = append(b.subs, s)
		}
		for k, n := range f.Errors {
			b.errorsByKind[k] += n
		}
		b.eventsMu.Lock()
		b.events = append(b.events, f.Events...)
		b.eventsMu.Unlock()
		for _, ev := range f.Events {
			at := time.Unix(0, ev.At)
			for r := ev.From; r < ev.To && int(r) < len(sendTimes); r++ {
				d := at.Sub(sendTimes[r])
				b.latency.add(d, 1)
				b.at(sendTimes[r]).latency.add(d, 1)
			}
		}
	}
	return nil
}

// exit lets the workers close their connections and end.
func (p *workerPool) exit() {
	for _, w := range p.procs {
		w.in.Close()
	}
	for _, w := range p.procs {
		done := make(chan struct{})
		go func() { _ = w.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = w.cmd.Process.Kill()
			<-done
		}
		w.cmd = nil
	}
}

// kill ends workers that are still running (the run failed).
func (p *workerPool) kill() {
	for _, w := range p.procs {
		if w.cmd != nil && w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			_ = w.cmd.Wait()
		}
	}
}

// runWorker is a worker process: it opens its share of the subscribers
// and reports to its parent (see the comment at the top of this file).
func (b *bench) runWorker(ctx context.Context, in io.Reader, out io.Writer) error {
	cfg := b.cfg
	from := (cfg.worker - 1) * cfg.Subscribers / cfg.Workers
	to := cfg.worker * cfg.Subscribers / cfg.Workers
	subCtx, stop := context.WithCancel(ctx)
	defer stop()
	connected := b.openSubscribers(subCtx, from, to)
	enc := json.NewEncoder(out)
	cpu := selfCPU()
	if err := enc.Encode(workerReady{Conns: b.conns, ConnsUp: int(b.connsUp.Load()), Connected: connected, SelfMem: selfMemory()}); err != nil {
		return err
	}
	dec := json.NewDecoder(in)
	var msg struct{ Accepted int64 }
	if err := dec.Decode(&msg); err != nil {
		return fmt.Errorf("worker %d: no word from the parent: %w", cfg.worker, err)
	}
	cpu = selfCPU() - cpu
	b.accepted.Store(msg.Accepted)
	b.waitDelivered(ctx, cfg.Settle)
	f := workerFinal{CPU: cpu, Errors: map[string]int64{}}
	for _, s := range b.subs {
		s.mu.Lock()
		f.Subs = append(f.Subs, workerSub{Protocol: s.protocol, Connected: s.connected.Load(), Start: s.start, Got: s.got, Last: s.last, Events: s.events, Timed: s.timed})
		s.mu.Unlock()
	}
	b.eventsMu.Lock()
	f.Events = b.events
	b.eventsMu.Unlock()
	b.errMu.Lock()
	for k, n := range b.errorsByKind {
		f.Errors[k] = n
	}
	b.errMu.Unlock()
	if err := enc.Encode(f); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, in) // hold the connections until the parent is done
	return nil
}

package graphql_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/liveclient"
)

// TestLiveSSECrowd holds 1,000 SSE streams on the live transport
// (internal/liveclient's client, as techconf-bench uses) and checks that
// every one receives exactly the likes created while all are open, that
// a stream ends with "event: complete" when the server shuts down, and
// that the server holds no subscriber afterwards.
func TestLiveSSECrowd(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 1,000 SSE streams")
	}
	const streams, session = 1000, 5
	api := mustOpenAPI(t, graphql.Options{})
	taken := graphql.LiveStreams.Load()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	type tally struct {
		mu                      sync.Mutex
		start, got, last        int64
		events                  int
		completed, startedEvent bool
	}
	tallies := make([]*tally, streams)
	var started, done sync.WaitGroup
	body := []byte(q(fmt.Sprintf("subscription { likeAdded(sessionId: %d) { likes total } }", session)))
	for i := range tallies {
		tl := &tally{start: -1}
		tallies[i] = tl
		s, err := liveclient.DialSSE(ctx, api.URL, body)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) {
				t.Fatalf("stream %d: %v (too few open files? ulimit -n)", i, err)
			}
			t.Fatalf("stream %d: %v", i, err)
		}
		t.Cleanup(func() { s.Close() })
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			for {
				ev, err := s.Next()
				if err != nil {
					tl.mu.Lock()
					if !tl.startedEvent { // no starting event: do not wait for one
						started.Done()
						tl.startedEvent = true
					}
					tl.mu.Unlock()
					return
				}
				tl.mu.Lock()
				switch ev.Type {
				case "complete":
					tl.completed = true
				case "next":
					likes, total, ok := liveclient.ParseSSE(ev.Data)
					if ok {
						if tl.start < 0 {
							tl.start = total - likes
						}
						tl.got += likes
						tl.last = total
						tl.events++
					}
					if !tl.startedEvent {
						tl.startedEvent = true
						started.Done()
					}
				}
				tl.mu.Unlock()
			}
		}()
	}
	started.Wait()
	if got := graphql.LiveStreams.Load() - taken; got != streams {
		t.Fatalf("live transport took %d streams; want %d", got, streams)
	}
	if got := api.Likes.Subscribers(); got != streams {
		t.Fatalf("Subscribers() = %d; want %d", got, streams)
	}
	var created int64
	for i := 0; i < 40; i++ {
		n := 1 + i%5
		qs := fmt.Sprintf(`mutation { createLike(input: {uuid: "sse-crowd-%d", sessionId: %d, count: %d}) { count } }`, i, session, n)
		if resp := api.query(t, qs, nil); len(resp.Errors) > 0 {
			t.Fatalf("createLike: %v", resp.Errors)
		}
		created += int64(n)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var bad []string
		for i, tl := range tallies {
			tl.mu.Lock()
			if tl.got != created || tl.start+tl.got != tl.last {
				bad = append(bad, fmt.Sprintf("stream %d: %d likes from %d to total %d in %d events", i, tl.got, tl.start, tl.last, tl.events))
			}
			tl.mu.Unlock()
		}
		if len(bad) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d streams did not receive exactly the %d likes created; first: %s", len(bad), streams, created, bad[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Shutdown: the broker closes, every stream completes and ends.
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := api.Likes.Close(sctx); err != nil {
		t.Fatal(err)
	}
	waitDoneWithin(t, &done, 20*time.Second)
	for i, tl := range tallies {
		if !tl.completed {
			t.Fatalf("stream %d ended without event: complete", i)
		}
	}
	deadline = time.Now().Add(10 * time.Second)
	for api.Likes.Subscribers() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := api.Likes.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after shutdown = %d; want 0", got)
	}
}

func waitDoneWithin(t *testing.T, wg *sync.WaitGroup, limit time.Duration) {
	t.Helper()
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(limit):
		t.Fatalf("streams still open %s after the shutdown", limit)
	}
}

// BenchmarkLiveSSECrowd reports the heap and stack per SSE stream held
// on the live transport, clients included (1,000 streams of
// internal/liveclient, a goroutine and about 1.3 KiB of buffers each, in
// the same process): an upper bound of the server's share.
func BenchmarkLiveSSECrowd(b *testing.B) {
	const streams = 1000
	api := mustOpenAPI(b, graphql.Options{})
	body := []byte(q("subscription { likeAdded(sessionId: 5) { likes total } }"))
	var per float64
	for i := 0; i < b.N; i++ {
		before := inUse()
		var open []*liveclient.SSE
		var done sync.WaitGroup
		for j := 0; j < streams; j++ {
			s, err := liveclient.DialSSE(context.Background(), api.URL, body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Next(); err != nil { // the starting event: the stream is in its hub
				b.Fatal(err)
			}
			open = append(open, s)
			done.Add(1)
			go func() {
				defer done.Done()
				for {
					if _, err := s.Next(); err != nil {
						return
					}
				}
			}()
		}
		per = float64(inUse()-before) / streams
		for _, s := range open {
			s.Close()
		}
		done.Wait()
	}
	b.ReportMetric(per, "B/stream")
}

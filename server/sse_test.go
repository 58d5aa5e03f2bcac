package server_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/server"
)

// TestSSEClientsThatLeave reproduces the crash of issue 10: gqlgen's SSE
// keep-alive goroutine flushed a response whose handler had returned,
// a nil pointer panic in a goroutine nobody recovers. With a 1 ms
// keep-alive and clients that subscribe and leave at once, the old code
// took the test binary down within a few hundred clients (and -race
// reported the recorder's fields written from two goroutines).
func TestSSEClientsThatLeave(t *testing.T) {
	ts := testserver.Start(t, testserver.Config{ServerID: "t", Role: server.RoleAPI,
		Server: func(c *server.Config) { c.API = graphql.Options{KeepAlive: time.Millisecond} }})

	const clients = 400
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	var mu sync.Mutex
	pings := 0
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+i%7)*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/2018/api/query",
				strings.NewReader(`{"query":"subscription { likeAdded(sessionId: 5) { total } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "text/event-stream")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return // the client left before the answer began
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if sc.Text() == ": ping" {
					mu.Lock()
					pings++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()

	// The server still answers, and the keep-alive did run.
	resp, err := http.Get(ts.URL + "/healthz/liveness")
	if err != nil {
		t.Fatalf("liveness after %d SSE clients: %v", clients, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("liveness after %d SSE clients: %d; want 200", clients, resp.StatusCode)
	}
	if pings == 0 {
		t.Fatalf("no keep-alive ping seen by %d clients; the test does not exercise the race", clients)
	}
}

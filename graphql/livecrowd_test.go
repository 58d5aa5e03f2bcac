package graphql_test

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/liveclient"
)

// crowd is many likeAdded subscriptions over graphql-transport-ws: conns
// connections with perConn subscriptions each, and what each received.
// Its connections are internal/liveclient's, as techconf-bench's: the
// test counts likes, and the client's own cost stays small beside the
// server's in the memory figure.
type crowd struct {
	conns []*liveclient.WS
	mu    sync.Mutex
	start []int64 // per subscription: the total it started from
	got   []int64 // likes received
	last  []int64 // the last total received
	done  sync.WaitGroup
}

func openCrowd(tb testing.TB, url string, conns, perConn, session int) *crowd {
	tb.Helper()
	n := conns * perConn
	c := &crowd{start: make([]int64, n), got: make([]int64, n), last: make([]int64, n)}
	for i := range c.start {
		c.start[i] = -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	started := make(chan struct{}, n)
	query := fmt.Sprintf(`subscription { likeAdded(sessionId: %d) { likes total } }`, session)
	for ci := 0; ci < conns; ci++ {
		conn, err := liveclient.DialWS(ctx, url, "graphql-transport-ws")
		if err != nil {
			tb.Fatalf("connection %d: %v", ci, err)
		}
		c.conns = append(c.conns, conn)
		tb.Cleanup(func() { conn.Close() })
		msgs := []any{map[string]any{"type": "connection_init"}}
		for j := 0; j < perConn; j++ {
			msgs = append(msgs, map[string]any{"id": strconv.Itoa(ci*perConn + j), "type": "subscribe", "payload": map[string]any{"query": query}})
		}
		for _, m := range msgs {
			if err := conn.WriteJSON(m); err != nil {
				tb.Fatal(err)
			}
		}
		c.done.Add(1)
		go c.read(conn, started)
	}
	for i := 0; i < n; i++ {
		select {
		case <-started:
		case <-ctx.Done():
			tb.Fatalf("%d of %d subscriptions started", i, n)
		}
	}
	return c
}

func (c *crowd) read(conn *liveclient.WS, started chan<- struct{}) {
	defer c.done.Done()
	for {
		data, err := conn.Read()
		if err != nil {
			return
		}
		ev, ok := liveclient.ParseWS(data)
		if !ok || ev.Type != "next" {
			continue
		}
		i, err := strconv.Atoi(ev.ID)
		if err != nil || i < 0 || i >= len(c.got) {
			continue
		}
		c.mu.Lock()
		first := c.start[i] < 0
		if first {
			c.start[i] = ev.Total - ev.Likes
		}
		c.got[i] += ev.Likes
		c.last[i] = ev.Total
		c.mu.Unlock()
		if first {
			started <- struct{}{}
		}
	}
}

// waitAll waits until every subscription has received want likes, and
// returns those that did not, with what they got.
func (c *crowd) waitAll(want int64, limit time.Duration) []string {
	deadline := time.Now().Add(limit)
	for {
		var bad []string
		c.mu.Lock()
		for i := range c.got {
			if c.got[i] != want || c.start[i]+c.got[i] != c.last[i] {
				bad = append(bad, fmt.Sprintf("subscription %d: %d likes from %d to total %d", i, c.got[i], c.start[i], c.last[i]))
			}
		}
		c.mu.Unlock()
		if len(bad) == 0 || time.Now().After(deadline) {
			return bad
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// inUse is the heap and stacks in use after a collection.
func inUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// TestLiveCrowd holds 5,000 subscriptions (250 connections of 20, the
// per-connection limit) and checks that every one receives exactly the
// likes created, from many createLike requests while all are open. It
// reports the memory per subscription as a figure (the process holds the
// clients too, 250 connections, so the figure is an upper bound); the
// bound itself is checked by BenchmarkLiveCrowd and techconf-bench.
func TestLiveCrowd(t *testing.T) {
	if testing.Short() {
		t.Skip("holds 5,000 subscriptions")
	}
	const conns, perConn, session = 250, 20, 5
	api := mustOpenAPI(t, graphql.Options{})
	before := inUse()
	c := openCrowd(t, api.URL, conns, perConn, session)
	held := inUse()
	if got := api.Likes.Subscribers(); got != conns*perConn {
		t.Fatalf("Subscribers() = %d; want %d", got, conns*perConn)
	}
	t.Logf("%d subscriptions over %d connections: %.0f bytes of heap and stack per subscription (clients included)",
		conns*perConn, conns, float64(held-before)/float64(conns*perConn))
	var created int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				n := 1 + (w+i)%5
				q := fmt.Sprintf(`mutation { createLike(input: {uuid: "crowd-%d-%d", sessionId: %d, count: %d}) { count } }`, w, i, session, n)
				if resp := api.query(t, q, nil); len(resp.Errors) > 0 {
					t.Errorf("createLike: %v", resp.Errors)
					return
				}
				mu.Lock()
				created += int64(n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if bad := c.waitAll(created, 60*time.Second); len(bad) > 0 {
		t.Fatalf("%d of %d subscriptions did not receive exactly the %d likes created; first: %s", len(bad), conns*perConn, created, bad[0])
	}
	for _, conn := range c.conns {
		conn.Close()
	}
	c.done.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for api.Likes.Subscribers() > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := api.Likes.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after every client left = %d; want 0", got)
	}
}

// BenchmarkLiveCrowd reports the heap and stack per subscription held
// over graphql-transport-ws (clients included: 100 connections of 20).
func BenchmarkLiveCrowd(b *testing.B) {
	api := mustOpenAPI(b, graphql.Options{})
	var per float64
	for i := 0; i < b.N; i++ {
		before := inUse()
		c := openCrowd(b, api.URL, 100, 20, 5)
		per = float64(inUse()-before) / 2000
		for _, conn := range c.conns {
			conn.Close()
		}
		c.done.Wait()
	}
	b.ReportMetric(per, "B/subscription")
}

package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/liveclient"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
)

// smallBuffers gives every accepted connection a small send buffer, so
// that a client that stops reading fills it after a few events.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestLiveSlowSubscriber: a client that stops reading delays no one
// else, and once it reads again every one of its subscriptions has
// exactly the likes created, in fewer events: what it missed while its
// socket was full came coalesced.
func TestLiveSlowSubscriber(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// No event interval: each commit is an event, as many as possible.
	site := testserver.Start(t, testserver.Config{ServerID: "slow-test", Listener: smallBuffers{ln},
		Like: like.Config{Ack: like.AckDurable, Buffer: like.BufferConfig{FlushInterval: time.Millisecond}, PollInterval: time.Millisecond},
		Handler: func(s *testserver.Site) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/2018/api/query", graphql.NewHandler(s.Edition, s.Likes, graphql.Options{}))
			return mux
		}})
	ctx, url, likes := context.Background(), site.Client("2018").Endpoint, site.Likes
	api := &testAPI{URL: url, Likes: likes}

	// The slow client: 20 subscriptions on a connection with a small
	// receive buffer, read only at the end.
	dialer := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetReadBuffer(4096)
		}
		return c, err
	}}}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	slow, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{Subprotocols: []string{protoTransportWS}, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.CloseNow()
	send := func(m string) {
		if err := slow.Write(dctx, websocket.MessageText, []byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	send(`{"type":"connection_init"}`)
	const subs = 20
	for i := 0; i < subs; i++ {
		send(fmt.Sprintf(`{"id":"%d","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 5) { likes total sessionId __typename } }"}}`, i))
	}
	fast, err := liveclient.SubscribeLikes(dctx, url, protoTransportWS, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer fast.Close()
	next := func() (likes, total int) {
		t.Helper()
		ev, err := fast.Next()
		if err != nil {
			t.Fatalf("fast subscriber: %v", err)
		}
		return int(ev.Likes), int(ev.Total)
	}
	_, start := next()
	deadline := time.Now().Add(10 * time.Second)
	for likes.Subscribers() < subs+1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}

	// Many small commits while the slow client reads nothing; the fast
	// one keeps up with every one of them.
	const created = 150
	got := 0
	for i := 0; i < created; i++ {
		q := fmt.Sprintf(`mutation { createLike(input: {uuid: "slow-%d", sessionId: 5}) { count } }`, i)
		if resp := api.query(t, q, nil); len(resp.Errors) > 0 {
			t.Fatal(resp.Errors)
		}
		for got < i+1 {
			l, _ := next()
			got += l
		}
	}
	if got != created {
		t.Fatalf("fast subscriber got %d likes; want %d", got, created)
	}

	// Now the slow client reads: every subscription adds up exactly.
	sum, events, last := map[string]int{}, 0, map[string]int{}
	first := map[string]int{}
	done := 0
	for done < subs {
		rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
		_, data, err := slow.Read(rctx)
		rcancel()
		if err != nil {
			t.Fatalf("slow client: %v after %d events (was it dropped?)", err, events)
		}
		var m wsMessage
		if err := json.Unmarshal(data, &m); err != nil || m.Type != "next" {
			continue
		}
		var p struct {
			Data struct {
				LikeAdded struct{ Likes, Total int } `json:"likeAdded"`
			} `json:"data"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		ev := p.Data.LikeAdded
		if _, ok := first[m.ID]; !ok {
			first[m.ID] = ev.Total - ev.Likes
		}
		events++
		before := sum[m.ID]
		sum[m.ID] += ev.Likes
		last[m.ID] = ev.Total
		if before < created && sum[m.ID] >= created {
			done++
		}
	}
	for id, n := range sum {
		if n != created || first[id]+n != last[id] || first[id] != start {
			t.Errorf("slow subscription %s: %d likes from %d to %d; want %d from %d", id, n, first[id], last[id], created, start)
		}
	}
	if events >= subs*(created+1) {
		t.Errorf("slow client got %d events for %d subscriptions × %d commits; want fewer: its backlog coalesced", events, subs, created)
	}
	t.Logf("slow client: %d events for %d subscriptions × %d commits", events, subs, created)
}

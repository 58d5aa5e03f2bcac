package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/liveclient"
)

// wsClient speaks either GraphQL WebSocket subprotocol over a real
// connection.
type wsClient struct {
	t     *testing.T
	conn  *websocket.Conn
	proto string
}

const (
	protoTransportWS = "graphql-transport-ws"
	protoLegacyWS    = "graphql-ws"
)

func dialWS(t *testing.T, url, proto, origin string) (*wsClient, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{
		Subprotocols: []string{proto}, HTTPHeader: h,
	})
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t: t, conn: conn, proto: proto}
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{}})
	if msg := c.readType("connection_ack"); msg == nil {
		t.Fatal("no connection_ack")
	}
	return c, resp, nil
}

func mustDialWS(t *testing.T, url, proto string) *wsClient {
	t.Helper()
	c, _, err := dialWS(t, url, proto, "")
	if err != nil {
		t.Fatalf("dial %s: %v", proto, err)
	}
	return c
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, c.conn, v); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

type wsMessage struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// read returns the next message that is not a keepalive.
func (c *wsClient) read() (*wsMessage, error) {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var m wsMessage
		err := wsjson.Read(ctx, c.conn, &m)
		cancel()
		if err != nil {
			return nil, err
		}
		switch m.Type {
		case "ka", "ping", "pong":
			if m.Type == "ping" {
				c.send(map[string]any{"type": "pong"})
			}
			continue
		}
		return &m, nil
	}
}

func (c *wsClient) readType(typ string) *wsMessage {
	c.t.Helper()
	m, err := c.read()
	if err != nil {
		c.t.Fatalf("read (want %s): %v", typ, err)
	}
	if m.Type != typ {
		c.t.Fatalf("got message %s %s; want %s", m.Type, m.Payload, typ)
	}
	return m
}

func (c *wsClient) subscribe(id, query string) {
	c.t.Helper()
	typ := "subscribe"
	if c.proto == protoLegacyWS {
		typ = "start"
	}
	c.send(map[string]any{"id": id, "type": typ, "payload": map[string]any{"query": query}})
}

// nextEvent reads the next likeAdded event.
func (c *wsClient) nextEvent() (likes, total int) {
	c.t.Helper()
	typ := "next"
	if c.proto == protoLegacyWS {
		typ = "data"
	}
	m := c.readType(typ)
	var p struct {
		Data struct {
			LikeAdded struct{ SessionID, Likes, Total int } `json:"likeAdded"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		c.t.Fatalf("event payload %s: %v", m.Payload, err)
	}
	return p.Data.LikeAdded.Likes, p.Data.LikeAdded.Total
}

const likeAddedQuery = `subscription { likeAdded(sessionId: 5) { sessionId likes total } }`

func TestSubscriptionProtocols(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			c := mustDialWS(t, api.URL, proto)
			c.subscribe("1", likeAddedQuery)
			likes, start := c.nextEvent()
			if likes != 0 {
				t.Errorf("first event has likes %d; want 0 (it carries the starting total)", likes)
			}
			api.query(t, `mutation { createLike(input: {uuid: "ws-test", sessionId: 5, count: 3}) { count } }`, nil)
			sum, total := 0, start
			for sum < 3 {
				l, tot := c.nextEvent()
				sum += l
				total = tot
			}
			if sum != 3 || total != start+3 {
				t.Errorf("events: likes %d, total %d; want 3 and %d", sum, total, start+3)
			}
		})
	}
}

func TestSSE(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := liveclient.DialSSE(ctx, api.URL, []byte(`{"query":"`+likeAddedQuery+`"}`))
	if err != nil {
		t.Fatal(err) // also a status other than 200 or a Content-Type other than text/event-stream
	}
	defer s.Close()
	context.AfterFunc(ctx, func() { s.Close() })
	first, err := s.Next()
	if err != nil || first.Type != "next" || !strings.Contains(string(first.Data), `"likes":0`) {
		t.Fatalf("first SSE event %s %s, %v; want next with likes 0", first.Type, first.Data, err)
	}
	api.query(t, `mutation { createLike(input: {uuid: "sse-test", sessionId: 5, count: 2}) { count } }`, nil)
	ev, err := s.Next()
	if err != nil {
		t.Fatalf("no SSE event after createLike: %v", err)
	}
	if likes, total, ok := liveclient.ParseSSE(ev.Data); !ok || likes != 2 || total != 2 {
		t.Errorf("SSE event %s; want likes 2, total 2", ev.Data)
	}
}

// TestWebSocketBadInput: each bad message gets a clear error or a clean
// close, and the server keeps serving.
func TestWebSocketBadInput(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{MaxSubscriptionsPerConn: 3})

	t.Run("UnknownSession", func(t *testing.T) {
		c := mustDialWS(t, api.URL, protoTransportWS)
		c.subscribe("1", `subscription { likeAdded(sessionId: 9999) { likes } }`)
		m, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != "error" && m.Type != "next" || !strings.Contains(string(m.Payload), "session 9999 does not exist") {
			t.Errorf("got %s %s; want an error naming session 9999", m.Type, m.Payload)
		}
	})
	t.Run("TooManySubscriptions", func(t *testing.T) {
		c := mustDialWS(t, api.URL, protoTransportWS)
		for i := 1; i <= 3; i++ {
			c.subscribe(fmt.Sprint(i), likeAddedQuery)
			c.nextEvent()
		}
		c.subscribe("4", likeAddedQuery)
		m, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(m.Payload), "too many subscriptions") {
			t.Errorf("4th subscription got %s %s; want too many subscriptions", m.Type, m.Payload)
		}
	})
	for _, tc := range []struct {
		name string
		msg  string
	}{
		{"Garbage", "this is not json"},
		{"UnknownType", `{"type":"launch_rockets","id":"1"}`},
		{"SubscribeWithoutQuery", `{"type":"subscribe","id":"1","payload":{}}`},
		{"BinaryNonsense", "\x00\x01\x02"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustDialWS(t, api.URL, protoTransportWS)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := c.conn.Write(ctx, websocket.MessageText, []byte(tc.msg)); err != nil {
				t.Fatal(err)
			}
			m, err := c.read()
			switch {
			case err != nil:
				// A close is a fine answer; it must carry a reason.
				status := websocket.CloseStatus(err)
				if status == -1 {
					t.Errorf("connection broke without a close frame: %v", err)
				}
			case m.Type != "error" && m.Type != "next":
				t.Errorf("got %s %s; want an error", m.Type, m.Payload)
			}
			// The server is unharmed.
			if resp := api.query(t, `{ session(sessionId: 1) { sessionId } }`, nil); resp.Status != http.StatusOK || len(resp.Errors) > 0 {
				t.Fatalf("after %s: status %d %v", tc.name, resp.Status, resp.Errors)
			}
		})
	}
}

func TestWebSocketOrigin(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{AllowedOrigins: []string{"https://conf.example.com"}})
	if _, resp, err := dialWS(t, api.URL, protoTransportWS, "https://evil.example.net"); err == nil {
		t.Error("a WebSocket from an origin not allowed was accepted")
	} else if resp != nil && resp.StatusCode != http.StatusForbidden {
		t.Errorf("status %d; want 403", resp.StatusCode)
	}
	if _, _, err := dialWS(t, api.URL, protoTransportWS, "https://conf.example.com"); err != nil {
		t.Errorf("a WebSocket from an allowed origin was refused: %v", err)
	}
}

// TestSubscriptionsEndCleanly: clients that go away leave no goroutines and
// no subscribers behind.
func TestSubscriptionsEndCleanly(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	time.Sleep(50 * time.Millisecond)
	before := runtime.NumGoroutine()
	var clients []*wsClient
	for i := 0; i < 10; i++ {
		proto := protoTransportWS
		if i%2 == 1 {
			proto = protoLegacyWS
		}
		c := mustDialWS(t, api.URL, proto)
		c.subscribe("1", likeAddedQuery)
		c.nextEvent()
		clients = append(clients, c)
	}
	if got := api.Likes.Subscribers(); got != 10 {
		t.Fatalf("Subscribers() = %d; want 10", got)
	}
	for _, c := range clients {
		c.conn.CloseNow()
	}
	deadline := time.Now().Add(10 * time.Second)
	for (api.Likes.Subscribers() > 0 || runtime.NumGoroutine() > before) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := api.Likes.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after the clients left = %d; want 0", got)
	}
	if got := runtime.NumGoroutine(); got > before {
		t.Errorf("goroutines: %d before, %d after the clients left; want no more than before", before, got)
	}
}

// TestLikeAddedWithoutTotal: a 2018 client that does not select total gets
// no starting event; its first event carries the first likes, and the
// events add up to exactly the likes created. One that selects total,
// even through a fragment, starts with the current total.
func TestLikeAddedWithoutTotal(t *testing.T) {
	for i, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			api := mustOpenAPI(t, graphql.Options{})
			session := 12 + i // talks: lunches and breaks may not take likes
			before := api.Likes.Subscribers()
			c := mustDialWS(t, api.URL, proto)
			c.subscribe("1", fmt.Sprintf(`subscription { likeAdded(sessionId: %d) { sessionId likes } }`, session))
			withTotal := mustDialWS(t, api.URL, proto)
			withTotal.subscribe("1", fmt.Sprintf(`subscription { likeAdded(sessionId: %d) { likes ...T } } fragment T on LikeEvent { total }`, session))
			if likes, _ := withTotal.nextEvent(); likes != 0 {
				t.Errorf("subscriber selecting total (in a fragment): first event has likes %d; want 0, the starting event", likes)
			}
			deadline := time.Now().Add(10 * time.Second)
			for api.Likes.Subscribers() < before+2 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			created := 0
			for _, n := range []int{2, 5, 1} {
				q := fmt.Sprintf(`mutation { createLike(input: {uuid: "no-total-%s", sessionId: %d, count: %d}) { count } }`, proto, session, n)
				if resp := api.query(t, q, nil); len(resp.Errors) > 0 {
					t.Fatal(resp.Errors)
				}
				created += n
			}
			sum, events := 0, 0
			for sum < created {
				likes, _ := c.nextEvent()
				if likes == 0 {
					t.Fatalf("event %d has 0 likes; a subscriber without total gets events only when likes arrive", events+1)
				}
				sum += likes
				events++
			}
			if sum != created {
				t.Errorf("events added up to %d likes; want exactly %d", sum, created)
			}
		})
	}
}

package graphql_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/techconf/techconf/graphql"
)

// TestWebSocketDuplicateID: graphql-transport-ws says a subscribe with
// the id of an operation in progress closes the socket with 4409.
func TestWebSocketDuplicateID(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	c := mustDialWS(t, api.URL, protoTransportWS)
	c.subscribe("same", likeAddedQuery)
	c.nextEvent()
	c.subscribe("same", likeAddedQuery)
	_, err := c.read()
	if got := websocket.CloseStatus(err); got != 4409 {
		t.Fatalf("second subscribe with id \"same\": %v (close status %d); want close 4409", err, got)
	}
	// The id is free again once its operation completed.
	c2 := mustDialWS(t, api.URL, protoTransportWS)
	c2.subscribe("q", `subscription { likeAdded(sessionId: 9999) { likes } }`)
	for {
		m, err := c2.read()
		if err != nil {
			t.Fatalf("subscribe to an unknown session: %v; want its error, then complete", err)
		}
		if m.Type == "complete" || m.Type == "error" {
			break
		}
	}
	c2.subscribe("q", likeAddedQuery)
	c2.nextEvent()
}

// TestWebSocketIdle: a socket that initialised but holds no subscription
// is closed after the idle time; one with a subscription stays open.
func TestWebSocketIdle(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{WebsocketIdle: 300 * time.Millisecond, KeepAlive: 2 * time.Millisecond})
	for _, proto := range []string{protoTransportWS, protoLegacyWS} {
		t.Run(proto, func(t *testing.T) {
			idle := mustDialWS(t, api.URL, proto)
			busy := mustDialWS(t, api.URL, proto)
			busy.subscribe("1", likeAddedQuery)
			busy.nextEvent()
			_, err := idle.read()
			if websocket.CloseStatus(err) != websocket.StatusNormalClosure {
				t.Fatalf("idle socket: read %v; want a normal close", err)
			}
			// The busy socket outlived the idle time and still gets events.
			api.query(t, `mutation { createLike(input: {uuid: "idle-test", sessionId: 5}) { count } }`, nil)
			if likes, _ := busy.nextEvent(); likes != 1 {
				t.Errorf("busy socket: event with %d likes; want 1", likes)
			}
		})
	}
}

// TestSubscriptionLimits: the process-wide bound refuses the next
// subscription with UNAVAILABLE, on WebSockets and SSE alike, and frees
// the slot when a subscription ends.
func TestSubscriptionLimits(t *testing.T) {
	limits := &graphql.SubscriptionLimits{Max: 2, PerClient: 2}
	api := mustOpenAPI(t, graphql.Options{Subscriptions: limits})
	c := mustDialWS(t, api.URL, protoTransportWS)
	c.subscribe("1", likeAddedQuery)
	c.nextEvent()
	c.subscribe("2", likeAddedQuery)
	c.nextEvent()
	c.subscribe("3", likeAddedQuery)
	m, err := c.read()
	if err != nil || !strings.Contains(string(m.Payload), "UNAVAILABLE") {
		t.Fatalf("third subscription: %v %v; want an UNAVAILABLE error", m, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, api.URL, strings.NewReader(`{"query":"`+likeAddedQuery+`"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "UNAVAILABLE") {
		t.Errorf("SSE over the limit: %s; want UNAVAILABLE", body)
	}
	c.send(map[string]any{"id": "1", "type": "complete"})
	deadline := time.Now().Add(5 * time.Second)
	for limits.Open() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("open subscriptions %d after one completed; want 1", limits.Open())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAnswerLimit: an answer larger than the bound is refused with a
// clear error, not sent.
func TestAnswerLimit(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{MaxAnswerBytes: 2000})
	resp, err := http.Post(api.URL, "application/json", strings.NewReader(`{"query":"{ sessionList(first: 50) { nodes { id title outline outlineJa } } }"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "ANSWER_TOO_LARGE") || len(body) > 2000 {
		t.Fatalf("large answer: %d, %d bytes %.200s; want 400 ANSWER_TOO_LARGE", resp.StatusCode, len(body), body)
	}
	if r := api.query(t, `{ __typename }`, nil); r.Status != http.StatusOK {
		t.Errorf("small answer after a refused one: %d; want 200", r.Status)
	}
}

// TestErrorMessages: errors quote at most a short excerpt of the input
// and name no Go type.
func TestErrorMessages(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	long := strings.Repeat("z", 100_000)
	for _, tc := range []struct{ name, body string }{
		{"LongFieldName", `{"query":"{ ` + long + ` }"}`},
		{"QueryNotAString", `{"query": 5}`},
		{"VariablesNotAnObject", `{"query":"{ __typename }","variables":[1,2]}`},
		{"LongVariableValue", `{"query":"query($n: Int!) { session(sessionId: $n) { title } }","variables":{"n":"` + long + `"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Post(api.URL, "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 500 || !strings.Contains(string(body), `"errors"`) {
				t.Fatalf("status %d %.300s; want a GraphQL error below 500", resp.StatusCode, body)
			}
			if len(body) > 2000 {
				t.Errorf("answer is %d bytes; want a short excerpt of the input (%.300s)", len(body), body)
			}
			for _, leak := range []string{"Go struct", "RawParams", "of type string", "map[string]", "[]interface"} {
				if strings.Contains(string(body), leak) {
					t.Errorf("answer names Go internals (%q): %s", leak, body)
				}
			}
		})
	}
}

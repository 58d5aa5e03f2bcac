package graphql_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/techconf/techconf/graphql"
)

// TestLiveTransportSpeaksAsGqlgen replays conversations, ordinary and
// hostile, over graphql-transport-ws against gqlgen's transport and
// against ours (livews.go), and compares every message byte for byte,
// and the close code and reason.
func TestLiveTransportSpeaksAsGqlgen(t *testing.T) {
	const (
		initMsg = `{"type":"connection_init","payload":{}}`
		sub5    = `{"id":"1","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 5) { sessionId likes total } }"}}`
	)
	for _, tc := range []struct {
		name   string
		frames []string // client messages, in order; "binary:" sends the rest as a binary message
	}{
		{"Subscribe", []string{initMsg, sub5}},
		{"SubscribeThenComplete", []string{initMsg, sub5, `{"id":"1","type":"complete"}`}},
		{"WithoutTotal", []string{initMsg, `{"id":"a","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 5) { likes } }"}}`, `{"id":"a","type":"complete"}`}},
		{"AliasesFragmentsTypename", []string{initMsg, `{"id":"x\"<y>","type":"subscribe","payload":{"query":"subscription S { live: likeAdded(sessionId: 7) { __typename n: likes ...F t2: total @include(if: false) likes } } fragment F on LikeEvent { sessionId total }"}}`}},
		{"Variables", []string{initMsg, `{"id":"v","type":"subscribe","payload":{"query":"subscription($s: Int!) { likeAdded(sessionId: $s) { total } }","variables":{"s":8}}}`}},
		{"OperationName", []string{initMsg, `{"id":"o","type":"subscribe","payload":{"operationName":"B","query":"subscription A { likeAdded(sessionId: 5) { total } } subscription B { likeAdded(sessionId: 6) { total sessionId } }"}}`}},
		{"EmptyID", []string{initMsg, `{"id":"","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 5) { total } }"}}`}},
		{"UnknownSession", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 9999) { likes } }"}}`}},
		{"SessionIDOutOfRange", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 99999999999) { likes } }"}}`}},
		{"VariableOfWrongType", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription($s: Int!) { likeAdded(sessionId: $s) { likes } }","variables":{"s":"5"}}}`}},
		{"SyntaxError", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 5) { likes }"}}`}},
		{"UnknownField", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription { likeAdded(sessionId: 5) { likes bogus } }"}}`}},
		{"NoQuery", []string{initMsg, `{"id":"1","type":"subscribe","payload":{}}`}},
		{"PayloadNotAnObject", []string{initMsg, `{"id":"1","type":"subscribe","payload":5}`}},
		{"NoPayload", []string{initMsg, `{"id":"1","type":"subscribe"}`}},
		{"QueryOverSocket", []string{initMsg, `{"id":"q","type":"subscribe","payload":{"query":"{ session(sessionId: 5) { sessionId title } }"}}`}},
		{"MutationOverSocket", []string{initMsg, `{"id":"m","type":"subscribe","payload":{"query":"mutation { createLike(input: {uuid: \"live-diff\", sessionId: 5, count: 2}) { count } }"}}`}},
		{"TwoStreams", []string{initMsg, `{"id":"1","type":"subscribe","payload":{"query":"subscription { a: likeAdded(sessionId: 5) { likes } b: likeAdded(sessionId: 6) { likes } }"}}`}},
		{"DuplicateID", []string{initMsg, sub5, sub5}},
		{"IDFreeAfterComplete", []string{initMsg, sub5, `{"id":"1","type":"complete"}`, sub5}},
		{"TooManyPerConnection", []string{initMsg, sub5, strings.Replace(sub5, `"1"`, `"2"`, 1), strings.Replace(sub5, `"1"`, `"3"`, 1)}},
		{"Ping", []string{initMsg, `{"type":"ping","payload":{"a": "<b>"}}`, `{"type":"ping"}`, `{"type":"pong"}`}},
		{"BinaryMessage", []string{initMsg, "binary:" + sub5}},
		{"SubscribeBeforeInit", []string{sub5}},
		{"GarbageBeforeInit", []string{"hello"}},
		{"ServerTypeBeforeInit", []string{`{"type":"next"}`}},
		{"GarbageAfterInit", []string{initMsg, "this is not json"}},
		{"UnknownType", []string{initMsg, `{"type":"launch_rockets","id":"1"}`}},
		{"ServerTypeAfterInit", []string{initMsg, `{"type":"next","id":"1"}`}},
		{"SecondInit", []string{initMsg, initMsg}},
		{"TrailingData", []string{initMsg + ` trailing`, sub5}},
		{"MissingTypeBeforeInit", []string{`{"id":"1"}`}},
		{"MissingTypeAfterInit", []string{initMsg, `{"id":"1"}`}},
		{"EmptyType", []string{initMsg, `{"type":""}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := graphql.Options{MaxSubscriptionsPerConn: 2}
			gqlgenOpts := opts
			gqlgenOpts.GqlgenWebsockets = true
			want := transcript(t, mustOpenAPI(t, gqlgenOpts).URL, protoTransportWS, tc.frames)
			before := graphql.LiveConns.Load()
			got := transcript(t, mustOpenAPI(t, opts).URL, protoTransportWS, tc.frames)
			if graphql.LiveConns.Load() == before {
				t.Fatal("the connection did not reach the live transport")
			}
			if got != want {
				t.Errorf("live transport:\n%s\ngqlgen's:\n%s", got, want)
			}
		})
	}
}

// TestLiveTransportSpeaksAsGqlgenLegacy is the same for the legacy
// graphql-ws subprotocol (subscriptions-transport-ws, the 2018 apps).
func TestLiveTransportSpeaksAsGqlgenLegacy(t *testing.T) {
	const (
		initMsg = `{"type":"connection_init","payload":{}}`
		start5  = `{"id":"1","type":"start","payload":{"query":"subscription { likeAdded(sessionId: 5) { sessionId likes total } }"}}`
	)
	for _, tc := range []struct {
		name   string
		frames []string
	}{
		{"Subscribe", []string{initMsg, start5}},
		{"SubscribeThenStop", []string{initMsg, start5, `{"id":"1","type":"stop"}`}},
		{"WithoutTotal", []string{initMsg, `{"id":"a","type":"start","payload":{"query":"subscription { likeAdded(sessionId: 5) { likes } }"}}`, `{"id":"a","type":"stop"}`}},
		{"AliasesFragments", []string{initMsg, `{"id":"x","type":"start","payload":{"query":"subscription { l: likeAdded(sessionId: 7) { __typename ...F } } fragment F on LikeEvent { total n: likes }"}}`}},
		{"UnknownSession", []string{initMsg, `{"id":"1","type":"start","payload":{"query":"subscription { likeAdded(sessionId: 9999) { likes } }"}}`}},
		{"SyntaxError", []string{initMsg, `{"id":"1","type":"start","payload":{"query":"subscription {"}}`}},
		{"NoPayload", []string{initMsg, `{"id":"1","type":"start"}`}},
		{"QueryOverSocket", []string{initMsg, `{"id":"q","type":"start","payload":{"query":"{ session(sessionId: 5) { title } }"}}`}},
		{"SameIDTwice", []string{initMsg, start5, start5, `{"id":"1","type":"stop"}`}},
		{"TooManyPerConnection", []string{initMsg, start5, strings.Replace(start5, `"1"`, `"2"`, 1), strings.Replace(start5, `"1"`, `"3"`, 1)}},
		{"Terminate", []string{initMsg, start5, `{"type":"connection_terminate"}`}},
		{"TerminateBeforeInit", []string{`{"type":"connection_terminate"}`}},
		{"StartBeforeInit", []string{start5}},
		{"ServerTypeBeforeInit", []string{`{"type":"data"}`}},
		{"GarbageBeforeInit", []string{"hello"}},
		{"MissingTypeBeforeInit", []string{`{"id":"1"}`}},
		{"GarbageAfterInit", []string{initMsg, "this is not json"}},
		{"UnknownType", []string{initMsg, `{"type":"subscribe","id":"1"}`}},
		{"ServerTypeAfterInit", []string{initMsg, `{"type":"data","id":"1"}`}},
		{"CompleteFromClient", []string{initMsg, start5, `{"type":"complete","id":"1"}`}},
		{"MissingTypeAfterInit", []string{initMsg, `{"id":"1"}`}},
		{"SecondInit", []string{initMsg, initMsg}},
		{"KeepAliveFromClient", []string{initMsg, `{"type":"ka"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := graphql.Options{MaxSubscriptionsPerConn: 2}
			gqlgenOpts := opts
			gqlgenOpts.GqlgenWebsockets = true
			want := transcript(t, mustOpenAPI(t, gqlgenOpts).URL, protoLegacyWS, tc.frames)
			before := graphql.LiveConns.Load()
			got := transcript(t, mustOpenAPI(t, opts).URL, protoLegacyWS, tc.frames)
			if graphql.LiveConns.Load() == before {
				t.Fatal("the connection did not reach the live transport")
			}
			if got != want {
				t.Errorf("live transport:\n%s\ngqlgen's:\n%s", got, want)
			}
		})
	}
}

// transcript sends frames and returns what the server sent: after each
// frame, what came until the server was quiet for a while, and at the
// end whether it closed the connection.
func transcript(t *testing.T, url, proto string, frames []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http"), &websocket.DialOptions{Subprotocols: []string{proto}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	var out strings.Builder
	// readQuiet reads until the server is quiet for quiet; false once the
	// connection has ended.
	readQuiet := func(quiet time.Duration) bool {
		for {
			rctx, rcancel := context.WithTimeout(ctx, quiet)
			_, data, err := conn.Read(rctx)
			rcancel()
			if err != nil {
				var ce websocket.CloseError
				switch {
				case errors.As(err, &ce):
					fmt.Fprintf(&out, "close %d %q\n", ce.Code, ce.Reason)
				case rctx.Err() != nil && ctx.Err() == nil:
					return true
				default:
					fmt.Fprintf(&out, "broken: %v\n", err)
				}
				return false
			}
			out.Write(data)
			out.WriteByte('\n')
		}
	}
	for _, f := range frames {
		typ, data := websocket.MessageText, f
		if b, ok := strings.CutPrefix(f, "binary:"); ok {
			typ, data = websocket.MessageBinary, b
		}
		if err := conn.Write(ctx, typ, []byte(data)); err != nil {
			fmt.Fprintf(&out, "write: %v\n", err)
			return out.String()
		}
		// Reading here also waits for the answer, as a client does.
		if !readQuiet(150 * time.Millisecond) {
			return out.String()
		}
	}
	if readQuiet(300 * time.Millisecond) {
		out.WriteString("(open)\n")
	}
	return out.String()
}

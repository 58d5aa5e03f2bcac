package graphql_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/graphql"
)

// TestLiveSSESpeaksAsGqlgen replays SSE requests, ordinary and hostile,
// against gqlgen's SSE transport and against ours (livesse.go), and
// compares the bytes on the wire: status line, headers (the Date aside),
// chunks, events, and how the connection ends. Where the case says so, a
// like is created once the stream is open, or the server shuts down.
func TestLiveSSESpeaksAsGqlgen(t *testing.T) {
	const sub5 = `subscription { likeAdded(sessionId: 5) { sessionId likes total } }`
	apqQuery := `subscription { likeAdded(sessionId: 6) { total } }`
	apqHash := sha256.Sum256([]byte(apqQuery))
	for _, tc := range []struct {
		name string
		body string
		// proto and header change the request: "HTTP/1.0", extra header lines.
		proto, header string
		then          string // "like", "shutdown" or nothing
		opts          graphql.Options
		hold          int  // streams opened (and held) before this one
		ours          bool // whether our transport takes the request
	}{
		{name: "Subscribe", body: q(sub5), then: "like", ours: true},
		{name: "WithoutTotal", body: q(`subscription { likeAdded(sessionId: 5) { likes } }`), then: "like", ours: true},
		{name: "AliasesFragmentsTypename", body: q(`subscription S { live: likeAdded(sessionId: 7) { __typename n: likes ...F t2: total @include(if: false) } } fragment F on LikeEvent { sessionId total }`), ours: true},
		{name: "Variables", body: `{"query":"subscription($s: Int!) { likeAdded(sessionId: $s) { total } }","variables":{"s":8}}`, ours: true},
		{name: "OperationName", body: `{"operationName":"B","query":"subscription A { likeAdded(sessionId: 5) { total } } subscription B { likeAdded(sessionId: 6) { total sessionId } }"}`, ours: true},
		{name: "PersistedQuery", body: `{"query":"` + apqQuery + `","extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(apqHash[:]) + `"}}}`, ours: true},
		{name: "PersistedQueryUnknown", body: `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + strings.Repeat("ab", 32) + `"}}}`},
		{name: "HTTP10", body: q(sub5), proto: "HTTP/1.0", then: "like", ours: true},
		{name: "ConnectionClose", body: q(sub5), header: "Connection: close\r\n", then: "like", ours: true},
		{name: "Shutdown", body: q(sub5), then: "shutdown", ours: true},
		{name: "ShutdownHTTP10", body: q(sub5), proto: "HTTP/1.0", then: "shutdown", ours: true},
		{name: "UnknownSession", body: q(`subscription { likeAdded(sessionId: 9999) { likes } }`)},
		{name: "SessionIDOutOfRange", body: q(`subscription { likeAdded(sessionId: 99999999999) { likes } }`)},
		{name: "VariableOfWrongType", body: `{"query":"subscription($s: Int!) { likeAdded(sessionId: $s) { likes } }","variables":{"s":"5"}}`},
		{name: "SyntaxError", body: q(`subscription { likeAdded(sessionId: 5) { likes }`)},
		{name: "UnknownField", body: q(`subscription { likeAdded(sessionId: 5) { likes bogus } }`)},
		{name: "NoQuery", body: `{}`},
		{name: "NotJSON", body: `this is not json`},
		{name: "EmptyBody", body: ``},
		{name: "TrailingData", body: q(sub5) + ` trailing`}, // refused by checkPOST (http.go)
		{name: "QueryOverSSE", body: q(`{ session(sessionId: 5) { sessionId title } }`)},
		{name: "MutationOverSSE", body: q(`mutation { createLike(input: {uuid: \"sse-diff\", sessionId: 5, count: 2}) { count } }`)},
		{name: "TwoStreams", body: q(`subscription { a: likeAdded(sessionId: 5) { likes } b: likeAdded(sessionId: 6) { likes } }`)},
		{name: "OverTheLimit", body: q(sub5), opts: graphql.Options{Subscriptions: &graphql.SubscriptionLimits{Max: 1, PerClient: 1}}, hold: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gqlgenOpts := tc.opts
			gqlgenOpts.GqlgenSSE = true
			if tc.opts.Subscriptions != nil { // each server its own limits
				l := tc.opts.Subscriptions
				gqlgenOpts.Subscriptions = &graphql.SubscriptionLimits{Max: l.Max, PerClient: l.PerClient}
			}
			want := sseTranscript(t, mustOpenAPI(t, gqlgenOpts), tc.proto, tc.header, tc.body, tc.then, tc.hold)
			before := graphql.LiveStreams.Load()
			got := sseTranscript(t, mustOpenAPI(t, tc.opts), tc.proto, tc.header, tc.body, tc.then, tc.hold)
			if taken := graphql.LiveStreams.Load() > before+int64(tc.hold); taken != tc.ours {
				t.Errorf("taken by the live transport: %v; want %v", taken, tc.ours)
			}
			if got != want {
				t.Errorf("live transport:\n%s\ngqlgen's:\n%s", got, want)
			}
		})
	}
}

// TestLiveSSEKeepAlive: in silence, both transports send the same
// keep-alive comment, in a chunk of its own, and our transport no more
// often than the interval.
func TestLiveSSEKeepAlive(t *testing.T) {
	const ping = "8\r\n: ping\n\n\r\n"
	for _, gqlgen := range []bool{true, false} {
		api := mustOpenAPI(t, graphql.Options{KeepAlive: 200 * time.Millisecond, GqlgenSSE: gqlgen})
		u, _ := url.Parse(api.URL)
		c := sseDial(t, u)
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s",
			u.Path, u.Host, len(q(likeAddedQuery)), q(likeAddedQuery))
		_ = c.SetReadDeadline(time.Now().Add(1100 * time.Millisecond))
		got, _ := io.ReadAll(c) // until the deadline
		if n := strings.Count(string(got), ping); n < 3 || n > 5 {
			t.Errorf("gqlgen's transport %v: %d keep-alives in 1.1 s at 200 ms in\n%s\nwant 3 to 5 of %q", gqlgen, n, got, ping)
		}
	}
}

// q is a request body with query s (no quotes to escape in s but \").
func q(s string) string { return `{"query":"` + s + `"}` }

var dateHeader = regexp.MustCompile(`(?m)^Date: .*\r$`)

// sseTranscript sends one SSE request over a raw connection and returns
// the bytes the server sent, read until it was quiet for a while (then
// after the like or the shutdown of then), and whether it closed.
func sseTranscript(t *testing.T, api *testAPI, proto, header, body, then string, hold int) string {
	t.Helper()
	u, err := url.Parse(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	if proto == "" {
		proto = "HTTP/1.1"
	}
	for i := 0; i < hold; i++ {
		c := sseDial(t, u)
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s",
			u.Path, u.Host, len(q(likeAddedQuery)), q(likeAddedQuery))
		br := bufio.NewReader(c) // until the first event: the slot is taken
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(line, "data: ") {
				break
			}
		}
	}
	c := sseDial(t, u)
	fmt.Fprintf(c, "POST %s %s\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n%sContent-Length: %d\r\n\r\n%s",
		u.Path, proto, u.Host, header, len(body), body)
	var out strings.Builder
	buf := make([]byte, 64<<10)
	readQuiet := func(quiet time.Duration) bool {
		for {
			_ = c.SetReadDeadline(time.Now().Add(quiet))
			n, err := c.Read(buf)
			out.Write(buf[:n])
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return true
			}
			if err != nil {
				if err != io.EOF {
					fmt.Fprintf(&out, "\n(broken: %v)", err)
				}
				out.WriteString("\n(closed)\n")
				return false
			}
		}
	}
	open := readQuiet(300 * time.Millisecond)
	switch then {
	case "like":
		api.query(t, `mutation { createLike(input: {uuid: "sse-replay", sessionId: 5, count: 2}) { count } }`, nil)
		if open {
			open = readQuiet(600 * time.Millisecond)
		}
	case "shutdown":
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := api.Likes.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if open {
			// gqlgen's connection stays open for the next request, ours
			// closes after the last chunk: the bytes up to there compare.
			_ = readQuiet(600 * time.Millisecond)
			return dateHeader.ReplaceAllString(strings.TrimSuffix(out.String(), "\n(closed)\n"), "Date: (date)\r")
		}
	}
	if open {
		out.WriteString("\n(open)\n")
	}
	return dateHeader.ReplaceAllString(out.String(), "Date: (date)\r")
}

func sseDial(t *testing.T, u *url.URL) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestLiveSSEClientThatTalks: a stream's client that sends more than an
// HTTP client waiting for its answer would (64 KiB) is disconnected, and
// its subscription ends; one that sends a little keeps its stream.
func TestLiveSSEClientThatTalks(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	u, _ := url.Parse(api.URL)
	open := func() net.Conn {
		c := sseDial(t, u)
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: %d\r\n\r\n%s",
			u.Path, u.Host, len(q(likeAddedQuery)), q(likeAddedQuery))
		br := bufio.NewReader(c)
		for { // until the starting event
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := br.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(line, "data: ") {
				return c
			}
		}
	}
	quiet, talker := open(), open()
	if _, err := quiet.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	junk := []byte(strings.Repeat("x", 1024))
	var werr error
	for i := 0; i < 256 && werr == nil; i++ { // 256 KiB, or until the server closes
		_ = talker.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, werr = talker.Write(junk)
	}
	deadline := time.Now().Add(10 * time.Second)
	for api.Likes.Subscribers() != 1 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := api.Likes.Subscribers(); got != 1 {
		t.Fatalf("Subscribers() = %d after one client sent 256 KiB; want 1 (the quiet one)", got)
	}
	api.query(t, `mutation { createLike(input: {uuid: "sse-talk", sessionId: 5, count: 1}) { count } }`, nil)
	_ = quiet.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, _ := bufio.NewReader(quiet).ReadString('}')
	if !strings.Contains(got, `"likeAdded"`) {
		t.Errorf("the quiet stream got %q after a like; want its event", got)
	}
}

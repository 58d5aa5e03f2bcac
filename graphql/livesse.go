package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/graphql/live"
)

// liveSSE serves SSE likeAdded subscriptions from the hubs of
// livehub.go on package live's hijacked streams: gqlgen's SSE transport
// holds the request's goroutine, net/http's buffers and a keep-alive
// goroutine for as long as the stream lasts, about 50 KB per subscriber;
// here it costs what a WebSocket costs (docs/performance.md).
//
// It speaks exactly what gqlgen's transport.SSE speaks: net/http itself
// writes the status, the headers and the first comment (":"), as it did
// for gqlgen, before the connection is hijacked; then every event is
// gqlgen's "event: next" with the same JSON, in a chunk of its own, the
// keep-alive comment fills silences of KeepAlive, and the end of the
// session's broker (shutdown) sends "event: complete" and the last
// chunk. livesse_test.go replays requests against both and compares the
// bytes on the wire.
//
// Only what the hubs serve is taken: a valid likeAdded subscription of a
// known session within the subscription limits, over HTTP/1.x.
// Everything else (bad JSON, validation errors, queries, other
// selections, a limit reached) goes to gqlgen's transport, which reads
// the body again and answers as before; such a request is parsed and
// validated twice, which costs time but nothing that lasts.
type liveSSE struct {
	t    *liveTransport
	next transport.SSE
}

var _ graphql.Transport = liveSSE{}

// Supports takes what gqlgen's SSE transport takes, over HTTP/1.x (the
// only protocol a connection can be hijacked from).
func (s liveSSE) Supports(r *http.Request) bool { return r.ProtoMajor == 1 && isSSE(r) }

// liveStreams counts the SSE streams taken, for tests.
var liveStreams atomic.Int64

// Do serves the request from a hub if it can, or hands it to gqlgen's.
func (s liveSSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if s.t.hubs == nil || !s.serve(w, r, exec) {
		s.next.Do(w, r, exec)
	}
}

// serve returns false, having written nothing, when the request is not
// one the hubs serve.
func (s liveSSE) serve(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) bool {
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body)) // for gqlgen's, if it gets the request
	if err != nil {
		return false
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(params) != nil {
		return false
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rctx := r.Context()
	rc, errs := exec.CreateOperationContext(rctx, params)
	if errs != nil || rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return false
	}
	sessionID, shape, ok := likeAddedShape(rc)
	if !ok {
		return false
	}
	if _, err := s.t.resolver.session(sessionID); err != nil {
		return false
	}
	// What the stream keeps of the request, as livews.go's Do.
	ctx := withBaseURL(techconf.KeepClient(context.Background(), rctx), baseURL(rctx))
	if l, ok := rctx.Value(subscriptionLimitsKey{}).(*SubscriptionLimits); ok {
		ctx = withSubscriptionLimits(ctx, l)
	}
	release, ok := acquireSlot(ctx)
	if !ok {
		return false // gqlgen's reports the limit
	}

	// gqlgen's headers and opening comment, written by net/http.
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("Content-Type", "text/event-stream")
	_, _ = io.WriteString(w, ":\n\n")
	if http.NewResponseController(w).Flush() != nil {
		release()
		return true
	}
	st := &sseStream{t: s.t, release: release}
	framing := framingSSE
	if r.ProtoAtLeast(1, 1) {
		framing = framingSSEChunked // net/http chose chunks: no length is known
	}
	st.sub = &liveSub{owner: st, shape: shape, framing: framing}
	st.mu.Lock() // Closed may not run before the stream is set up
	defer st.mu.Unlock()
	endSlot := techconf.KeepStreamSlot(rctx)
	c, err := live.Hijack(w, live.Options{Release: endSlot}, st)
	if err != nil {
		endSlot()
		release()
		return true
	}
	liveStreams.Add(1)
	st.c, st.sub.conn = c, c
	s.t.hubs.join(s.t.resolver.Conf.ID, sessionID, st.sub)
	if ka := s.t.opts.KeepAlive; ka > 0 {
		st.ka = time.AfterFunc(ka, st.keepAlive)
	}
	return true
}

// sseStream is one SSE subscription served by a hub.
type sseStream struct {
	t       *liveTransport
	c       *live.Conn
	sub     *liveSub
	release func() // the subscription's slots

	mu     sync.Mutex
	ka     *time.Timer
	closed bool
}

// keepAlive sends gqlgen's keep-alive comment when nothing has been sent
// for KeepAlive (gqlgen's ticker restarts at every event).
func (st *sseStream) keepAlive() {
	ka := st.t.opts.KeepAlive
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return
	}
	if quiet := time.Since(st.c.LastSend()); quiet < ka {
		st.ka.Reset(ka - quiet)
		return
	}
	st.c.Send(appendSSE(nil, st.sub.framing == framingSSEChunked, ": ping\n\n", nil, ""))
	st.ka.Reset(ka)
}

// Message is never called: a stream's reader delivers nothing.
func (st *sseStream) Message(*live.Conn, []byte) {}

// ReadTimeout is never called: a stream has no read deadline.
func (st *sseStream) ReadTimeout(*live.Conn) {}

// Drained catches the subscription up once a backlog has been written.
func (st *sseStream) Drained(*live.Conn) { st.t.hubs.catchUp([]*liveSub{st.sub}) }

// Closed leaves the hub and gives the slots back.
func (st *sseStream) Closed(*live.Conn) {
	st.mu.Lock()
	st.closed = true
	if st.ka != nil {
		st.ka.Stop()
	}
	st.mu.Unlock()
	st.t.hubs.leave(st.sub)
	st.release()
}

// finishSub ends the stream as gqlgen's does when the subscription's
// channel closes: "event: complete", then the end of the response.
func (st *sseStream) finishSub(*liveSub) {
	chunked := st.sub.framing == framingSSEChunked
	last := appendSSE(nil, chunked, "event: complete\n\n", nil, "")
	if chunked {
		last = append(last, "0\r\n\r\n"...)
	}
	st.release()
	st.c.End(last)
}

// appendSSE appends prefix, body and suffix to dst as one piece of an
// SSE response body: an HTTP/1.1 chunk (what net/http writes for each
// flush of gqlgen's), or the bytes alone.
func appendSSE(dst []byte, chunked bool, prefix string, body []byte, suffix string) []byte {
	if chunked {
		dst = strconv.AppendInt(dst, int64(len(prefix)+len(body)+len(suffix)), 16)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, prefix...)
	dst = append(dst, body...)
	dst = append(dst, suffix...)
	if chunked {
		dst = append(dst, "\r\n"...)
	}
	return dst
}

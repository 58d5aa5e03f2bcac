package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/graphql/live"
)

// liveTransport serves graphql-transport-ws and the legacy graphql-ws
// (subscriptions-transport-ws) on package live's connections:
// a few kilobytes per subscriber instead of gqlgen's four goroutines and
// coder/websocket's buffers (see docs/performance.md). It speaks exactly
// what gqlgen's transport.Websocket with limitedWebsockets speaks (the
// same messages, field order, errors, close codes and reasons, and the
// limits of ws_limits.go); livews_test.go replays hostile and ordinary
// conversations against both and compares every byte.
//
// Every operation is parsed and validated by gqlgen's executor. A
// likeAdded subscription whose selection it recognises (fields of
// LikeEvent, through fragments and aliases) is served by the hubs of
// livehub.go: its events are encoded once per session and shape and
// written to every subscriber without a goroutine of its own. Anything
// else (queries and mutations over the socket, other selections, a
// subscription that fails) runs on the executor as gqlgen runs it, with a
// goroutine while it lasts.
//
// Requests it does not take (no subprotocol or another spelling of one, a
// malformed handshake, an origin it would refuse) go on to gqlgen's
// transport, which answers them as before. SSE streams are livesse.go's.
//
// One difference is deliberate: a connection_init whose payload is not
// an object closes the connection (1002) where gqlgen stopped reading and
// left it open.
type liveTransport struct {
	opts     Options
	resolver *Resolver
	hubs     *hubSet // nil when the like service cannot be watched
	origins  []string
	anyHost  bool
}

var _ graphql.Transport = (*liveTransport)(nil)

func newLiveTransport(opts Options, resolver *Resolver) *liveTransport {
	t := &liveTransport{opts: opts, resolver: resolver}
	if w, ok := resolver.Likes.(likeWatcher); ok {
		t.hubs = newHubSet(w)
	}
	o := websocketAcceptOptions(opts.AllowedOrigins)
	t.origins, t.anyHost = o.OriginPatterns, o.InsecureSkipVerify
	return t
}

// Supports takes well-formed handshakes that would negotiate either
// subprotocol from an allowed origin. The subprotocol is chosen
// as coder/websocket chose it for gqlgen: the first of the server's
// (graphql-ws, graphql-transport-ws) that the client offers.
func (t *liveTransport) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") == "" || !live.CheckHandshake(r) || !t.originAllowed(r) {
		return false
	}
	p := subprotocol(r)
	return p == protoTransportWS || p == protoLegacyWS
}

// subprotocol is the one coder/websocket negotiated for gqlgen: the
// first of the server's list the client offers, in the client's spelling
// (gqlgen then refuses any spelling but its own).
func subprotocol(r *http.Request) string {
	offered := live.HeaderTokens(r.Header, "Sec-WebSocket-Protocol")
	for _, sp := range []string{protoLegacyWS, protoTransportWS} {
		for _, p := range offered {
			if strings.EqualFold(p, sp) {
				return p
			}
		}
	}
	return ""
}

// The subprotocols: graphql-transport-ws (graphql-ws the library) and the
// legacy graphql-ws (subscriptions-transport-ws).
const (
	protoTransportWS = "graphql-transport-ws"
	protoLegacyWS    = "graphql-ws"
)

// originAllowed is coder/websocket's origin check with the same patterns;
// what it refuses goes to gqlgen's transport, which refuses it with 403.
func (t *liveTransport) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || t.anyHost {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(r.Host, u.Host) {
		return true
	}
	for _, p := range t.origins {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, err := path.Match(strings.ToLower(p), strings.ToLower(target)); err == nil && ok {
			return true
		}
	}
	return false
}

// Do upgrades the connection and returns: the connection is served by
// its reader goroutine from here on, and net/http's goroutine and
// buffers are freed.
func (t *liveTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// The request's context ends when this handler returns, and holds
	// more than a connection should keep (the request, middleware
	// values): the connection keeps only what resolvers read (client
	// address, limits, base URL), and the server's count of open streams.
	rctx := r.Context()
	ctx := withBaseURL(techconf.KeepClient(context.Background(), rctx), baseURL(rctx))
	if l, ok := rctx.Value(subscriptionLimitsKey{}).(*SubscriptionLimits); ok {
		ctx = withSubscriptionLimits(ctx, l)
	}
	release := techconf.KeepStreamSlot(rctx)
	proto := subprotocol(r)
	lc := &liveConn{t: t, exec: exec, ctx: ctx, legacy: proto == protoLegacyWS}
	lc.mu.Lock() // Message may not run before lc.c is set
	defer lc.mu.Unlock()
	c, err := live.Upgrade(w, r, proto, live.Options{Release: release}, lc)
	if err != nil {
		release()
		return
	}
	lc.c = c
	liveConns.Add(1)
	c.SetReadDeadline(time.Now().Add(10 * time.Second)) // gqlgen's InitTimeout
	lc.idle = time.AfterFunc(t.opts.WebsocketIdle, lc.closeIdle)
}

// liveConns counts the connections taken, for tests.
var liveConns atomic.Int64

// liveConn is the protocol state of one connection.
type liveConn struct {
	t    *liveTransport
	exec graphql.GraphExecutor
	c    *live.Conn

	legacy bool // graphql-ws (subscriptions-transport-ws) rather than graphql-transport-ws

	mu     sync.Mutex
	ka     *time.Timer     // graphql-ws keep-alive
	ctx    context.Context // the connection's, with its subscription limit once initialised
	inited bool
	closed bool
	active opList // the operations in progress (ws_limits' active)
	// orphans are graphql-ws operations whose id a later start reused:
	// gqlgen keeps serving them, and they end with the connection.
	orphans opList
	idle    *time.Timer // runs while active is empty
}

// liveOp is an operation in progress: one served by a hub (sub) or by the
// executor (cancel only).
type liveOp struct {
	cancel context.CancelFunc
	sub    *liveSub
}

// wireMessage is gqlgen's graphqltransportwsMessage: the same fields in
// the same order, so messages are the same bytes.
type wireMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
}

// clientMessage is what gqlgen decodes; a type it does not know fails
// the decoding, as gqlgen's does.
type clientMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    wireType        `json:"type"`
}

type wireType string

func (t *wireType) UnmarshalText(text []byte) error {
	switch s := string(text); s {
	case "connection_init", "connection_ack", "subscribe", "next", "error", "complete", "ping", "pong":
		*t = wireType(s)
		return nil
	default:
		return fmt.Errorf("invalid message type %s", s)
	}
}

func (lc *liveConn) send(m wireMessage) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	if m.Type == "complete" || m.Type == "error" {
		lc.end(m.ID) // before the client can read it and reuse the id
	}
	lc.c.SendText(b)
}

// Message handles one client message on the reader goroutine.
func (lc *liveConn) Message(c *live.Conn, data []byte) {
	lc.mu.Lock()
	lc.mu.Unlock() //nolint:staticcheck // waits for Do to finish setting up
	// What limitedWebsockets does first: duplicate ids and the idle timer.
	var peek struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	ended, endID := false, ""
	if json.Unmarshal(data, &peek) == nil {
		switch peek.Type {
		case "subscribe", "start":
			lc.mu.Lock()
			_, dup := lc.active.get(peek.ID)
			if !dup {
				lc.active.set(peek.ID, nil)
			}
			lc.idle.Stop()
			lc.mu.Unlock()
			if dup && peek.Type == "subscribe" {
				c.Close(closeDuplicateID, excerpt("Subscriber for "+peek.ID+" already exists", 120))
				return
			}
		case "complete", "stop":
			ended, endID = true, peek.ID
		}
	}
	m, decodeErr := lc.decode(data)
	lc.mu.Lock()
	inited := lc.inited
	lc.mu.Unlock()
	stopType := wireType("complete")
	if lc.legacy {
		stopType = "stop"
	}
	if ended && !(inited && decodeErr == nil && m.Type == stopType) {
		lc.end(endID)
	}
	if !inited {
		lc.init(m, decodeErr)
		return
	}
	if decodeErr != nil {
		c.Close(live.CloseNormal, "terminated")
		return
	}
	if lc.legacy {
		switch m.Type {
		case "start":
			lc.subscribe(m)
		case "stop":
			lc.stop(m.ID)
		case "connection_terminate":
			c.Close(live.CloseNormal, "terminated")
		case "":
			c.Close(live.CloseNormal, "terminated")
		default:
			lc.connectionError("unexpected message " + legacyTypeName(m.Type))
			c.Close(live.CloseProtocolError, "unexpected message")
		}
		return
	}
	switch m.Type {
	case "subscribe":
		lc.subscribe(m)
	case "complete":
		lc.stop(m.ID)
	case "ping":
		lc.send(wireMessage{Type: "pong", Payload: m.Payload})
	case "pong":
	case "connection_init":
		c.Close(live.CloseProtocolError, "unexpected message")
	default: // a server's message type, which gqlgen fails to convert
		c.Close(live.CloseNormal, "terminated")
	}
}

// decode reads a client message as gqlgen's exchanger of the
// subprotocol does: a type outside the subprotocol's fails the decoding.
func (lc *liveConn) decode(data []byte) (clientMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if lc.legacy {
		var lm legacyMessage
		err := dec.Decode(&lm)
		return clientMessage{Payload: lm.Payload, ID: lm.ID, Type: wireType(lm.Type)}, err
	}
	var m clientMessage
	err := dec.Decode(&m)
	return m, err
}

// legacyMessage is gqlgen's graphqlwsMessage, for decoding.
type legacyMessage struct {
	Payload json.RawMessage `json:"payload,omitempty"`
	ID      string          `json:"id,omitempty"`
	Type    legacyType      `json:"type"`
}

type legacyType string

func (t *legacyType) UnmarshalText(text []byte) error {
	switch s := string(text); s {
	case "connection_init", "connection_terminate", "start", "stop", "connection_ack", "connection_error", "data", "error", "complete", "ka":
		*t = legacyType(s)
		return nil
	default:
		return fmt.Errorf("invalid message type %s", s)
	}
}

// legacyTypeName is how gqlgen names a legacy message type in its
// "unexpected message" errors.
func legacyTypeName(t wireType) string {
	switch t {
	case "connection_init":
		return "init"
	case "connection_ack":
		return "connection ack"
	case "ka":
		return "keep alive"
	case "connection_error":
		return "connection error"
	case "connection_terminate":
		return "connection close"
	case "stop":
		return "stop subscription"
	default:
		return string(t)
	}
}

// connectionError sends graphql-ws's connection_error (graphql-transport-ws
// has none: gqlgen sends nothing there).
func (lc *liveConn) connectionError(msg string) {
	if !lc.legacy {
		return
	}
	b, err := json.Marshal(&gqlerror.Error{Message: msg})
	if err != nil {
		return
	}
	lc.send(wireMessage{Type: "connection_error", Payload: b})
}

func (lc *liveConn) init(m clientMessage, decodeErr error) {
	if decodeErr != nil {
		lc.connectionError("invalid json")
		lc.c.Close(live.CloseProtocolError, "decoding error")
		return
	}
	switch m.Type {
	case "connection_init":
		if len(m.Payload) > 0 {
			var p map[string]any
			if json.Unmarshal(m.Payload, &p) != nil {
				// gqlgen stops reading and leaves the socket open; a
				// close says what went wrong.
				lc.c.Close(live.CloseProtocolError, "invalid connection_init payload")
				return
			}
		}
		lc.mu.Lock()
		lc.inited = true
		lc.ctx = withConnLimit(lc.ctx, lc.t.opts.MaxSubscriptionsPerConn)
		lc.mu.Unlock()
		lc.c.SetReadDeadline(time.Time{})
		lc.send(wireMessage{Type: "connection_ack"})
		if lc.legacy {
			lc.send(wireMessage{Type: "ka"})
			if lc.t.opts.KeepAlive > 0 {
				lc.mu.Lock()
				if !lc.closed {
					lc.ka = time.AfterFunc(lc.t.opts.KeepAlive, lc.keepAlive)
				}
				lc.mu.Unlock()
			}
		}
	case "":
		lc.c.Close(live.CloseProtocolError, "decoding error")
	default:
		if !lc.legacy {
			switch m.Type {
			case "subscribe", "complete", "ping", "pong":
				lc.c.Close(live.CloseProtocolError, "unexpected message")
			default:
				lc.c.Close(live.CloseProtocolError, "decoding error")
			}
			return
		}
		if m.Type == "connection_terminate" {
			lc.c.Close(live.CloseNormal, "terminated")
			return
		}
		lc.connectionError("unexpected message " + legacyTypeName(m.Type))
		lc.c.Close(live.CloseProtocolError, "unexpected message")
	}
}

// keepAlive sends graphql-ws's ka every KeepAlive, as gqlgen's ticker
// did, from a timer rather than a goroutine per connection.
func (lc *liveConn) keepAlive() {
	lc.mu.Lock()
	closed := lc.closed
	lc.mu.Unlock()
	if closed {
		return
	}
	lc.send(wireMessage{Type: "ka"})
	lc.mu.Lock()
	if !lc.closed {
		lc.ka.Reset(lc.t.opts.KeepAlive)
	}
	lc.mu.Unlock()
}

// ReadTimeout is the initialisation timeout.
func (lc *liveConn) ReadTimeout(c *live.Conn) {
	lc.mu.Lock()
	inited := lc.inited
	lc.mu.Unlock()
	if !inited {
		c.Close(live.CloseProtocolError, "connection initialisation timeout")
	}
}

func (lc *liveConn) closeIdle() {
	lc.mu.Lock()
	idle := len(lc.active) == 0 && !lc.closed
	lc.mu.Unlock()
	if idle {
		lc.c.Close(live.CloseNormal, "no subscription for "+lc.t.opts.WebsocketIdle.String())
	}
}

// end forgets an operation the server ended (ws_limits' end).
func (lc *liveConn) end(id string) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if !lc.active.del(id) {
		return
	}
	if len(lc.active) == 0 && !lc.closed {
		lc.idle.Reset(lc.t.opts.WebsocketIdle)
	}
}

// stop ends an operation at the client's request: a hub's subscription
// leaves its hub and is completed here; an executor's is cancelled and
// its goroutine completes it, as gqlgen does.
func (lc *liveConn) stop(id string) {
	lc.mu.Lock()
	op, _ := lc.active.get(id)
	lc.mu.Unlock()
	if op == nil {
		lc.end(id)
		return
	}
	if op.sub != nil {
		if lc.t.hubs.leave(op.sub) {
			op.cancel()
			lc.send(wireMessage{ID: id, Type: "complete"})
		}
		return
	}
	lc.end(id)
	op.cancel()
}

func (lc *liveConn) setOp(id string, op *liveOp) bool {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.closed {
		return false
	}
	if old, _ := lc.active.get(id); old != nil {
		lc.orphans = append(lc.orphans, opEntry{id, old})
	}
	lc.active.set(id, op)
	return true
}

// subscribe is gqlgen's wsConnection.subscribe, with the hub for the
// subscriptions it recognises.
func (lc *liveConn) subscribe(m clientMessage) {
	start := graphql.Now()
	lc.mu.Lock()
	connCtx := lc.ctx
	lc.mu.Unlock()
	ctx := graphql.StartOperationTrace(connCtx)
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(m.Payload))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		lc.sendErrors(m.ID, &gqlerror.Error{Message: "invalid json"})
		lc.send(wireMessage{ID: m.ID, Type: "complete"})
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	rc, errs := lc.exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := lc.exec.DispatchError(graphql.WithOperationContext(ctx, rc), errs)
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			lc.sendErrors(m.ID, resp.Errors...)
		} else {
			lc.sendResponse(m.ID, &graphql.Response{Errors: errs})
		}
		lc.send(wireMessage{ID: m.ID, Type: "complete"})
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	if lc.subscribeHub(ctx, m.ID, rc) {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	if !lc.setOp(m.ID, &liveOp{cancel: cancel}) {
		cancel()
		return
	}
	go lc.execute(ctx, cancel, m.ID, rc)
}

// execute runs an operation on gqlgen's executor, as its transport does.
func (lc *liveConn) execute(ctx context.Context, cancel context.CancelFunc, id string, rc *graphql.OperationContext) {
	defer func() {
		if r := recover(); r != nil {
			err := rc.Recover(ctx, r)
			var gqlErr *gqlerror.Error
			if !errors.As(err, &gqlErr) {
				gqlErr = &gqlerror.Error{}
				if err != nil {
					gqlErr.Message = err.Error()
				}
			}
			lc.sendErrors(id, gqlErr)
		}
		lc.send(wireMessage{ID: id, Type: "complete"})
		cancel()
	}()
	responses, ctx := lc.exec.DispatchOperation(ctx, rc)
	for {
		resp := responses(ctx)
		if resp == nil {
			return
		}
		lc.sendResponse(id, resp)
	}
}

func (lc *liveConn) sendResponse(id string, resp *graphql.Response) {
	b, err := json.Marshal(resp)
	if err != nil {
		return
	}
	lc.send(wireMessage{Payload: b, ID: id, Type: lc.nextType()})
}

func (lc *liveConn) sendErrors(id string, list ...*gqlerror.Error) {
	errs := make([]error, len(list))
	for i, e := range list {
		errs[i] = e
	}
	b, err := json.Marshal(errs)
	if err != nil {
		return
	}
	lc.send(wireMessage{Type: "error", ID: id, Payload: b})
}

// subscribeHub serves a likeAdded subscription from its session's hub if
// its selection is one the hub encodes; false leaves it to the executor,
// which also reports every error (unknown session, limits) as it always
// has.
func (lc *liveConn) subscribeHub(ctx context.Context, id string, rc *graphql.OperationContext) bool {
	if lc.t.hubs == nil || rc.Operation == nil || rc.Operation.Operation != ast.Subscription {
		return false
	}
	sessionID, shape, ok := likeAddedShape(rc)
	if !ok {
		return false
	}
	if _, err := lc.t.resolver.session(sessionID); err != nil {
		return false
	}
	release, ok := acquireSlot(ctx)
	if !ok {
		return false
	}
	sub := &liveSub{conn: lc.c, owner: lc, shape: shape, suffix: nextSuffix(id, lc.nextType())}
	if !lc.setOp(id, &liveOp{cancel: release, sub: sub}) {
		release()
		return true
	}
	lc.t.hubs.join(lc.t.resolver.Conf.ID, sessionID, sub)
	return true
}

// acquireSlot takes a subscription slot of the connection, the process
// and the client, as acquireSubscription does, but without a context per
// subscription (a cancel context and two AfterFuncs cost about 400 bytes
// per subscriber); release gives them back, once. On false the caller
// leaves the subscription to the executor, which reports the error.
func acquireSlot(ctx context.Context) (release func(), ok bool) {
	cl, _ := ctx.Value(connLimitKey{}).(*connLimit)
	if cl != nil && cl.open.Add(1) > int64(cl.max) {
		cl.open.Add(-1)
		return nil, false
	}
	l, _ := ctx.Value(subscriptionLimitsKey{}).(*SubscriptionLimits)
	client := techconf.Client(ctx)
	if l != nil && l.acquire(client) != nil {
		if cl != nil {
			cl.open.Add(-1)
		}
		return nil, false
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if cl != nil {
				cl.open.Add(-1)
			}
			if l != nil {
				l.release(client)
			}
		})
	}, true
}

// Drained catches the connection's subscriptions up once a backlog has
// been written: what they missed meanwhile comes in one event each.
func (lc *liveConn) Drained(*live.Conn) {
	if subs := lc.subs(); len(subs) > 0 {
		lc.t.hubs.catchUp(subs)
	}
}

func (lc *liveConn) subs() []*liveSub {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	var subs []*liveSub
	for _, e := range lc.active {
		if e.op != nil && e.op.sub != nil {
			subs = append(subs, e.op.sub)
		}
	}
	return subs
}

// Closed ends every operation of the connection.
func (lc *liveConn) Closed(*live.Conn) {
	lc.mu.Lock()
	lc.closed = true
	if lc.idle != nil {
		lc.idle.Stop()
	}
	if lc.ka != nil {
		lc.ka.Stop()
	}
	ops := append(lc.active, lc.orphans...)
	lc.active, lc.orphans = nil, nil
	lc.mu.Unlock()
	for _, e := range ops {
		op := e.op
		if op == nil {
			continue
		}
		if op.sub != nil {
			lc.t.hubs.leave(op.sub)
		}
		op.cancel()
	}
}

// finishSub completes a hub subscription whose session's broker closed
// (the server is shutting down): gqlgen's subscription ends with complete
// when its channel closes.
func (lc *liveConn) finishSub(s *liveSub) {
	lc.mu.Lock()
	var op *liveOp
	id := ""
	for _, e := range lc.active {
		if e.op != nil && e.op.sub == s {
			op, id = e.op, e.id
			break
		}
	}
	lc.mu.Unlock()
	if op == nil {
		return
	}
	op.cancel()
	lc.send(wireMessage{ID: id, Type: "complete"})
}

// nextSuffix is the end of a next message for the subscription id, after
// its payload: the id is encoded once, at subscription.
func nextSuffix(id, typ string) []byte {
	end := `,"type":"` + typ + `"}`
	if id == "" {
		return []byte(end) // gqlgen leaves an empty id out
	}
	b, _ := json.Marshal(id)
	out := make([]byte, 0, len(b)+24)
	out = append(out, `,"id":`...)
	out = append(out, b...)
	return append(out, end...)
}

// nextType is the type of an event message: next, or data in graphql-ws.
func (lc *liveConn) nextType() string {
	if lc.legacy {
		return "data"
	}
	return "next"
}

// opList is a connection's operations in progress: a slice, since a
// connection holds a few (at most MaxSubscriptionsPerConn subscriptions),
// and a map would cost a few hundred bytes per subscriber.
type opList []opEntry

type opEntry struct {
	id string
	op *liveOp
}

func (l opList) get(id string) (*liveOp, bool) {
	for _, e := range l {
		if e.id == id {
			return e.op, true
		}
	}
	return nil, false
}

func (l *opList) set(id string, op *liveOp) {
	for i, e := range *l {
		if e.id == id {
			(*l)[i].op = op
			return
		}
	}
	*l = append(*l, opEntry{id, op})
}

func (l *opList) del(id string) bool {
	for i, e := range *l {
		if e.id == id {
			*l = append((*l)[:i], (*l)[i+1:]...)
			if len(*l) == 0 {
				*l = nil
			}
			return true
		}
	}
	return false
}

package graphql

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"github.com/techconf/techconf/graphql/live"
	"github.com/techconf/techconf/like"
)

// likeWatcher is the fan-out the hubs use (like.Service): one watcher per
// session is told every total the broker fans out.
type likeWatcher interface {
	Watch(k like.Key, f func(total int64, closed bool)) (start int64, stop func(), count func(delta int))
	EventsSent(n int)
}

// hubSet holds a hub per session with subscribers on the WebSocket
// transport, and the fan-out workers.
//
// Exactness: each subscription remembers the total it has last been
// sent; an event carries the difference to the hub's latest total. The
// broker tells the hub its totals in order, and a subscription starts
// from the total the hub held when it joined (under the hub's lock), so
// the likes a subscriber receives add up to exactly the likes counted
// after its start. A subscription whose connection is backlogged is
// skipped and caught up when the backlog is written (liveConn.Drained):
// its missed likes arrive in one event.
//
// Work: a fan-out is O(subscribers of the session); the payload is
// encoded once per selection shape and increment, and each connection
// gets its frames in one write. Workers (at most GOMAXPROCS) exist only
// while there is work, so an idle server holds no goroutine here.
type hubSet struct {
	watcher likeWatcher

	mu     sync.Mutex
	hubs   map[like.Key]*hub
	shapes map[string]*likeShape

	qmu     sync.Mutex
	queue   []*hub
	workers int

	// yieldEvery is how many connections a fan-out writes between
	// letting joins and leaves take the hub's lock.
	yieldEvery int
	// step, when a test sets it, runs before each connection of a
	// fan-out, so that it can tell a hub a newer total in the middle of
	// one.
	step func(h *hub)
}

func newHubSet(w likeWatcher) *hubSet {
	return &hubSet{watcher: w, hubs: map[like.Key]*hub{}, shapes: map[string]*likeShape{}, yieldEvery: 256}
}

// hub is one session's subscribers on this transport.
type hub struct {
	set    *hubSet
	key    like.Key
	total  atomic.Int64 // latest total told by the broker; -1 until known
	closed atomic.Bool  // the broker closed: complete everyone
	queued atomic.Bool

	mu     sync.Mutex
	byConn map[*live.Conn][]*liveSub
	n      int
	stop   func()
	count  func(delta int)
}

// liveSub is one subscription served by a hub, on a WebSocket
// (livews.go) or an SSE stream (livesse.go).
type liveSub struct {
	conn    *live.Conn
	owner   subOwner
	shape   *likeShape
	framing framing
	suffix  []byte // WebSocket: `,"id":"…","type":"next"}`
	hub     *hub   // written under hubSet.mu and hub.mu; nil once it left
	sent    int64  // the total it has been sent; guarded by hub.mu
}

// subOwner is the protocol side of a hub's subscription.
type subOwner interface {
	// finishSub completes s, whose session's broker closed.
	finishSub(s *liveSub)
}

// framing is how an event is put on the wire.
type framing uint8

const (
	framingWebSocket  framing = iota // a text message: {"payload":…,"id":…,"type":"next"}
	framingSSEChunked                // an SSE event in an HTTP/1.1 chunk
	framingSSE                       // an SSE event, HTTP/1.0 (no chunks)
)

// appendEvent appends the message of one event to dst; payload is
// likeShape.payload's.
func (s *liveSub) appendEvent(dst, payload []byte) []byte {
	if s.framing == framingWebSocket {
		return live.AppendText(dst, payload, s.suffix)
	}
	// SSE carries the response alone: payload without {"payload":, as
	// gqlgen's SSE transport writes it.
	resp := payload[len(`{"payload":`):]
	return appendSSE(dst, s.framing == framingSSEChunked, "event: next\ndata: ", resp, "\n\n")
}

// told is the broker's watcher: it runs under the broker's lock, so it
// only records and queues.
func (h *hub) told(total int64, closed bool) {
	h.total.Store(total)
	if closed {
		h.closed.Store(true)
	}
	h.set.enqueue(h)
}

func (set *hubSet) join(edition string, sessionID int, s *liveSub) {
	k := like.Key{Edition: edition, SessionID: sessionID}
	set.mu.Lock()
	h := set.hubs[k]
	if h == nil {
		h = &hub{set: set, key: k, byConn: map[*live.Conn][]*liveSub{}}
		h.total.Store(-1)
		var start int64
		start, h.stop, h.count = set.watcher.Watch(k, h.told)
		h.total.CompareAndSwap(-1, start)
		set.hubs[k] = h
	}
	if shared, ok := set.shapes[s.shape.key]; ok {
		s.shape = shared
	} else if len(set.shapes) < maxShapes {
		set.shapes[s.shape.key] = s.shape
	}
	h.count(1) // before the starting event: a client that has it is counted
	h.mu.Lock()
	s.hub = h
	t := h.total.Load()
	s.sent = t
	if s.shape.total {
		// The starting event, before any increment can be sent.
		s.conn.Send(s.appendEvent(nil, s.shape.payload(k.SessionID, 0, t)))
	}
	h.byConn[s.conn] = append(h.byConn[s.conn], s)
	h.n++
	h.mu.Unlock()
	set.mu.Unlock()
	if h.closed.Load() {
		set.enqueue(h)
	}
}

// maxShapes bounds the shapes shared between subscriptions; clients
// choose them (aliases), so beyond this each keeps its own.
const maxShapes = 1000

// leave takes s out of its hub; false if it had left already.
func (set *hubSet) leave(s *liveSub) bool {
	set.mu.Lock()
	h := s.hub
	if h == nil {
		set.mu.Unlock()
		return false
	}
	h.mu.Lock()
	s.hub = nil // under both locks: either one reads it
	subs := h.byConn[s.conn]
	for i, x := range subs {
		if x == s {
			subs = append(subs[:i], subs[i+1:]...)
			h.n--
			break
		}
	}
	if len(subs) == 0 {
		delete(h.byConn, s.conn)
	} else {
		h.byConn[s.conn] = subs
	}
	empty := h.n == 0
	if empty && set.hubs[h.key] == h {
		delete(set.hubs, h.key)
	}
	h.mu.Unlock()
	set.mu.Unlock()
	h.count(-1)
	if empty {
		h.stop()
	}
	return true
}

// catchUp sends the subscriptions of one connection what they missed
// while it was backlogged: one event each, in one write per session.
func (set *hubSet) catchUp(subs []*liveSub) {
	byHub := map[*hub][]*liveSub{}
	set.mu.Lock()
	for _, s := range subs {
		if s.hub != nil {
			byHub[s.hub] = append(byHub[s.hub], s)
		}
	}
	set.mu.Unlock()
	var frames []byte
	for h, subs := range byHub {
		sent := 0
		frames = frames[:0]
		h.mu.Lock()
		t := h.total.Load()
		conn := subs[0].conn
		if !conn.Backlogged() {
			for _, s := range subs {
				if s.sent < t && s.hub == h {
					frames = s.appendEvent(frames, s.shape.payload(h.key.SessionID, t-s.sent, t))
					s.sent = t
					sent++
				}
			}
			conn.Send(frames)
		}
		h.mu.Unlock()
		if sent > 0 {
			set.watcher.EventsSent(sent)
		}
	}
}

func (set *hubSet) enqueue(h *hub) {
	if !h.queued.CompareAndSwap(false, true) {
		return
	}
	set.qmu.Lock()
	set.queue = append(set.queue, h)
	start := set.workers < runtime.GOMAXPROCS(0)
	if start {
		set.workers++
	}
	set.qmu.Unlock()
	if start {
		go set.work()
	}
}

func (set *hubSet) work() {
	var scratch []byte
	for {
		set.qmu.Lock()
		if len(set.queue) == 0 {
			set.queue = nil
			set.workers--
			set.qmu.Unlock()
			return
		}
		h := set.queue[0]
		set.queue[0] = nil
		set.queue = set.queue[1:]
		set.qmu.Unlock()
		scratch = set.fanOut(h, scratch[:0])
	}
}

// encoded is a payload encoded during one fan-out.
type encoded struct {
	shape *likeShape
	likes int64
	b     []byte
}

// fanOut brings every subscriber of h to its latest total.
func (set *hubSet) fanOut(h *hub, scratch []byte) []byte {
	h.queued.Store(false)
	closed := h.closed.Load()
	t := h.total.Load()
	var cache []encoded
	payload := func(s *liveSub) []byte {
		likes := t - s.sent
		for _, e := range cache {
			if e.shape == s.shape && e.likes == likes {
				return e.b
			}
		}
		b := s.shape.payload(h.key.SessionID, likes, t)
		cache = append(cache, encoded{s.shape, likes, b})
		return b
	}
	sent := 0
	var finished []*liveSub
	h.mu.Lock()
	i := 0
	for conn, subs := range h.byConn {
		// A pass over tens of thousands of connections takes as long as
		// the event interval. Joins and leaves of this session (and,
		// behind join's wait, of every session) should not wait for all
		// of it: let them in every so often. Go maps may be changed
		// between the steps of a range loop; a subscription that joins
		// now starts from the current total, one that left is skipped.
		if i++; i%set.yieldEvery == 0 {
			h.mu.Unlock()
			h.mu.Lock()
			subs = h.byConn[conn] // as leave left it
		}
		if set.step != nil {
			set.step(h)
		}
		if !closed && conn.Backlogged() {
			continue // caught up when its backlog is written
		}
		// A fan-out to many connections can take as long as the event
		// interval: the broker may have told a newer total since it
		// began. The connections not yet written get that one, so a like
		// waits for one pass over the subscribers, not for the rest of
		// this pass and then the whole next one. The hub is queued again
		// by then, and the next pass writes only the connections this
		// one wrote before the newer total.
		if nt := h.total.Load(); nt != t {
			t = nt
			cache = cache[:0]
		}
		scratch = scratch[:0]
		for _, s := range subs {
			if s.sent < t {
				scratch = s.appendEvent(scratch, payload(s))
				s.sent = t
				sent++
			}
		}
		if len(scratch) > 0 {
			conn.Send(scratch)
		}
		if closed {
			finished = append(finished, subs...)
		}
	}
	h.mu.Unlock()
	if sent > 0 {
		set.watcher.EventsSent(sent)
	}
	for _, s := range finished {
		if set.leave(s) {
			s.owner.finishSub(s)
		}
	}
	if cap(scratch) > 64<<10 {
		scratch = nil // a burst's buffer is not kept
	}
	return scratch
}

// likeShape is a likeAdded selection the hubs encode: the root field's
// alias and the LikeEvent fields in order, with their aliases.
type likeShape struct {
	key    string // identifies the shape, for sharing
	root   string
	fields []shapeField
	total  bool // selects total: starts with an event of the current total
}

type shapeField struct {
	alias string
	name  string // sessionId, likes, total or __typename
}

// payload is the start of a next message, as gqlgen encodes it:
// {"payload":{"data":{"likeAdded":{…}}} (the caller adds id and type).
func (sh *likeShape) payload(sessionID int, likes, total int64) []byte {
	b := make([]byte, 0, 64+16*len(sh.fields))
	b = append(b, `{"payload":{"data":{`...)
	b = strconv.AppendQuote(b, sh.root)
	b = append(b, `:{`...)
	for i, f := range sh.fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, f.alias)
		b = append(b, ':')
		switch f.name {
		case "sessionId":
			b = strconv.AppendInt(b, int64(sessionID), 10)
		case "likes":
			b = strconv.AppendInt(b, likes, 10)
		case "total":
			b = strconv.AppendInt(b, total, 10)
		case "__typename":
			b = append(b, `"LikeEvent"`...)
		}
	}
	return append(b, `}}}`...)
}

// likeAddedShape recognises a validated likeAdded subscription that the
// hubs can serve: exactly the fields gqlgen would resolve (through
// fragments, aliases, @skip and @include), all of them LikeEvent's
// scalars, and a sessionId the executor would accept.
func likeAddedShape(rc *graphql.OperationContext) (sessionID int, sh *likeShape, ok bool) {
	roots := graphql.CollectFields(rc, rc.Operation.SelectionSet, []string{"Subscription"})
	if len(roots) != 1 || roots[0].Name != "likeAdded" || roots[0].IsDeferred() {
		return 0, nil, false
	}
	root := roots[0]
	id, ok := intArg(root.ArgumentMap(rc.Variables)["sessionId"])
	if !ok {
		return 0, nil, false
	}
	sh = &likeShape{root: root.Alias}
	var key strings.Builder
	key.WriteString(root.Alias)
	for _, f := range graphql.CollectFields(rc, root.Selections, []string{"LikeEvent"}) {
		switch f.Name {
		case "sessionId", "likes", "total", "__typename":
		default:
			return 0, nil, false
		}
		if len(f.Selections) > 0 || f.IsDeferred() {
			return 0, nil, false
		}
		if f.Name == "total" {
			sh.total = true
		}
		sh.fields = append(sh.fields, shapeField{alias: f.Alias, name: f.Name})
		key.WriteString("," + f.Alias + ":" + f.Name)
	}
	if len(sh.fields) == 0 {
		return 0, nil, false
	}
	sh.key = key.String()
	return id, sh, true
}

// intArg is an Int argument's value as the executor coerced it, read as
// gqlgen's generated code reads an Int (UnmarshalInt: 32 bits, signed).
func intArg(v any) (int, bool) {
	n, err := UnmarshalInt(v)
	return n, err == nil
}

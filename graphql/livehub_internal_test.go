package graphql

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techconf/techconf/graphql/live"
	"github.com/techconf/techconf/like"
)

// TestFanOutTakesNewerTotal: when the broker tells a hub a newer total
// in the middle of a fan-out, the connections not yet written get the
// newer total at once, in one event; the ones written before get the
// difference in the next pass. Each subscriber still receives exactly
// every like, and a like waits for one pass over the subscribers, not
// for the rest of one and then all of the next.
func TestFanOutTakesNewerTotal(t *testing.T) {
	const n = 8
	w := &oneWatcher{}
	set := newHubSet(w)
	shape := &likeShape{key: "t", root: "likeAdded", fields: []shapeField{{"likes", "likes"}, {"total", "total"}}}
	var clients []*bufio.Reader
	for _, st := range hubStreams(t, n) {
		set.join("2018", 1, &liveSub{conn: st.conn, owner: nopOwner{}, shape: shape, framing: framingSSE})
		clients = append(clients, st.r)
	}

	// Halfway through the first pass, the broker has a newer total.
	var steps atomic.Int32
	set.step = func(h *hub) {
		if steps.Add(1) == n/2+1 {
			h.told(20, false)
		}
	}
	w.told(10, false)

	first, second := 0, 0
	for i, r := range clients {
		var events []string
		for len(events) == 0 || !strings.Contains(events[len(events)-1], `"total":20`) {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("client %d after %q: %v", i, events, err)
			}
			if d, ok := strings.CutPrefix(line, "data: "); ok {
				events = append(events, strings.TrimSpace(d))
			}
		}
		switch strings.Join(events, " ") {
		case `{"data":{"likeAdded":{"likes":10,"total":10}}} {"data":{"likeAdded":{"likes":10,"total":20}}}`:
			first++
		case `{"data":{"likeAdded":{"likes":20,"total":20}}}`:
			second++
		default:
			t.Errorf("client %d received %q", i, events)
		}
	}
	if first != n/2 || second != n/2 {
		t.Errorf("%d clients got both totals and %d only the newer one; want %d and %d", first, second, n/2, n/2)
	}
}

// TestJoinDuringFanOut: a subscriber joins while a pass over its
// session's connections is under way, and does not wait for the pass to
// end (at 19,000 connections a pass takes about the event interval).
func TestJoinDuringFanOut(t *testing.T) {
	const n = 8
	w := &oneWatcher{}
	set := newHubSet(w)
	set.yieldEvery = 2
	shape := &likeShape{key: "t", root: "likeAdded", fields: []shapeField{{"likes", "likes"}, {"total", "total"}}}
	streams := hubStreams(t, n+1)
	for _, st := range streams[:n] {
		set.join("2018", 1, &liveSub{conn: st.conn, owner: nopOwner{}, shape: shape, framing: framingSSE})
	}
	late := &liveSub{conn: streams[n].conn, owner: nopOwner{}, shape: shape, framing: framingSSE}
	joined := make(chan struct{})
	var steps atomic.Int32
	var joinedInPass atomic.Bool
	passDone := make(chan struct{})
	set.step = func(h *hub) {
		switch steps.Add(1) {
		case 1:
			go func() {
				set.join("2018", 1, late)
				close(joined)
			}()
			// Long enough for the joiner to wait on the hub's lock, so
			// that the lock goes to it at the next yield.
			time.Sleep(20 * time.Millisecond)
		case n: // the hook runs under the hub's lock
			joinedInPass.Store(len(h.byConn[late.conn]) > 0)
			close(passDone)
		default:
			// A slow pass: time for the joiner to wake at one yield and
			// wait again, so that sync.Mutex hands it the lock at the
			// next (its starvation mode, after 1 ms of waiting).
			time.Sleep(5 * time.Millisecond)
		}
	}
	w.told(10, false)
	<-passDone
	<-joined
	if !joinedInPass.Load() {
		t.Fatal("the join waited for the whole pass over the session's connections")
	}
}

// hubStream is the server side of an SSE stream, and its client's reader.
type hubStream struct {
	conn *live.Conn
	r    *bufio.Reader
}

// hubStreams opens n streams over loopback sockets, served by live.Hijack,
// for hubs to write to.
func hubStreams(t *testing.T, n int) []hubStream {
	t.Helper()
	conns := make(chan *live.Conn, n)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, err := live.Hijack(rw, live.Options{}, nopLiveHandler{})
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conns <- c
	}))
	t.Cleanup(srv.Close)
	var out []hubStream
	for i := 0; i < n; i++ {
		nc, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		if _, err := nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		c := <-conns
		t.Cleanup(func() { c.End(nil) })
		out = append(out, hubStream{conn: c, r: bufio.NewReader(nc)})
	}
	return out
}

// oneWatcher is the broker of one session, for hub tests.
type oneWatcher struct {
	told func(total int64, closed bool)
}

func (w *oneWatcher) Watch(k like.Key, f func(total int64, closed bool)) (int64, func(), func(int)) {
	w.told = f
	return 0, func() {}, func(int) {}
}

func (w *oneWatcher) EventsSent(int) {}

type nopLiveHandler struct{}

func (nopLiveHandler) Message(*live.Conn, []byte) {}
func (nopLiveHandler) ReadTimeout(*live.Conn)     {}
func (nopLiveHandler) Drained(*live.Conn)         {}
func (nopLiveHandler) Closed(*live.Conn)          {}

type nopOwner struct{}

func (nopOwner) finishSub(*liveSub) {}

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

	conns := make(chan *live.Conn, n)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		c, err := live.Hijack(rw, live.Options{}, nopLiveHandler{})
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		conns <- c
	}))
	defer srv.Close()

	shape := &likeShape{key: "t", root: "likeAdded", fields: []shapeField{{"likes", "likes"}, {"total", "total"}}}
	var clients []*bufio.Reader
	for i := 0; i < n; i++ {
		nc, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if _, err := nc.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
		clients = append(clients, bufio.NewReader(nc))
		c := <-conns
		defer c.End(nil)
		set.join("2018", 1, &liveSub{conn: c, owner: nopOwner{}, shape: shape, framing: framingSSE})
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

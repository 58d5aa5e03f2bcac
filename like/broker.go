package like

import (
	"context"
	"sync"
	"time"
)

// Broker keeps the live total of every session and fans increments out to
// subscribers.
//
// Each subscriber has a channel of capacity one. Delivering to it never
// blocks: if the subscriber has not taken its previous event yet, the new
// increment is merged into that event (its likes added, its total
// replaced). A slow subscriber therefore never holds up the others and
// never loses a like; it just receives fewer, larger events. This needs no
// goroutine per subscriber, which matters at ten thousand of them.
//
// With an interval, increments are gathered and fanned out at most once
// per interval per session, so that a busy session costs each subscriber a
// few events per second rather than one per commit.
type Broker struct {
	metrics  Metrics
	interval time.Duration

	mu      sync.Mutex
	closed  bool
	totals  map[Key]int64
	pending map[Key]int64 // increments not fanned out yet (with an interval)
	subs    map[Key]map[*subscriber]struct{}
	watches map[Key]map[*watch]struct{}
	watched int // subscribers counted by watchers (see Watch)
	stop    chan struct{}
	once    sync.Once
}

type subscriber struct {
	key Key
	ch  chan *Event // capacity 1; only the broker sends, under its lock
}

// NewBroker returns a broker that starts from the given totals and fans
// out every increment at once.
func NewBroker(totals map[Key]int64) *Broker {
	return NewBatchingBroker(totals, 0)
}

// NewBatchingBroker returns a broker that fans increments out at most once
// per interval for each session (0: at once).
func NewBatchingBroker(totals map[Key]int64, interval time.Duration) *Broker {
	b := &Broker{
		metrics: NopMetrics{}, interval: interval,
		totals: make(map[Key]int64, len(totals)), pending: map[Key]int64{},
		subs: map[Key]map[*subscriber]struct{}{}, watches: map[Key]map[*watch]struct{}{},
		stop: make(chan struct{}),
	}
	for k, v := range totals {
		b.totals[k] = v
	}
	if interval > 0 {
		go b.run()
	}
	return b
}

// Total returns the session's current total.
func (b *Broker) Total(k Key) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.totals[k]
}

// Publish adds n likes to the session's total and tells its subscribers,
// at once or at the next interval.
func (b *Broker) Publish(k Key, n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.totals[k] += n
	if b.interval > 0 {
		b.pending[k] += n
		return
	}
	b.fanOut(k, n)
}

func (b *Broker) run() {
	t := time.NewTicker(b.interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		b.mu.Lock()
		for k, n := range b.pending {
			b.fanOut(k, n)
			delete(b.pending, k)
		}
		b.mu.Unlock()
	}
}

// fanOut delivers an increment to the session's subscribers; b.mu is held.
func (b *Broker) fanOut(k Key, n int64) {
	total := int(b.totals[k])
	sent := 0
	for s := range b.subs[k] {
		if s.deliver(int(n), total) {
			sent++
		}
	}
	if sent > 0 {
		b.metrics.EventsSent(sent)
	}
	for w := range b.watches[k] {
		w.f(int64(total), false)
	}
}

// deliver puts an event in the subscriber's channel, merging it into the
// one waiting there if the subscriber has not taken it. It reports whether
// a new event was queued (rather than merged).
func (s *subscriber) deliver(likes, total int) bool {
	select {
	case ev := <-s.ch:
		ev.Likes += likes
		ev.Total = total
		s.ch <- ev // cannot block: the channel was just emptied and only we send
		return false
	default:
		s.ch <- &Event{SessionID: s.key.SessionID, Likes: likes, Total: total}
		return true
	}
}

// Subscribers returns how many subscriptions are open.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := b.watched
	for _, m := range b.subs {
		n += len(m)
	}
	return n
}

// Subscribe returns a channel of the session's events, closed when ctx is
// done or the broker closes. The first event has Likes 0 and the current
// total, so a subscriber knows where it starts from.
func (b *Broker) Subscribe(ctx context.Context, k Key) <-chan *Event {
	return b.subscribe(ctx, k, true)
}

// SubscribeChanges is Subscribe without the starting event: the first
// event comes with the first likes, as the 2018 API sent them to clients
// that do not ask for the total.
func (b *Broker) SubscribeChanges(ctx context.Context, k Key) <-chan *Event {
	return b.subscribe(ctx, k, false)
}

func (b *Broker) subscribe(ctx context.Context, k Key, start bool) <-chan *Event {
	s := &subscriber{key: k, ch: make(chan *Event, 1)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(s.ch)
		return s.ch
	}
	// The starting total leaves out increments not fanned out yet: they
	// will reach this subscriber as increments at the next interval.
	if start {
		s.ch <- &Event{SessionID: k.SessionID, Likes: 0, Total: int(b.totals[k] - b.pending[k])}
	}
	if b.subs[k] == nil {
		b.subs[k] = map[*subscriber]struct{}{}
	}
	b.subs[k][s] = struct{}{}
	context.AfterFunc(ctx, func() { b.unsubscribe(s) })
	return s.ch
}

func (b *Broker) unsubscribe(s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.subs[s.key][s]; !ok {
		return // already ended by Close
	}
	delete(b.subs[s.key], s)
	if len(b.subs[s.key]) == 0 {
		delete(b.subs, s.key)
	}
	close(s.ch)
}

// Close ends every subscription, so that long-lived requests (SSE,
// WebSockets) finish when the server shuts down. Pending increments are
// delivered first.
func (b *Broker) Close() {
	b.once.Do(func() {
		close(b.stop)
		b.mu.Lock()
		defer b.mu.Unlock()
		for k, n := range b.pending {
			b.fanOut(k, n)
			delete(b.pending, k)
		}
		b.closed = true
		for k, m := range b.watches {
			for w := range m {
				w.f(b.totals[k], true)
			}
			delete(b.watches, k)
		}
		for k, m := range b.subs {
			for s := range m {
				close(s.ch)
			}
			delete(b.subs, k)
		}
	})
}

// A watch is one Watch registration.
type watch struct {
	key Key
	f   func(total int64, closed bool)
}

// Watch is the fan-out for transports that deliver events themselves
// (graphql's WebSocket transport): rather than a channel per subscriber,
// one watcher per session is told every total the broker fans out, and
// computes each subscriber's increment as the difference from the total
// it last sent. That is exact for the same reason the channels are: the
// totals told are the ones fanned out, in order.
//
// f runs under the broker's lock and must not block or call the broker;
// it is called with closed set once, when the broker closes. Watch
// returns the total a new subscriber starts from (pending increments
// left out, as in Subscribe) and a stop function. count adjusts the
// number of subscribers the watcher serves, which Subscribers includes.
func (b *Broker) Watch(k Key, f func(total int64, closed bool)) (start int64, stop func(), count func(delta int)) {
	w := &watch{key: k, f: f}
	b.mu.Lock()
	defer b.mu.Unlock()
	start = b.totals[k] - b.pending[k]
	count = func(delta int) {
		b.mu.Lock()
		b.watched += delta
		b.mu.Unlock()
	}
	if b.closed {
		f(start, true) // as Subscribe's channel comes closed
		return start, func() {}, count
	}
	if b.watches[k] == nil {
		b.watches[k] = map[*watch]struct{}{}
	}
	b.watches[k][w] = struct{}{}
	stop = func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.watches[k], w)
		if len(b.watches[k]) == 0 {
			delete(b.watches, k)
		}
	}
	return start, stop, count
}

// EventsSent counts events a watcher delivered, for the metrics.
func (b *Broker) EventsSent(n int) { b.metrics.EventsSent(n) }

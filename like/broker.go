package like

import (
	"context"
	"sync"
)

// Broker keeps the live total of every session and fans increments out to
// subscribers. A subscriber that is slow to take its events never blocks
// Publish or the other subscribers: what it has not taken yet accumulates and
// arrives, coalesced, in its next event.
type Broker struct {
	metrics Metrics

	closed chan struct{} // closed by Close: every subscription ends
	once   sync.Once

	mu     sync.Mutex
	totals map[Key]int64
	subs   map[Key]map[*subscriber]struct{}
}

type subscriber struct {
	pending int64         // likes not yet delivered; guarded by Broker.mu
	total   int64         // the session's total after pending; guarded by Broker.mu
	wake    chan struct{} // capacity 1: "there is something pending"
}

// NewBroker returns a broker that starts from the given totals.
func NewBroker(totals map[Key]int64) *Broker {
	b := &Broker{metrics: NopMetrics{}, closed: make(chan struct{}), totals: make(map[Key]int64, len(totals)), subs: map[Key]map[*subscriber]struct{}{}}
	for k, v := range totals {
		b.totals[k] = v
	}
	return b
}

// Total returns the session's current total.
func (b *Broker) Total(k Key) int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.totals[k]
}

// Publish adds n likes to the session's total and tells its subscribers.
func (b *Broker) Publish(k Key, n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.totals[k] += n
	total := b.totals[k]
	for s := range b.subs[k] {
		s.pending += n
		s.total = total
		select {
		case s.wake <- struct{}{}:
		default: // already woken; the pending count carries the rest
		}
	}
}

// Subscribers returns how many subscriptions are open.
func (b *Broker) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, m := range b.subs {
		n += len(m)
	}
	return n
}

// Subscribe returns a channel of the session's events until ctx is done,
// when the channel is closed. The first event has Likes 0 and the current
// total, so a subscriber knows where it starts from.
func (b *Broker) Subscribe(ctx context.Context, k Key) <-chan *Event {
	s := &subscriber{wake: make(chan struct{}, 1)}
	b.mu.Lock()
	s.total = b.totals[k]
	s.wake <- struct{}{} // deliver the starting total at once
	if b.subs[k] == nil {
		b.subs[k] = map[*subscriber]struct{}{}
	}
	b.subs[k][s] = struct{}{}
	b.mu.Unlock()

	out := make(chan *Event)
	go func() {
		defer close(out)
		defer b.unsubscribe(k, s)
		for {
			select {
			case <-ctx.Done():
				return
			case <-b.closed:
				return
			case <-s.wake:
			}
			b.mu.Lock()
			ev := &Event{SessionID: k.SessionID, Likes: int(s.pending), Total: int(s.total)}
			s.pending = 0
			b.mu.Unlock()
			select {
			case out <- ev:
				b.metrics.EventsSent(1)
			case <-ctx.Done():
				return
			case <-b.closed:
				return
			}
		}
	}()
	return out
}

func (b *Broker) unsubscribe(k Key, s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.subs[k], s)
	if len(b.subs[k]) == 0 {
		delete(b.subs, k)
	}
}

// Close ends every subscription, so that long-lived requests (SSE,
// WebSockets) finish when the server shuts down.
func (b *Broker) Close() { b.once.Do(func() { close(b.closed) }) }

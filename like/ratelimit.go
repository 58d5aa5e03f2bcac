package like

import (
	"sync"
	"time"
)

// Default limits of one client address. A venue NAT puts a thousand
// attendees behind one address; during a keynote's best moment each may
// press the like button a couple of times a second, and the button sends
// at most MaxCount likes at once: 1,000 x 2 = 2,000 likes/s sustained, and
// a burst of 20 presses each (20,000) absorbed at once. One client that
// rotates its UUID gets no more than that whole venue.
const (
	DefaultAddrRate  = 2000
	DefaultAddrBurst = 20000
)

// RateLimiter limits the likes of each client UUID with a token bucket:
// Rate likes per second on average, in bursts of up to Burst. Buckets of
// idle clients are dropped, so memory follows the active clients only.
type RateLimiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu        sync.Mutex
	buckets   map[string]bucket // by value: no pointer per client for the GC to trace
	lastSweep time.Time
	// sweepEvery is how often buckets that have refilled are dropped: the
	// time an empty bucket takes to refill, at most a minute. A server
	// that meets a new UUID with every request (as at a conference, one
	// tap per attendee) then holds the clients of the last few seconds,
	// not of a minute.
	sweepEvery time.Duration
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewRateLimiter returns a limiter; a rate of zero or less disables it.
func NewRateLimiter(rate float64, burst int, now func() time.Time) *RateLimiter {
	if burst < MaxCount {
		burst = MaxCount // one request of the largest count must be possible
	}
	l := &RateLimiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]bucket{}, lastSweep: now(), sweepEvery: time.Minute}
	if rate > 0 {
		l.sweepEvery = min(l.sweepEvery, max(time.Second, time.Duration(float64(burst)/rate*float64(time.Second))))
	}
	return l
}

// Allow takes n tokens from the client's bucket and reports whether there
// were enough.
func (l *RateLimiter) Allow(client string, n int) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[client]
	if !ok {
		b = bucket{tokens: l.burst, last: now}
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
	}
	b.last = now
	allowed := b.tokens >= float64(n)
	if allowed {
		b.tokens -= float64(n)
	}
	l.buckets[client] = b
	return allowed
}

// sweep drops buckets that have refilled completely: they hold no state a
// new bucket would not.
func (l *RateLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.sweepEvery {
		return
	}
	l.lastSweep = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) > full {
			delete(l.buckets, k)
		}
	}
}

package like

import (
	"hash/maphash"
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

	// seed keys the buckets: a client is known by the 64-bit hash of its
	// UUID under a seed of this process, not by the UUID itself. A map
	// without pointers is not traced by the GC, and it does not keep every
	// UUID of the last seconds alive; with a new UUID per tap it holds
	// hundreds of thousands of them. Two clients share a bucket only if
	// their hashes collide, about one chance in 10^7 for a million
	// clients, and a client cannot aim for that without the seed.
	seed      maphash.Seed
	epoch     time.Time // bucket times count from it, on the monotonic clock when now is time.Now
	mu        sync.Mutex
	buckets   map[uint64]bucket // by value: no pointer per client for the GC to trace
	lastSweep time.Time
	// sweepEvery is how often buckets that have refilled are dropped: a
	// second. A bucket is dropped once it is full
	// again: a client that tapped once (one token of 500, at 50 a second)
	// is forgotten 20 ms later, so a server that meets a new UUID with
	// every request (as at a conference, one tap per attendee) holds the
	// clients of about the last second. In a map ten times that size (the
	// ten seconds an empty bucket takes) each look-up missed the CPU's
	// caches: half a microsecond of every createLike.
	sweepEvery time.Duration
}

type bucket struct {
	tokens float64
	last   time.Duration // since the limiter's epoch; a time.Time holds a pointer
}

// NewRateLimiter returns a limiter; a rate of zero or less disables it.
func NewRateLimiter(rate float64, burst int, now func() time.Time) *RateLimiter {
	if burst < MaxCount {
		burst = MaxCount // one request of the largest count must be possible
	}
	l := &RateLimiter{rate: rate, burst: float64(burst), now: now, seed: maphash.MakeSeed(), epoch: now(), buckets: map[uint64]bucket{}, lastSweep: now(), sweepEvery: time.Second}
	return l
}

// Allow takes n tokens from the client's bucket and reports whether there
// were enough.
func (l *RateLimiter) Allow(client string, n int) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	return l.allowAt(client, n, l.now())
}

// allowAt is Allow at a time the caller has read from the limiter's clock
// (a createLike reads it once for its limits and its likes).
func (l *RateLimiter) allowAt(client string, n int, now time.Time) bool {
	if l == nil || l.rate <= 0 {
		return true
	}
	key := maphash.String(l.seed, client)
	at := now.Sub(l.epoch)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = bucket{tokens: l.burst, last: at}
	}
	if elapsed := (at - b.last).Seconds(); elapsed > 0 {
		b.tokens = min(l.burst, b.tokens+elapsed*l.rate)
	}
	b.last = at
	allowed := b.tokens >= float64(n)
	if allowed {
		b.tokens -= float64(n)
	}
	l.buckets[key] = b
	return allowed
}

// sweep drops buckets that have refilled completely: they hold no state a
// new bucket would not.
func (l *RateLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.sweepEvery {
		return
	}
	l.lastSweep = now
	at := now.Sub(l.epoch)
	for k, b := range l.buckets {
		if b.tokens+(at-b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

package like_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/techconf/techconf/like"
)

// TestRateLimiterForgets: a limiter that meets a new client UUID with
// every request (one tap per attendee) holds the buckets of the last few
// refill times, not of every client it ever met, and a client that
// emptied its bucket is still limited after a sweep.
func TestRateLimiterForgets(t *testing.T) {
	now := time.Unix(0, 0)
	l := like.NewRateLimiter(10, 100, func() time.Time { return now }) // refills in 10 s
	if !l.Allow("greedy", 100) {
		t.Fatal("a full bucket refused 100")
	}
	for i := 0; i < 1000; i++ {
		now = now.Add(time.Millisecond)
		l.Allow(fmt.Sprint("tap-", i), 1)
	}
	now = now.Add(5 * time.Second)
	if l.Allow("greedy", 100) {
		t.Error("after 5 s at 10/s the greedy client got 100 more; want refused")
	}
	now = now.Add(20 * time.Second)
	l.Allow("last", 1)
	if n := l.Clients(); n > 2 {
		t.Errorf("after 25 s without their taps the limiter holds %d clients; want at most 2 (greedy and last)", n)
	}
}

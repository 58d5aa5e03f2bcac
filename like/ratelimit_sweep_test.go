package like_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/techconf/techconf/like"
)

// TestRateLimiterForgetsFullBuckets: a client that tapped once has its
// bucket full again within milliseconds, and the next sweep (a second on)
// drops it, while a client whose bucket is still refilling is kept and
// still limited.
func TestRateLimiterForgetsFullBuckets(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	l := like.NewRateLimiter(50, 500, func() time.Time { return now }) // an empty bucket refills in 10 s
	if !l.Allow("greedy", 500) {
		t.Fatal("a full bucket refused 500")
	}
	for i := 0; i < 1000; i++ {
		now = now.Add(time.Millisecond)
		if !l.Allow(fmt.Sprint("tap-", i), 1) {
			t.Fatalf("tap %d refused; want allowed", i)
		}
	}
	now = now.Add(1100 * time.Millisecond)
	l.Allow("last", 1)
	if n := l.Clients(); n != 2 {
		t.Errorf("1.1 s after 1,000 single taps the limiter holds %d clients; want 2 (greedy, refilling, and last)", n)
	}
	// greedy has 2.1 s x 50 = 105 tokens: not 200.
	if l.Allow("greedy", 200) {
		t.Error("greedy got 200 likes 2.1 s after emptying its bucket; want refused (105 tokens)")
	}
	if !l.Allow("greedy", 100) {
		t.Error("greedy was refused 100 likes 2.1 s after emptying its bucket; want allowed (105 tokens)")
	}
}

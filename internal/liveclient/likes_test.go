package liveclient_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/techconf/techconf/internal/liveclient"
	"github.com/techconf/techconf/internal/testserver"
)

// TestSubscribeLikes: in each protocol, against the real site, the first
// event carries the starting total, the next ones add up to the likes
// created, and a refused subscription is an error, not a silent wait.
func TestSubscribeLikes(t *testing.T) {
	site := testserver.Start(t, testserver.Config{})
	c := site.Client("2018")
	for i, proto := range []string{"graphql-transport-ws", "graphql-ws", "sse"} {
		t.Run(proto, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			l, err := liveclient.SubscribeLikes(ctx, c.Endpoint, proto, 5)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			first, err := l.Next()
			if err != nil || first.Likes != 0 {
				t.Fatalf("first event %+v, %v; want likes 0 and the starting total", first, err)
			}
			r := c.Do(t, `mutation($in: CreateLikeInput!) { createLike(input: $in) { count } }`,
				map[string]any{"in": map[string]any{"uuid": fmt.Sprintf("11111111-2222-4333-8444-55555555555%d", i), "sessionId": 5, "count": 3}})
			if len(r.Errors) > 0 {
				t.Fatalf("createLike: %s", r.Raw)
			}
			var sum int64
			last := first.Total
			for sum < 3 {
				ev, err := l.Next()
				if err != nil {
					t.Fatalf("after %d likes: %v", sum, err)
				}
				sum, last = sum+ev.Likes, ev.Total
			}
			if sum != 3 || last != first.Total+3 {
				t.Errorf("events brought %d likes to total %d; want 3 and %d", sum, last, first.Total+3)
			}

			bad, err := liveclient.SubscribeLikes(ctx, c.Endpoint, proto, 999999)
			if err == nil {
				defer bad.Close()
				_, err = bad.Next()
			}
			if err == nil {
				t.Errorf("a subscription to an unknown session gave an event; want an error")
			}
		})
	}
	if _, err := liveclient.SubscribeLikes(context.Background(), c.Endpoint, "carrier-pigeon", 5); err == nil {
		t.Error("an unknown protocol was accepted")
	}
}

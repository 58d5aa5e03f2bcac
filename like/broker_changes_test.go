package like_test

import (
	"context"
	"testing"

	"github.com/techconf/techconf/like"
)

// TestBrokerSubscribeChanges: without the starting event, the first event
// carries the first increment and the total after it, and increments that
// the subscriber has not taken yet merge into one event, never lost.
func TestBrokerSubscribeChanges(t *testing.T) {
	b := like.NewBroker(map[like.Key]int64{k5: 10})
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := b.SubscribeChanges(ctx, k5)
	select {
	case ev := <-ch:
		t.Fatalf("event %+v before any like; want none", ev)
	default:
	}
	b.Publish(k5, 2)
	b.Publish(k5, 3)
	ev := <-ch
	if ev.Likes != 5 || ev.Total != 15 {
		t.Errorf("first event likes %d, total %d; want 5 and 15", ev.Likes, ev.Total)
	}
}

package like_test

import (
	"testing"

	"github.com/techconf/techconf/like"
)

// TestBrokerWatch: a watcher is told every total fanned out, in order,
// starting from the total Subscribe would start from; it counts in
// Subscribers; it is told when the broker closes, and at once when it
// watches a closed broker.
func TestBrokerWatch(t *testing.T) {
	k := like.Key{Edition: "2018", SessionID: 5}
	b := like.NewBroker(map[like.Key]int64{k: 10})
	var told []int64
	closed := false
	start, stop, count := b.Watch(k, func(total int64, c bool) {
		told = append(told, total)
		closed = closed || c
	})
	if start != 10 {
		t.Fatalf("start = %d; want 10", start)
	}
	count(3)
	if got := b.Subscribers(); got != 3 {
		t.Errorf("Subscribers() = %d; want 3", got)
	}
	b.Publish(k, 2)
	b.Publish(like.Key{Edition: "2018", SessionID: 6}, 7) // another session: not told
	b.Publish(k, 5)
	if len(told) != 2 || told[0] != 12 || told[1] != 17 {
		t.Errorf("told %v; want [12 17]", told)
	}
	stop()
	b.Publish(k, 1)
	if len(told) != 2 {
		t.Errorf("told %v after stop; want nothing more", told)
	}
	count(-3)
	_, _, _ = b.Watch(k, func(total int64, c bool) { closed = closed || c })
	b.Close()
	if !closed {
		t.Error("the watcher was not told that the broker closed")
	}
	late := false
	b.Watch(k, func(_ int64, c bool) { late = c })
	if !late {
		t.Error("a watcher of a closed broker was not told at once")
	}
}

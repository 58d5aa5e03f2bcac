package like_test

import (
	"context"
	"testing"
	"time"

	"github.com/techconf/techconf/like"
)

// TestGroupCommitTarget: an eager buffer waits up to MinCommitGap for
// likes to join a write, but no longer than until as many requests are
// pending as its largest recent write carried. Clients that each wait for
// their commit before sending again (five here) are then committed as soon
// as all five are back, not a gap (here a minute) later; four of them are
// not enough.
func TestGroupCommitTarget(t *testing.T) {
	store := &faultyStore{LikeStore: mustOpenStore(t, "")}
	release := make(chan struct{})
	store.set(func(f *faultyStore) { f.block = release })
	buf := like.NewBuffer(store, like.BufferConfig{Eager: true, MinCommitGap: time.Minute, AttemptTimeout: time.Hour}, nil)
	t.Cleanup(func() { _ = buf.Close(context.Background()) })
	add := func() <-chan error {
		t.Helper()
		done, err := buf.Add([]like.Like{{ID: like.NewID(), Edition: "2018", SessionID: 5, UserUUID: "c", CreatedAt: time.Now(), ServerID: "a"}})
		if err != nil {
			t.Fatal(err)
		}
		return done
	}
	answered := func(done <-chan error, within time.Duration) bool {
		t.Helper()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("answer: %v; want nil", err)
			}
			return true
		case <-time.After(within):
			return false
		}
	}

	// A lone like is written at once (the write hangs until released);
	// five more gather meanwhile and make the next write, at once too.
	first := add()
	waitFor(t, func() bool { return store.writes.Load() == 1 })
	var five []<-chan error
	for range 5 {
		five = append(five, add())
	}
	store.set(func(f *faultyStore) { f.block = nil })
	close(release)
	if !answered(first, 10*time.Second) {
		t.Fatal("the lone like is not stored 10 s after the store answered")
	}
	for i, done := range five {
		if !answered(done, 10*time.Second) {
			t.Fatalf("like %d of the five is not stored 10 s after the store answered; the gap is a minute", i)
		}
	}

	// The five come back one by one: four wait for the fifth.
	var again []<-chan error
	for range 4 {
		again = append(again, add())
	}
	if answered(again[0], 300*time.Millisecond) {
		t.Fatal("four of five likes were written before the fifth came and before the gap; want a wait for the fifth")
	}
	again = append(again, add())
	for i, done := range again {
		if !answered(done, 10*time.Second) {
			t.Fatalf("like %d is not stored 10 s after the fifth came; the gap is a minute", i)
		}
	}
	if got := store.writes.Load(); got != 3 {
		t.Errorf("writes = %d; want 3 (one, five, five)", got)
	}
}

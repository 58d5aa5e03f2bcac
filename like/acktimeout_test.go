package like_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/like"
)

// TestDurableAckTimeout: while the store does not answer, durable
// createLikes (the one in the write that hangs and those queued behind it)
// answer UNAVAILABLE once the ack timeout has passed, from the buffer's
// one ticker, and their likes are stored once the store answers again. A
// like stored before the timeout is answered once, with success.
func TestDurableAckTimeout(t *testing.T) {
	store := &faultyStore{LikeStore: mustOpenStore(t, "")}
	cfg := fastConfig("a")
	cfg.AckTimeout = 200 * time.Millisecond
	cfg.Buffer.AttemptTimeout = time.Minute
	s := mustOpenService(t, store, cfg)
	ctx := context.Background()
	if _, err := s.Create(ctx, k5, "before", 1); err != nil {
		t.Fatalf("Create with the store up: %v; want success", err)
	}
	release := make(chan struct{})
	store.set(func(f *faultyStore) { f.block = release })
	const clients = 20
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Create(ctx, k5, "during", 2)
			errs <- err
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("durable createLikes still waiting 30 s after an ack timeout of 200 ms")
	}
	close(errs)
	for err := range errs {
		if techconf.ErrorCode(err) != techconf.EUNAVAILABLE {
			t.Errorf("Create while the store hangs: %v; want UNAVAILABLE", err)
		}
	}
	store.set(func(f *faultyStore) { f.block = nil })
	close(release)
	waitFor(t, func() bool {
		n, err := store.Count(ctx, k5)
		return err == nil && n == 1+2*clients
	})
	if got := s.Total(k5); got != 1+2*clients {
		t.Errorf("total after the store answered again = %d; want %d", got, 1+2*clients)
	}
}

// TestBufferAckTimeout: a waiter of Buffer.Add receives ErrAckTimeout
// once, and a later commit of its likes sends nothing more (its channel
// holds one answer).
func TestBufferAckTimeout(t *testing.T) {
	store := &faultyStore{LikeStore: mustOpenStore(t, "")}
	release := make(chan struct{})
	store.set(func(f *faultyStore) { f.block = release })
	buf := like.NewBuffer(store, like.BufferConfig{Eager: true, AckTimeout: 100 * time.Millisecond, AttemptTimeout: time.Minute}, nil)
	done, err := buf.Add([]like.Like{{ID: like.NewID(), Edition: "2018", SessionID: 5, UserUUID: "c", CreatedAt: time.Now(), ServerID: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, like.ErrAckTimeout) {
		t.Fatalf("answer while the store hangs: %v; want ErrAckTimeout", err)
	}
	close(release)
	if err := buf.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case err := <-done:
		t.Errorf("a second answer after the timeout: %v; want none", err)
	default:
	}
	if n, err := store.Count(context.Background(), k5); err != nil || n != 1 {
		t.Errorf("stored %d likes (%v) after the store answered; want 1", n, err)
	}
}

// deadlineOnly has a deadline that its Done channel does not keep, as
// graphql's fast path passes: the service must keep it itself.
type deadlineOnly struct {
	context.Context
	deadline time.Time
}

func (c deadlineOnly) Deadline() (time.Time, bool) { return c.deadline, true }

// TestDurableDeadline: a durable createLike whose context has a deadline
// sooner than the ack timeout answers context.DeadlineExceeded at that
// deadline, even when no timer of the context's own fires, and its like
// is still stored.
func TestDurableDeadline(t *testing.T) {
	store := &faultyStore{LikeStore: mustOpenStore(t, "")}
	cfg := fastConfig("a")
	cfg.AckTimeout = 800 * time.Millisecond
	cfg.Buffer.AttemptTimeout = time.Minute
	s := mustOpenService(t, store, cfg)
	release := make(chan struct{})
	store.set(func(f *faultyStore) { f.block = release })
	result := make(chan error, 1)
	go func() {
		ctx := deadlineOnly{Context: context.Background(), deadline: time.Now().Add(50 * time.Millisecond)}
		_, err := s.Create(ctx, k5, "c", 1)
		result <- err
	}()
	select {
	case err := <-result:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Create past its deadline: %v; want context.DeadlineExceeded", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Create still waiting 30 s after its deadline")
	}
	store.set(func(f *faultyStore) { f.block = nil })
	close(release)
	waitFor(t, func() bool {
		n, err := store.Count(context.Background(), k5)
		return err == nil && n == 1
	})
}

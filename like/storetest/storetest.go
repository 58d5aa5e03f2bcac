// Package storetest is the conformance suite every like.Store passes: the
// sqlite and spanner packages run it against a real database each.
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"
)

// Counter is what the suite needs beyond like.Store to check its work: the
// number of like rows stored for a session.
type Counter interface {
	like.Store
	Count(ctx context.Context, k like.Key) (int64, error)
}

// Run runs the suite. open returns a new, empty store for each test.
func Run(t *testing.T, open func(t *testing.T) Counter) {
	t.Run("EmptyTotals", func(t *testing.T) { testEmptyTotals(t, open(t)) })
	t.Run("WriteAndCount", func(t *testing.T) { testWriteAndCount(t, open(t)) })
	t.Run("RetryIsIdempotent", func(t *testing.T) { testRetryIsIdempotent(t, open(t)) })
	t.Run("ChangesExactlyOnce", func(t *testing.T) { testChangesExactlyOnce(t, open(t)) })
	t.Run("ConcurrentWriters", func(t *testing.T) { testConcurrentWriters(t, open(t)) })
	t.Run("MaxBatch", func(t *testing.T) { testMaxBatch(t, open(t)) })
	t.Run("PerMinute", func(t *testing.T) { testPerMinute(t, open(t)) })
	t.Run("RetriedRequestStoredOnce", func(t *testing.T) { testRetriedRequestStoredOnce(t, open(t)) })
	t.Run("DuplicateInOneBatch", func(t *testing.T) { testDuplicateInOneBatch(t, open(t)) })
	t.Run("ConcurrentRetries", func(t *testing.T) { testConcurrentRetries(t, open(t)) })
}

// testPerMinute: the history counts each like once, in the minute of its
// time, and nothing committed after the position.
func testPerMinute(t *testing.T, s Counter) {
	hs, ok := s.(like.HistoryStore)
	if !ok {
		t.Skip("this store keeps no per-minute history")
	}
	ctx := context.Background()
	m0 := time.Now().Truncate(time.Minute).Add(-10 * time.Minute)
	b := NewBatch(keyA, "s1", 4, m0) // 0, 0.3, 0.6, 0.9 s into the minute
	late := NewBatch(keyB, "s1", 3, m0.Add(time.Minute))
	if err := s.WriteBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	_, pos, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteBatch(ctx, late); err != nil {
		t.Fatal(err)
	}
	got, err := hs.PerMinute(ctx, pos, m0.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := map[int64]int64{m0.Unix() / 60: 4}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("PerMinute at the position = %v; want %v (the later batch not counted)", got, want)
	}
}

// NewBatch returns a batch of n likes of one session, made at now.
func NewBatch(k like.Key, server string, n int, now time.Time) like.Batch {
	b := like.Batch{ID: uuid.NewString()}
	for i := 0; i < n; i++ {
		b.Likes = append(b.Likes, like.Like{
			ID: uuid.NewString(), Edition: k.Edition, SessionID: k.SessionID,
			UserUUID: fmt.Sprintf("client-%d", i%7), CreatedAt: now.Add(time.Duration(i) * 300 * time.Millisecond), ServerID: server,
		})
	}
	return b
}

var (
	keyA = like.Key{Edition: "2018", SessionID: 5}
	keyB = like.Key{Edition: "2018", SessionID: 6}
	keyC = like.Key{Edition: "2017", SessionID: 5} // same id, other edition
)

func testEmptyTotals(t *testing.T, s Counter) {
	totals, _, err := s.Totals(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 0 {
		t.Errorf("Totals of an empty store = %v; want none", totals)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testWriteAndCount(t *testing.T, s Counter) {
	ctx := context.Background()
	now := time.Date(2018, 10, 6, 10, 0, 0, 0, time.UTC)
	for _, b := range []like.Batch{NewBatch(keyA, "s1", 10, now), NewBatch(keyB, "s1", 3, now), NewBatch(keyC, "s2", 4, now), NewBatch(keyA, "s2", 5, now)} {
		if err := s.WriteBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	totals, _, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[like.Key]int64{keyA: 15, keyB: 3, keyC: 4} {
		if totals[k] != want {
			t.Errorf("Totals[%v] = %d; want %d", k, totals[k], want)
		}
		rows, err := s.Count(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if rows != want {
			t.Errorf("stored rows of %v = %d; want %d", k, rows, want)
		}
	}
}

func testRetryIsIdempotent(t *testing.T, s Counter) {
	ctx := context.Background()
	b := NewBatch(keyA, "s1", 20, time.Now())
	for i := 0; i < 3; i++ {
		if err := s.WriteBatch(ctx, b); err != nil {
			t.Fatalf("write %d: %v", i+1, err)
		}
	}
	totals, _, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.Count(ctx, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if totals[keyA] != 20 || rows != 20 {
		t.Errorf("after writing one batch 3 times: total %d, rows %d; want 20 and 20", totals[keyA], rows)
	}
}

// testChangesExactlyOnce reads changes between writes and checks that
// totals at a position plus the changes after it equal the final totals.
func testChangesExactlyOnce(t *testing.T, s Counter) {
	ctx := context.Background()
	if err := s.WriteBatch(ctx, NewBatch(keyA, "s1", 4, time.Now())); err != nil {
		t.Fatal(err)
	}
	start, pos, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[like.Key]int64{}
	for k, v := range start {
		sum[k] = v
	}
	// A batch dated an hour ago (a skewed clock, a late flush) still counts.
	late := time.Now().Add(-time.Hour)
	for i, b := range []like.Batch{NewBatch(keyA, "s1", 2, time.Now()), NewBatch(keyB, "s2", 7, late), NewBatch(keyA, "s3", 1, time.Now().Add(time.Hour))} {
		if err := s.WriteBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			pos = readChanges(t, s, pos, sum)
		}
	}
	pos = readChanges(t, s, pos, sum)
	readChanges(t, s, pos, sum) // nothing new: adds nothing
	final, _, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []like.Key{keyA, keyB} {
		if sum[k] != final[k] {
			t.Errorf("start + changes for %v = %d; want the stored total %d", k, sum[k], final[k])
		}
	}
	if final[keyA] != 7 || final[keyB] != 7 {
		t.Errorf("final totals %v; want 7 and 7", final)
	}
}

func readChanges(t *testing.T, s like.Store, pos like.Position, sum map[like.Key]int64) like.Position {
	t.Helper()
	changes, next, err := s.Changes(context.Background(), pos)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range changes {
		sum[c.Key()] += c.Likes
	}
	return next
}

// testConcurrentWriters writes from several goroutines while an observer
// reads changes; the sum of what it read equals what was written.
func testConcurrentWriters(t *testing.T, s Counter) {
	ctx := context.Background()
	_, pos, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const writers, batches, per = 4, 5, 9
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < batches; i++ {
				if err := writeRetrying(ctx, s, NewBatch(keyA, fmt.Sprintf("s%d", w), per, time.Now())); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	sum := map[like.Key]int64{}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-time.After(5 * time.Millisecond):
		}
		pos = readChanges(t, s, pos, sum)
	}
	readChanges(t, s, pos, sum)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if want := int64(writers * batches * per); sum[keyA] != want {
		t.Errorf("observed %d likes; want %d", sum[keyA], want)
	}
}

// writeRetrying retries as the buffer does: some stores (the Spanner
// emulator) abort concurrent transactions.
func writeRetrying(ctx context.Context, s like.Store, b like.Batch) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = s.WriteBatch(ctx, b); err == nil {
			return nil
		}
		time.Sleep(time.Duration(i+1) * 20 * time.Millisecond)
	}
	return err
}

// testMaxBatch writes the largest batch the store allows in one go.
func testMaxBatch(t *testing.T, s Counter) {
	n := s.MaxBatchLikes()
	if n == 0 {
		n = 5000
	}
	ctx := context.Background()
	if err := s.WriteBatch(ctx, NewBatch(keyB, "s1", n, time.Now())); err != nil {
		t.Fatalf("writing a batch of %d likes: %v", n, err)
	}
	rows, err := s.Count(ctx, keyB)
	if err != nil {
		t.Fatal(err)
	}
	if rows != int64(n) {
		t.Errorf("stored %d rows; want %d", rows, n)
	}
}

// requestLikes returns the likes of one createLike with an idempotency key,
// as a server accepting it makes them.
func requestLikes(k like.Key, client, requestID, server string, n int, now time.Time) []like.Like {
	out := make([]like.Like, n)
	for i := range out {
		out[i] = like.Like{ID: like.LikeID(k.Edition, client, requestID, i), Edition: k.Edition, SessionID: k.SessionID,
			UserUUID: client, CreatedAt: now, ServerID: server}
	}
	return out
}

// checkExact checks that the rows stored, the totals, and the changes read
// from the start all say want for k.
func checkExact(t *testing.T, s Counter, k like.Key, from like.Position, want int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Count(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	totals, _, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := map[like.Key]int64{}
	readChanges(t, s, from, sum)
	if rows != want || totals[k] != want || sum[k] != want {
		t.Errorf("stored rows %d, total %d, changes %d; want %d each", rows, totals[k], sum[k], want)
	}
}

// testRetriedRequestStoredOnce: a request stored by one server and retried
// on another (its likes in a new batch, at another time, beside new likes)
// is stored and counted once; the new likes are counted.
func testRetriedRequestStoredOnce(t *testing.T, s Counter) {
	ctx := context.Background()
	_, from, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	first := like.Batch{ID: uuid.NewString(), Likes: requestLikes(keyA, "c1", "r1", "s1", 5, now)}
	if err := s.WriteBatch(ctx, first); err != nil {
		t.Fatal(err)
	}
	retry := like.Batch{ID: uuid.NewString(), Likes: append(requestLikes(keyA, "c1", "r1", "s2", 5, now.Add(3*time.Second)),
		requestLikes(keyA, "c2", "r1", "s2", 3, now.Add(3*time.Second))...)}
	for i := 0; i < 2; i++ { // the retried batch, itself written twice
		if err := s.WriteBatch(ctx, retry); err != nil {
			t.Fatal(err)
		}
	}
	onlyRetries := like.Batch{ID: uuid.NewString(), Likes: requestLikes(keyA, "c1", "r1", "s3", 5, now)}
	if err := s.WriteBatch(ctx, onlyRetries); err != nil {
		t.Fatal(err)
	}
	checkExact(t, s, keyA, from, 8)
}

// testDuplicateInOneBatch: a request retried on the same server before its
// first try was written puts the same likes twice in one batch.
func testDuplicateInOneBatch(t *testing.T, s Counter) {
	ctx := context.Background()
	_, from, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	likes := requestLikes(keyB, "c1", "r1", "s1", 4, now)
	b := like.Batch{ID: uuid.NewString(), Likes: append(append(likes, likes...), requestLikes(keyB, "c1", "r2", "s1", 1, now)...)}
	if err := s.WriteBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	checkExact(t, s, keyB, from, 5)
}

// testConcurrentRetries: several servers store the same request at the
// same time (a client that retried at once on each); it is stored once.
func testConcurrentRetries(t *testing.T, s Counter) {
	ctx := context.Background()
	_, from, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const writers, n = 4, 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			server := fmt.Sprintf("s%d", w)
			b := like.Batch{ID: uuid.NewString(), Likes: append(requestLikes(keyA, "c1", "same", server, n, time.Now()),
				requestLikes(keyA, "c1", "own-"+server, server, 1, time.Now())...)}
			if err := writeRetrying(ctx, s, b); err != nil {
				errs <- err
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	checkExact(t, s, keyA, from, n+writers)
}

package spanner_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techconf/techconf/internal/emulator"
	_ "github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/like/storetest"
	"github.com/techconf/techconf/spanner"
)

func TestMain(m *testing.M) {
	code := m.Run()
	emulator.Stop()
	os.Exit(code)
}

var dbSeq atomic.Int64

// MustOpenStore creates a new database on the emulator, applies the schema
// with `migrate --create`'s code, and opens a store on it.
func MustOpenStore(tb testing.TB) (*spanner.LikeStore, string) {
	tb.Helper()
	emulator.Host(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := fmt.Sprintf("projects/techconf-test/instances/test/databases/db%d-%d", os.Getpid()%10000, dbSeq.Add(1))
	if err := spanner.Migrate(ctx, db, true); err != nil {
		tb.Fatal(err)
	}
	s, err := spanner.Open(ctx, db)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s, db
}

func TestLikeStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Counter {
		s, _ := MustOpenStore(t)
		return s
	})
}

// TestMigrateIsIdempotent: running migrate on an up-to-date database
// changes nothing and does not fail.
func TestMigrateIsIdempotent(t *testing.T) {
	_, db := MustOpenStore(t)
	if err := spanner.Migrate(context.Background(), db, true); err != nil {
		t.Fatalf("second migrate: %v", err)
	}
}

// TestMutationLimit counts, as Spanner does, the mutations of the largest
// batch in the worst case (every like in its own second, so each needs its
// own summary row): they stay under the limit that the emulator does not
// enforce. A batch above the limit is refused before it reaches Spanner.
func TestMutationLimit(t *testing.T) {
	b := like.Batch{ID: "b"}
	t0 := time.Unix(1538787600, 0)
	for i := 0; i < spanner.MaxBatchLikes; i++ {
		b.Likes = append(b.Likes, like.Like{ID: fmt.Sprint(i), Edition: "2018", SessionID: 1 + i%30, ServerID: "s", CreatedAt: t0.Add(time.Duration(i) * time.Second)})
	}
	if got := len(b.Summaries()); got != spanner.MaxBatchLikes {
		t.Fatalf("worst-case batch has %d summaries; want one per like (%d)", got, spanner.MaxBatchLikes)
	}
	if n := spanner.MutationCount(b); n > spanner.MaxMutations {
		t.Errorf("worst-case batch of %d likes has %d mutations; the limit is %d", len(b.Likes), n, spanner.MaxMutations)
	}
	// 6 columns per like; 8 columns and a 8-column index entry per summary.
	if got, want := spanner.MutationCount(b), spanner.MaxBatchLikes*(6+8+8); got != want {
		t.Errorf("MutationCount = %d; want %d", got, want)
	}
	big := like.Batch{ID: "big", Likes: append(b.Likes, b.Likes...)}
	s := &spanner.LikeStore{}
	if err := s.WriteBatch(context.Background(), big); err == nil {
		t.Error("a batch over the mutation limit was not refused")
	}
}

// BenchmarkFlushEmulator measures one batch of 1,000 likes written to the
// Spanner emulator (which is slower than Spanner and serialises writes).
func BenchmarkFlushEmulator(b *testing.B) {
	s, _ := MustOpenStore(b)
	ctx := context.Background()
	k := like.Key{Edition: "2018", SessionID: 1}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := storetest.NewBatch(k, "bench", 1000, time.Now())
		b.StartTimer()
		if err := s.WriteBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "likes/s")
}

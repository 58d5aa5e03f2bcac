package like_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/like/storetest"
)

// BenchmarkCreateBuffered measures accepting a like into the buffer (the
// work of createLike in buffered mode, without HTTP).
func BenchmarkCreateBuffered(b *testing.B) {
	cfg := fastConfig("bench")
	cfg.Ack = like.AckBuffered
	cfg.Buffer.Capacity = 10_000_000
	s := mustOpenService(b, mustOpenStore(b, ""), cfg)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Create(ctx, k5, "bench-client", 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFlushSQLite measures writing one batch of 1,000 likes with its
// summaries to SQLite in one transaction.
func BenchmarkFlushSQLite(b *testing.B) {
	store := mustOpenStore(b, "")
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := storetest.NewBatch(k5, "bench", 1000, time.Now())
		b.StartTimer()
		if err := store.WriteBatch(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "likes/s")
}

// BenchmarkFanout10k measures one increment reaching 10,000 subscribers of
// one session: the timer stops when every subscriber has received every
// like.
func BenchmarkFanout10k(b *testing.B) {
	const subs = 10_000
	broker := like.NewBroker(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	want := int64(b.N)
	var wg sync.WaitGroup
	for i := 0; i < subs; i++ {
		ch := broker.Subscribe(ctx, k5)
		<-ch // the starting event
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got int64
			for ev := range ch {
				if got += int64(ev.Likes); got == want {
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		broker.Publish(k5, 1)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		b.Fatalf("not every subscriber received %d likes within a minute", want)
	}
}

package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/sqlite"
)

// BenchmarkWriteBatch measures the flusher's work per like on a database
// file (WAL, with the store's checkpoints, as the server runs it): batches
// of the size of a buffered flush (1,000 likes) and of a durable group
// commit (16), likes with a derived id (requests with a requestId, as the
// web page sends) and with a random one (no requestId). The database grows
// by every batch, as a server's does; cpu-µs/like is the process's CPU
// time (user and system) per like; compare runs of the same -benchtime
// (for example -benchtime 200x and 5000x: 200,000 and 80,000 likes).
func BenchmarkWriteBatch(b *testing.B) {
	for _, size := range []int{1000, 16} {
		for _, keyed := range []bool{true, false} {
			b.Run(fmt.Sprintf("likes=%d/keyed=%v", size, keyed), func(b *testing.B) {
				db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
				if err != nil {
					b.Fatal(err)
				}
				defer db.Close()
				store := sqlite.NewLikeStore(db)
				ctx := context.Background()
				b.ReportAllocs()
				var cpu time.Duration
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					batch := like.Batch{ID: uuid.NewString(), Likes: make([]like.Like, size)}
					now := time.Now()
					for j := range batch.Likes {
						client := uuid.NewString()
						id := uuid.NewString()
						if keyed {
							id = like.LikeID("2018", client, client, 0)
						}
						batch.Likes[j] = like.Like{ID: id, Edition: "2018", SessionID: 1 + j%4, UserUUID: client, CreatedAt: now, ServerID: "bench-server"}
					}
					b.StartTimer()
					c0 := processCPU()
					// A deadline per write, as like.Buffer gives each.
					wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
					if err := store.WriteBatch(wctx, batch); err != nil {
						b.Fatal(err)
					}
					cancel()
					store.AfterWrite(ctx)
					cpu += processCPU() - c0
				}
				// CPU time rather than elapsed time: on a shared machine it
				// says what a like costs, whatever else runs.
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*size)/1000, "cpu-µs/like")
			})
		}
	}
}

// processCPU returns the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

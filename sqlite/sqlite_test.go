package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/like/storetest"
	"github.com/techconf/techconf/sqlite"
)

// MustOpenDB opens a new SQLite file in the test's temporary folder.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestLikeStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Counter {
		return sqlite.NewLikeStore(MustOpenDB(t))
	})
}

// TestReopen checks that migrations apply once and data survives a restart.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	b := storetest.NewBatch(like.Key{Edition: "2018", SessionID: 1}, "s1", 3, time.Now())
	if err := sqlite.NewLikeStore(db).WriteBatch(ctx, b); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	totals, _, err := sqlite.NewLikeStore(db).Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(totals) != 1 {
		t.Errorf("totals after reopen = %v; want one session with 3", totals)
	}
	for _, n := range totals {
		if n != 3 {
			t.Errorf("total after reopen = %d; want 3", n)
		}
	}
}

// TestUpgradeKeepsLikes: a database made by the first schema (like ids as
// text, an index by session) is upgraded to compact ids with its likes
// intact, and a retry of a like stored before the upgrade is still
// recognised.
func TestUpgradeKeepsLikes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	ddl, err := os.ReadFile("migrations/001_likes.sql")
	if err != nil {
		t.Fatal(err)
	}
	k := like.Key{Edition: "2018", SessionID: 5}
	id := like.LikeID(k.Edition, "client", "burst-1", 0)
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)`, string(ddl),
		`INSERT INTO schema_migrations (name) VALUES ('migrations/001_likes.sql')`,
		`INSERT INTO likes VALUES ('` + id + `', '2018', 5, 'client', 0, 's1'), ('not-a-uuid', '2018', 5, 'client', 0, 's1')`,
		`INSERT INTO like_summaries (batch_id, edition, session_id, server_id, second, likes) VALUES ('b0', '2018', 5, 's1', 0, 2)`,
	} {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	old.Close()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	s := sqlite.NewLikeStore(db)
	if n, err := s.CountIDs(ctx, []string{id, "not-a-uuid"}); err != nil || n != 2 {
		t.Fatalf("after the upgrade, CountIDs of the two old likes = %d (%v); want 2", n, err)
	}
	retry := like.Batch{ID: "b1", Likes: []like.Like{{ID: id, Edition: "2018", SessionID: 5, UserUUID: "client", CreatedAt: time.Now(), ServerID: "s2"}}}
	if err := s.WriteBatch(ctx, retry); err != nil {
		t.Fatal(err)
	}
	totals, _, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := s.Count(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if totals[k] != 2 || rows != 2 {
		t.Errorf("after retrying an old like: total %d, rows %d; want 2 and 2", totals[k], rows)
	}
}

// TestWALBounded writes likes at random keys through the buffer, as the
// server does, and checks that the WAL stays small: SQLite's own
// checkpoint is off, and the store's, after each write, must let the next
// write start the WAL anew. Without it the WAL holds every page of every
// commit (here about 40 MB).
func TestWALBounded(t *testing.T) {
	defer sqlite.SetCheckpointLikes(100)()
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	store := sqlite.NewLikeStore(db)
	buf := like.NewBuffer(store, like.BufferConfig{Eager: true, MinCommitGap: time.Microsecond}, nil)
	defer buf.Close(context.Background())
	k := like.Key{Edition: "2018", SessionID: 5}
	maxWAL := int64(0)
	for i := 0; i < 200; i++ {
		done, err := buf.Add(storetest.NewBatch(k, "s", 50, time.Now()).Likes)
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path + "-wal"); err == nil {
			maxWAL = max(maxWAL, fi.Size())
		}
	}
	if n, err := store.Count(context.Background(), k); err != nil || n != 200*50 {
		t.Fatalf("stored %d likes (%v); want %d", n, err, 200*50)
	}
	if maxWAL == 0 || maxWAL > 2<<20 {
		t.Errorf("the WAL reached %d bytes; want it above 0 and within 2 MiB", maxWAL)
	}
}

package sqlite_test

import (
	"context"
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

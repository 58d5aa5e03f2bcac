package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/sqlite"
)

// TestKeyMoveIsAllOrNothing: a move of the key log into like_keys that
// meets a key already there (which WriteBatch never lets happen: here it
// is put there behind the store's back) changes neither table, and a
// retry of the logged request still stores nothing new.
func TestKeyMoveIsAllOrNothing(t *testing.T) {
	defer sqlite.SetMergeKeys(1)()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "move.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := sqlite.NewLikeStore(db)
	k := like.Key{Edition: "2018", SessionID: 3}
	batch := func() like.Batch {
		bt := like.Batch{ID: uuid.NewString()}
		for i := 0; i < 3; i++ {
			bt.Likes = append(bt.Likes, like.Like{ID: like.LikeID("2018", "c", "req", i), Edition: k.Edition, SessionID: k.SessionID,
				UserUUID: "c", CreatedAt: time.Now(), ServerID: "a"})
		}
		return bt
	}
	if err := s.WriteBatch(ctx, batch()); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.ExecContext(ctx, `INSERT INTO like_keys (like_id, like_row) SELECT like_id, like_row FROM like_keys_recent ORDER BY seq DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	s.AfterWrite(ctx) // the move fails and is logged
	if n, err := s.RecentKeys(ctx); err != nil || n != 3 {
		t.Errorf("after a failed move like_keys_recent holds %d keys (%v); want 3, as before it", n, err)
	}
	var moved int
	if err := raw.QueryRowContext(ctx, `SELECT count(*) FROM like_keys`).Scan(&moved); err != nil || moved != 1 {
		t.Errorf("after a failed move like_keys holds %d keys (%v); want 1, as before it", moved, err)
	}
	if err := s.WriteBatch(ctx, batch()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Count(ctx, k); err != nil || got != 3 {
		t.Errorf("after the retry %d likes are stored (%v); want 3", got, err)
	}
}

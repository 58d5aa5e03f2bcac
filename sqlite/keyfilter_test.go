package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/sqlite"
)

// TestKeysMovedUnseen: a server whose key filter was built stores a
// retried request once when another server on the same file logged the
// request's keys and moved them into like_keys between two of its
// writes, so that it never read them in the log.
func TestKeysMovedUnseen(t *testing.T) {
	defer sqlite.SetMergeKeys(1)()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() *sqlite.LikeStore {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return sqlite.NewLikeStore(db)
	}
	a, b := open(), open()
	k := like.Key{Edition: "2018", SessionID: 9}
	request := func(req, server string) like.Batch {
		bt := like.Batch{ID: uuid.NewString()}
		for i := 0; i < 3; i++ {
			bt.Likes = append(bt.Likes, like.Like{ID: like.LikeID("2018", "c", req, i), Edition: k.Edition, SessionID: k.SessionID,
				UserUUID: "c", CreatedAt: time.Now(), ServerID: server})
		}
		return bt
	}
	write := func(s *sqlite.LikeStore, bt like.Batch) {
		t.Helper()
		if err := s.WriteBatch(ctx, bt); err != nil {
			t.Fatal(err)
		}
	}
	write(b, request("r0", "b")) // b builds its filter
	write(a, request("r1", "a"))
	a.AfterWrite(ctx) // r0 and r1 move to like_keys before b reads r1
	write(b, request("r1", "b"))
	write(b, request("r0", "b"))
	write(b, request("r2", "b"))
	write(b, request("r2", "b"))
	if got, err := b.Count(ctx, k); err != nil || got != 9 {
		t.Errorf("stored %d likes (%v); want 9 (3 requests of 3, each stored once)", got, err)
	}
}

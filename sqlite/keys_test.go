package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/sqlite"
)

// TestKeysFindTheirLikes: every stored like is found by its id, through its
// key when it has one, after batches that hold the same ids twice, retried
// ids beside new ones (the slow path), and random ids; and each id is
// stored once. With moves, the keys of the first batch are moved from the
// recent keys into like_keys before the second batch retries them.
func TestKeysFindTheirLikes(t *testing.T) {
	t.Run("recent", func(t *testing.T) { testKeysFindTheirLikes(t, false) })
	t.Run("moved", func(t *testing.T) {
		defer sqlite.SetMergeKeys(1)()
		testKeysFindTheirLikes(t, true)
	})
}

func testKeysFindTheirLikes(t *testing.T, move bool) {
	ctx := context.Background()
	s := sqlite.NewLikeStore(MustOpenDB(t))
	k := like.Key{Edition: "2018", SessionID: 5}
	mk := func(id, server string) like.Like {
		return like.Like{ID: id, Edition: k.Edition, SessionID: k.SessionID, UserUUID: "c", CreatedAt: time.Now(), ServerID: server}
	}
	var first, second []like.Like
	for i := 0; i < 150; i++ {
		first = append(first, mk(like.LikeID("2018", "c", "r1", i), "s1"))
		second = append(second, mk(like.LikeID("2018", "c", "r2", i), "s2"))
	}
	for i := 0; i < 30; i++ {
		first = append(first, mk(like.NewID(), "s1"))
		second = append(second, mk(like.NewID(), "s2"))
	}
	// The first batch holds its keyed likes twice, the second repeats
	// every other like of the first (a retried request) beside new ones.
	batches := []like.Batch{
		{ID: uuid.NewString(), Likes: append(append([]like.Like{}, first...), first[:150]...)},
		{ID: uuid.NewString(), Likes: append(append([]like.Like{}, second...), first[:150]...)},
	}
	for i := 0; i < 150; i += 2 {
		batches[1].Likes = append(batches[1].Likes, mk(first[i].ID, "s3"))
	}
	for _, b := range batches {
		if err := s.WriteBatch(ctx, b); err != nil {
			t.Fatal(err)
		}
		if move {
			s.AfterWrite(ctx)
			if n, err := s.RecentKeys(ctx); err != nil || n != 0 {
				t.Fatalf("after AfterWrite, like_keys_recent holds %d keys (%v); want them moved", n, err)
			}
		}
	}
	for _, want := range append(first, second...) {
		got, ok, err := s.FindLike(ctx, want.ID)
		if err != nil || !ok {
			t.Fatalf("FindLike(%q) = %v, %v; want found", want.ID, ok, err)
		}
		if got.ServerID != want.ServerID {
			t.Errorf("FindLike(%q) found the like of %s; want the first stored, of %s", want.ID, got.ServerID, want.ServerID)
		}
	}
	rows, err := s.Count(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(len(first) + len(second)); rows != want {
		t.Errorf("rows = %d; want %d", rows, want)
	}
}

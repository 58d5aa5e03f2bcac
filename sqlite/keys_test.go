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

// TestKeysAcrossStores: two servers on one database file, each with its
// own copy of the key log, store a retried request's likes once, whether
// the other server logged the keys since its last write, or moved them
// to like_keys meanwhile, and a third server that starts after the move
// finds them too.
func TestKeysAcrossStores(t *testing.T) {
	defer sqlite.SetMergeKeys(1)()
	ctx := context.Background()
	f := newSharedFile(t, 7)
	open, request, write, k := f.open, f.request, f.write, f.k
	a, b := open(), open()
	write(b, request("r0", "b")) // b has read the log once
	write(a, request("r1", "a"))
	write(b, request("r1", "b")) // logged by a since b's last read
	a.AfterWrite(ctx)            // a moves r0 and r1 to like_keys
	if n, err := a.RecentKeys(ctx); err != nil || n != 0 {
		t.Fatalf("like_keys_recent holds %d keys (%v) after the move; want 0", n, err)
	}
	write(a, request("r2", "a"))
	write(b, request("r0", "b")) // moved since b read it
	write(b, request("r2", "b")) // logged after the move
	c := open()
	for _, req := range []string{"r0", "r1", "r2"} {
		write(c, request(req, "c"))
	}
	write(c, request("r3", "c"))
	got, err := c.Count(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if got != 12 {
		t.Errorf("stored %d likes; want 12 (4 requests of 3, each stored once)", got)
	}
	for _, req := range []string{"r0", "r1", "r2", "r3"} {
		want := map[string]string{"r0": "b", "r1": "a", "r2": "a", "r3": "c"}[req]
		l, ok, err := c.FindLike(ctx, like.LikeID("2018", "c", req, 0))
		if err != nil || !ok || l.ServerID != want {
			t.Errorf("like of %s: found %v (%v) from %q; want from %q", req, ok, err, l.ServerID, want)
		}
	}
}

// sharedFile is servers on one database file, each storing retries of
// requests of three likes to one session.
type sharedFile struct {
	t    *testing.T
	path string
	k    like.Key
}

func newSharedFile(t *testing.T, sessionID int) *sharedFile {
	return &sharedFile{t: t, path: filepath.Join(t.TempDir(), "shared.db"), k: like.Key{Edition: "2018", SessionID: sessionID}}
}

// open starts one more server's store on the file.
func (f *sharedFile) open() *sqlite.LikeStore {
	db, err := sqlite.Open(context.Background(), f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() { db.Close() })
	return sqlite.NewLikeStore(db)
}

// request is the batch of request req's three likes, as server stores
// them: the like ids are derived from req, so a retry has the same ones.
func (f *sharedFile) request(req, server string) like.Batch {
	bt := like.Batch{ID: uuid.NewString()}
	for i := 0; i < 3; i++ {
		bt.Likes = append(bt.Likes, like.Like{ID: like.LikeID("2018", "c", req, i), Edition: f.k.Edition, SessionID: f.k.SessionID,
			UserUUID: "c", CreatedAt: time.Now(), ServerID: server})
	}
	return bt
}

// write stores bt through s.
func (f *sharedFile) write(s *sqlite.LikeStore, bt like.Batch) {
	f.t.Helper()
	if err := s.WriteBatch(context.Background(), bt); err != nil {
		f.t.Fatal(err)
	}
}

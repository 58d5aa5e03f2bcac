package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/sqlite"
)

// TestUpgradeToAppendedLikes: a database of the compact schema (migration
// 002: likes keyed by their 16-byte id) is upgraded to appended likes and
// like keys. Every like is found again by its id with all its fields, the
// totals and per-session rows are unchanged, a retry of an old like that
// another request may carry (its id is no random UUID) stores nothing, and
// new likes are stored beside the old ones.
func TestUpgradeToAppendedLikes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TABLE schema_migrations (name TEXT PRIMARY KEY)`}
	for _, name := range []string{"migrations/001_likes.sql", "migrations/002_compact_likes.sql"} {
		ddl, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		stmts = append(stmts, strings.Split(string(ddl), ";")...)
		stmts = append(stmts, `INSERT INTO schema_migrations (name) VALUES ('`+name+`')`)
	}
	for _, stmt := range stmts {
		if _, err := old.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	// 300 likes of two sessions, in the old table's key order (random):
	// derived ids, random ids, and ids that are no UUIDs.
	a, b := like.Key{Edition: "2018", SessionID: 5}, like.Key{Edition: "2017", SessionID: 5}
	start := time.UnixMicro(time.Now().UnixMicro())
	var want []like.Like
	tx, err := old.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		k := a
		if i%3 == 0 {
			k = b
		}
		id := uuid.NewString()
		switch i % 5 {
		case 0, 1:
			id = like.LikeID(k.Edition, fmt.Sprint("client-", i%7), fmt.Sprint("burst-", i/10), i%10)
		case 2:
			id = fmt.Sprint("old-like-", i)
		}
		l := like.Like{ID: id, Edition: k.Edition, SessionID: k.SessionID, UserUUID: fmt.Sprint("client-", i%7),
			CreatedAt: start.Add(time.Duration(i) * time.Millisecond), ServerID: fmt.Sprint("s", i%2)}
		want = append(want, l)
		raw := []byte(id)
		if u, err := uuid.Parse(id); err == nil {
			raw = u[:]
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO likes (like_id, edition, session_id, user_uuid, created_at, server_id) VALUES (?, ?, ?, ?, ?, ?)`,
			raw, l.Edition, l.SessionID, l.UserUUID, l.CreatedAt.UnixMicro(), l.ServerID); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := old.ExecContext(ctx, `INSERT INTO like_summaries (batch_id, edition, session_id, server_id, second, likes) VALUES ('b0', '2018', 5, 's0', 0, 200), ('b0', '2017', 5, 's0', 0, 100)`); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	s := sqlite.NewLikeStore(db)
	for _, w := range want {
		got, ok, err := s.FindLike(ctx, w.ID)
		if err != nil || !ok {
			t.Fatalf("FindLike(%q) after the upgrade: found %v, %v; want the like", w.ID, ok, err)
		}
		if !got.CreatedAt.Equal(w.CreatedAt) || got.Edition != w.Edition || got.SessionID != w.SessionID || got.UserUUID != w.UserUUID || got.ServerID != w.ServerID {
			t.Errorf("FindLike(%q) = %+v; want %+v", w.ID, got, w)
		}
	}
	if _, ok, err := s.FindLike(ctx, uuid.NewString()); ok || err != nil {
		t.Errorf("FindLike(a new random id) = %v, %v; want not found", ok, err)
	}

	// Retries of old likes in a new batch, then new likes. A random id
	// comes from one request, in one batch: it is never retried elsewhere.
	retry := like.Batch{ID: uuid.NewString()}
	for i, w := range want {
		if i%4 == 0 && !like.RandomID(w.ID) {
			w.ServerID = "s9"
			retry.Likes = append(retry.Likes, w)
		}
	}
	fresh := like.Batch{ID: uuid.NewString(), Likes: []like.Like{
		{ID: like.NewID(), Edition: a.Edition, SessionID: a.SessionID, UserUUID: "new", CreatedAt: time.Now(), ServerID: "s9"},
		{ID: like.LikeID(a.Edition, "new", "burst", 0), Edition: a.Edition, SessionID: a.SessionID, UserUUID: "new", CreatedAt: time.Now(), ServerID: "s9"},
	}}
	for _, batch := range []like.Batch{retry, fresh} {
		if err := s.WriteBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	totals, _, err := s.Totals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range map[like.Key]int64{a: 202, b: 100} {
		rows, err := s.Count(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if totals[k] != n || rows != n {
			t.Errorf("%v after retrying old likes and adding 2 new ones: total %d, rows %d; want %d and %d", k, totals[k], rows, n, n)
		}
	}
	for _, l := range fresh.Likes {
		if _, ok, err := s.FindLike(ctx, l.ID); !ok || err != nil {
			t.Errorf("FindLike(new like %q) = %v, %v; want found", l.ID, ok, err)
		}
	}
}

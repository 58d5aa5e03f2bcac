// Package sqlite stores likes in an embedded SQLite file, the default for a
// laptop and for small conferences. It uses a pure-Go driver, so the binary
// stays static.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// DB is an open SQLite database with the schema applied.
type DB struct {
	db   *sql.DB
	path string
}

// Open opens (creating if needed) the SQLite file at path and applies any
// migration not applied yet. ":memory:" gives a private in-memory database.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("sqlite: empty path")
	}
	// temp_store(MEMORY): each INSERT ... ON CONFLICT keeps a statement
	// journal, which SQLite otherwise writes to a temporary file, a system
	// call per page.
	//
	// wal_autocheckpoint(0): SQLite would otherwise checkpoint inside the
	// commit that passes 1,000 pages in the WAL, which is the commit a
	// durable client waits for, and, with likes at random keys, nearly
	// every commit of a busy server. LikeStore.AfterWrite checkpoints
	// instead, after the acknowledgements.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(0)&_txlock=immediate"
	if path == ":memory:" {
		// One connection, or every connection would see its own empty database.
		dsn = "file::memory:?_pragma=foreign_keys(ON)"
	}
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if path == ":memory:" {
		sqldb.SetMaxOpenConns(1)
	}
	db := &DB{db: sqldb, path: path}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// migrate applies the embedded migrations in name order, each once, each in
// its own transaction together with its record in schema_migrations.
func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", name, err)
		}
	}
	return nil
}

func (db *DB) migrateFile(ctx context.Context, name string) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(migrationFS, name)
	if err != nil {
		return err
	}
	for _, stmt := range strings.Split(string(buf), ";") {
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (name) VALUES (?)`, name); err != nil {
		return err
	}
	return tx.Commit()
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// LikeStore keeps likes in SQLite.
type LikeStore struct {
	db *DB

	// Statements prepared once: parsing SQL was a fifth of the CPU of a
	// flush when every batch prepared its own.
	insertLikes map[int]*sql.Stmt // by rows per statement: insertSizes
	insertSum   *sql.Stmt
	changes     *sql.Stmt

	// plainInserts are the INSERTs without RETURNING (WriteBatch's usual
	// way), one for every row count from 1 to 100, each prepared at its
	// first use: a batch of n likes takes n/100 statements, rounded up,
	// where the sizes above took up to 8 more. A durable commit holds a
	// few dozen likes, and each statement cost as much as a dozen rows.
	plainMu      sync.Mutex
	plainInserts [maxInsertRows + 1]*sql.Stmt

	// The WAL checkpoint (AfterWrite): likes stored since the last one,
	// and when it was.
	cpMu    sync.Mutex
	cpLikes int
	cpLast  time.Time
}

// When AfterWrite checkpoints: once this many likes were stored since the
// last checkpoint, or a second has passed. A checkpoint copies each page
// once however many commits changed it, so checkpointing after several
// commits rather than after each (as SQLite's 1,000-page default does on a
// busy server) copies fewer pages per like. The WAL then holds at most
// about this many pages (4 KiB each) when the checkpoint can restart it.
var (
	checkpointLikes    = 8192
	checkpointInterval = time.Second
)

// walRestartFrames is the WAL size, in frames, past which a checkpoint
// that could not take every frame (another process's reader or writer was
// in the way) is followed by one that waits for them and makes the next
// write start the WAL from its beginning: the file does not grow without
// bound, at the price of one wait for the flusher.
var walRestartFrames = 4 * checkpointLikes

var _ like.Store = (*LikeStore)(nil)

// insertSizes are the rows per INSERT ... RETURNING statement, largest
// first, for the rare batch that holds a like stored before: it takes
// about n/100 + 8 statements, each prepared once.
var insertSizes = []int{100, 20, 5, 1}

// maxInsertRows is the most rows one INSERT of likes carries.
const maxInsertRows = 100

// insertLikesSQL is the INSERT of n likes, each stored once.
func insertLikesSQL(n int) string {
	row := "(?, ?, ?, ?, ?, ?)"
	return `INSERT INTO likes (like_id, edition, session_id, user_uuid, created_at, server_id) VALUES ` +
		row + strings.Repeat(", "+row, n-1) + ` ON CONFLICT (like_id) DO NOTHING`
}

// plainInsert returns the INSERT of n likes without RETURNING, prepared.
func (s *LikeStore) plainInsert(n int) (*sql.Stmt, error) {
	s.plainMu.Lock()
	defer s.plainMu.Unlock()
	if s.plainInserts[n] == nil {
		stmt, err := s.db.db.Prepare(insertLikesSQL(n))
		if err != nil {
			return nil, err
		}
		s.plainInserts[n] = stmt
	}
	return s.plainInserts[n], nil
}

// NewLikeStore returns a like store on db.
func NewLikeStore(db *DB) *LikeStore {
	s := &LikeStore{db: db}
	s.insertLikes = map[int]*sql.Stmt{}
	for _, n := range insertSizes {
		s.insertLikes[n] = db.mustPrepare(insertLikesSQL(n) + ` RETURNING like_id`)
	}
	s.insertSum = db.mustPrepare(`INSERT INTO like_summaries (batch_id, edition, session_id, server_id, second, likes) VALUES (?, ?, ?, ?, ?, ?)`)
	s.changes = db.mustPrepare(`SELECT seq, batch_id, edition, session_id, server_id, second, likes
		FROM like_summaries WHERE seq > ? ORDER BY seq LIMIT ?`)
	return s
}

// mustPrepare prepares a statement of this package's own; the schema is
// applied by Open, so a failure here is a bug, reported at first use.
func (db *DB) mustPrepare(query string) *sql.Stmt {
	stmt, err := db.db.Prepare(query)
	if err != nil {
		panic(fmt.Sprintf("sqlite: prepare %q: %v", query, err))
	}
	return stmt
}

// MaxBatchLikes is 0: SQLite has no limit of its own on a transaction.
func (s *LikeStore) MaxBatchLikes() int { return 0 }

// WriteBatch stores the batch's likes that are not stored yet, and the
// summaries of exactly those, in one transaction. It first inserts every
// like with ON CONFLICT DO NOTHING and counts the rows inserted: when all
// are new, as nearly always, the batch's summaries are written as they
// are. Otherwise (a retried write of this batch, a retried request stored
// by another server) it starts again and has each INSERT return the IDs
// it added (RETURNING), so that a like stored before is skipped and not
// counted, in the same snapshot that writes. Reading the returned rows
// was half of the inserts' cost, so only the rare batch pays for it.
func (s *LikeStore) WriteBatch(ctx context.Context, b like.Batch) error {
	allNew, err := s.writeBatch(ctx, b, nil)
	if err == nil && !allNew {
		_, err = s.writeBatch(ctx, b, make(map[string]bool, len(b.Likes)))
	}
	return err
}

// writeBatch is one try of WriteBatch. With added nil, it inserts without
// RETURNING and commits only if every like was new (allNew); with a map,
// it collects the added IDs into it and counts exactly those.
func (s *LikeStore) writeBatch(ctx context.Context, b like.Batch, added map[string]bool) (allNew bool, err error) {
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	likes := b.Likes
	args := make([]any, 0, 6*maxInsertRows)
	appendArgs := func(likes []like.Like) {
		args = args[:0]
		for _, l := range likes {
			args = append(args, idBytes(l.ID), l.Edition, l.SessionID, l.UserUUID, l.CreatedAt.UnixMicro(), l.ServerID)
		}
	}
	inserted := int64(0)
	for added == nil && len(likes) > 0 {
		n := min(len(likes), maxInsertRows)
		stmt, err := s.plainInsert(n)
		if err != nil {
			return false, fmt.Errorf("sqlite: prepare insert: %w", err)
		}
		appendArgs(likes[:n])
		res, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
		if err != nil {
			return false, fmt.Errorf("sqlite: insert likes: %w", err)
		}
		rows, err := res.RowsAffected()
		if err != nil {
			return false, fmt.Errorf("sqlite: insert likes: %w", err)
		}
		inserted += rows
		likes = likes[n:]
	}
	for _, size := range insertSizes {
		if added == nil || len(likes) < size {
			continue
		}
		stmt := tx.StmtContext(ctx, s.insertLikes[size])
		for len(likes) >= size {
			appendArgs(likes[:size])
			if err := collectIDs(ctx, stmt, args, added); err != nil {
				return false, fmt.Errorf("sqlite: insert likes: %w", err)
			}
			likes = likes[size:]
		}
	}
	fresh := b
	switch {
	case added == nil && inserted < int64(len(b.Likes)):
		return false, nil // some were stored before: again, with RETURNING
	case added != nil && len(added) == 0:
		return true, nil // all stored before: nothing to count
	case added != nil:
		fresh = b.Fresh(func(id string) bool { return added[string(idBytes(id))] })
	}
	sum := tx.StmtContext(ctx, s.insertSum)
	for _, sm := range fresh.Summaries() {
		if _, err := sum.ExecContext(ctx, sm.BatchID, sm.Edition, sm.SessionID, sm.ServerID, sm.Second, sm.Likes); err != nil {
			return false, fmt.Errorf("sqlite: insert summary: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: commit: %w", err)
	}
	s.cpMu.Lock()
	s.cpLikes += len(fresh.Likes)
	s.cpMu.Unlock()
	return true, nil
}

var _ like.Checkpointer = (*LikeStore)(nil)

// AfterWrite implements like.Checkpointer: it checkpoints the WAL when
// enough likes or time have gone by since the last checkpoint (see
// checkpointLikes). This process's flusher writes nothing meanwhile, so a
// checkpoint usually takes every frame, and the next write starts the WAL
// anew.
func (s *LikeStore) AfterWrite(ctx context.Context) {
	s.cpMu.Lock()
	defer s.cpMu.Unlock()
	if s.db.path == ":memory:" || s.cpLikes == 0 || s.cpLikes < checkpointLikes && time.Since(s.cpLast) < checkpointInterval {
		return
	}
	frames, done, err := s.db.checkpoint(ctx, "PASSIVE")
	if err == nil && done < frames && frames >= walRestartFrames {
		_, _, err = s.db.checkpoint(ctx, "RESTART")
	}
	if err != nil {
		slog.WarnContext(ctx, "sqlite: WAL checkpoint failed; the next write tries again", "err", err)
		return
	}
	s.cpLikes, s.cpLast = 0, time.Now()
}

// checkpoint runs a WAL checkpoint of the given mode and returns the
// frames in the WAL and those copied into the database.
func (db *DB) checkpoint(ctx context.Context, mode string) (frames, done int, err error) {
	var busy int
	err = db.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &done)
	return frames, done, err
}

// collectIDs runs an INSERT ... RETURNING like_id and adds the returned
// IDs (the rows it really inserted), as stored (idBytes), to added.
func collectIDs(ctx context.Context, stmt *sql.Stmt, args []any, added map[string]bool) error {
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return err
		}
		added[string(id)] = true
	}
	return rows.Err()
}

// idBytes is how a like id is stored: a UUID as its 16 bytes, anything
// else (ids are UUIDs, but the store does not insist) as its own bytes.
func idBytes(id string) []byte {
	if len(id) == 36 {
		if u, err := uuid.Parse(id); err == nil {
			return u[:]
		}
	}
	return []byte(id)
}

// Totals sums the summaries of every session, and returns the highest seq
// they include, from one statement and so from one snapshot.
func (s *LikeStore) Totals(ctx context.Context) (map[like.Key]int64, like.Position, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT edition, session_id, SUM(likes), (SELECT MAX(seq) FROM like_summaries)
		FROM like_summaries GROUP BY edition, session_id`)
	if err != nil {
		return nil, "", fmt.Errorf("sqlite: totals: %w", err)
	}
	defer rows.Close()
	out := map[like.Key]int64{}
	var maxSeq int64
	for rows.Next() {
		var k like.Key
		var n int64
		if err := rows.Scan(&k.Edition, &k.SessionID, &n, &maxSeq); err != nil {
			return nil, "", fmt.Errorf("sqlite: totals: %w", err)
		}
		out[k] = n
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("sqlite: totals: %w", err)
	}
	return out, like.Position(strconv.FormatInt(maxSeq, 10)), nil
}

// changesLimit bounds one read of the observer; the rest comes next poll.
const changesLimit = 10_000

// Changes returns the summaries with a seq above from, in seq order.
func (s *LikeStore) Changes(ctx context.Context, from like.Position) ([]like.Summary, like.Position, error) {
	seq, err := parsePosition(from)
	if err != nil {
		return nil, from, err
	}
	rows, err := s.changes.QueryContext(ctx, seq, changesLimit)
	if err != nil {
		return nil, from, fmt.Errorf("sqlite: changes: %w", err)
	}
	defer rows.Close()
	var out []like.Summary
	last := seq
	for rows.Next() {
		var sm like.Summary
		if err := rows.Scan(&last, &sm.BatchID, &sm.Edition, &sm.SessionID, &sm.ServerID, &sm.Second, &sm.Likes); err != nil {
			return nil, from, fmt.Errorf("sqlite: changes: %w", err)
		}
		out = append(out, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, from, fmt.Errorf("sqlite: changes: %w", err)
	}
	return out, like.Position(strconv.FormatInt(last, 10)), nil
}

func parsePosition(p like.Position) (int64, error) {
	if p == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(p), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("sqlite: malformed position %q", p)
	}
	return n, nil
}

var _ like.HistoryStore = (*LikeStore)(nil)

// PerMinute sums the summaries up to the position per minute since since.
func (s *LikeStore) PerMinute(ctx context.Context, at like.Position, since time.Time) (map[int64]int64, error) {
	seq, err := parsePosition(at)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT second / 60, SUM(likes) FROM like_summaries
		WHERE seq <= ? AND second >= ? GROUP BY second / 60`, seq, since.Unix())
	if err != nil {
		return nil, fmt.Errorf("sqlite: per minute: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var m, n int64
		if err := rows.Scan(&m, &n); err != nil {
			return nil, fmt.Errorf("sqlite: per minute: %w", err)
		}
		out[m] = n
	}
	return out, rows.Err()
}

// Count returns the number of stored like rows of one session.
func (s *LikeStore) Count(ctx context.Context, k like.Key) (int64, error) {
	var n int64
	err := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM likes WHERE edition = ? AND session_id = ?`, k.Edition, k.SessionID).Scan(&n)
	return n, err
}

// Ping reports whether the database answers.
func (s *LikeStore) Ping(ctx context.Context) error {
	var one int
	return s.db.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Package sqlite stores likes in an embedded SQLite file, the default for a
// laptop and for small conferences. It uses a pure-Go driver, so the binary
// stays static.
package sqlite

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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
	//
	// mmap_size(256 MiB): pages of the database file are read from a
	// mapping rather than by a pread each; a commit looks up each new
	// like key in like_keys, a page in a random place. (A file truncated
	// under the mapping would fault: nothing here truncates it.)
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(0)&_pragma=mmap_size(268435456)&_txlock=immediate"
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

	// Statements prepared once, each at its first use: parsing SQL was a
	// fifth of the CPU of a flush when every batch prepared its own.
	// Inserts come in every row count from 1 to maxInsertRows, so a batch
	// of n rows takes n/maxInsertRows statements, rounded up: a durable
	// commit holds a few dozen likes, and each statement costs as much as
	// a dozen rows.
	stmtMu      sync.Mutex
	likeInserts [maxInsertRows + 1]*sql.Stmt // likes, by rows
	keyInserts  [maxInsertRows + 1]*sql.Stmt // like_keys_recent, by rows
	keyLookups  [maxInsertRows + 1]*sql.Stmt // like_keys, by ids

	lastRow   *sql.Stmt
	insertSum *sql.Stmt
	changes   *sql.Stmt
	readLog   *sql.Stmt

	// The keys of the log like_keys_recent as far as seq recentSeq, and
	// perhaps some moved from it since (see readRecent); WriteBatch holds
	// keyMu.
	keyMu      sync.Mutex
	recent     *keySet
	recentSeq  int64
	dropRecent atomic.Bool // set by a move of the log's keys

	// filter holds every key of like_keys and like_keys_recent, as long
	// as the likes table's last like_row is filterRow: it is built at the
	// first write, and each commit of this store adds its keys and moves
	// filterRow on. Keys enter the tables only with likes (a move from
	// the log to like_keys adds none), so while no one else stores likes
	// the filter is whole. When another writer on the same file has
	// (like_row is not filterRow), it may have logged and moved keys this
	// store never read: the filter is dropped for good (filterOff) and
	// every key is looked up, as before there was one. So is it after a
	// commit that failed and yet was stored (its keys are not in the
	// filter, and like_row moved on).
	filter    *keyFilter
	filterRow int64
	filterOff bool

	// The WAL checkpoint (AfterWrite): likes stored since the last one,
	// and when it was; and keys inserted since their last move from
	// like_keys_recent to like_keys.
	cpMu    sync.Mutex
	cpLikes int
	cpLast  time.Time
	cpKeys  int
}

// mergeKeys is how many keys this process appends to the log
// like_keys_recent before AfterWrite moves the log's keys into like_keys:
// a move then dirties each page of like_keys at most once for this many
// keys, and the writer's copy of the log stays a few megabytes.
var mergeKeys = 32768

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

// maxInsertRows is the most rows one INSERT carries.
const maxInsertRows = 100

// insertLikesSQL is the INSERT of n likes, each at the like_row it is given.
func insertLikesSQL(n int) string {
	return `INSERT INTO likes (like_row, like_id, edition, session_id, user_uuid, created_at, server_id) VALUES ` +
		repeatRows("(?, ?, ?, ?, ?, ?, ?)", n)
}

// insertKeysSQL is the INSERT of n like keys at the end of the log
// like_keys_recent.
func insertKeysSQL(n int) string {
	return `INSERT INTO like_keys_recent (like_id, like_row) VALUES ` + repeatRows("(?, ?)", n)
}

// lookupKeysSQL returns those of n like ids that like_keys holds.
func lookupKeysSQL(n int) string {
	return `SELECT like_id FROM like_keys WHERE like_id IN (?` + strings.Repeat(", ?", n-1) + `)`
}

func repeatRows(row string, n int) string { return row + strings.Repeat(", "+row, n-1) }

// prepared returns (*cache)[n], preparing query(n) at its first use.
func (s *LikeStore) prepared(cache *[maxInsertRows + 1]*sql.Stmt, n int, query func(int) string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if cache[n] == nil {
		stmt, err := s.db.db.Prepare(query(n))
		if err != nil {
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		cache[n] = stmt
	}
	return cache[n], nil
}

// NewLikeStore returns a like store on db.
func NewLikeStore(db *DB) *LikeStore {
	s := &LikeStore{db: db}
	s.lastRow = db.mustPrepare(`SELECT coalesce(max(like_row), 0) FROM likes`)
	s.insertSum = db.mustPrepare(`INSERT INTO like_summaries (batch_id, edition, session_id, server_id, second, likes) VALUES (?, ?, ?, ?, ?, ?)`)
	s.changes = db.mustPrepare(`SELECT seq, batch_id, edition, session_id, server_id, second, likes
		FROM like_summaries WHERE seq > ? ORDER BY seq LIMIT ?`)
	s.readLog = db.mustPrepare(`SELECT seq, like_id FROM like_keys_recent WHERE seq > ? ORDER BY seq`)
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
// summaries of exactly those, in one transaction.
//
// Likes are appended to the likes table. Only those whose ID another batch
// may carry (not a like.RandomID: a retried request's) are looked up, and
// only they get a key. A key is first appended to like_keys_recent, a log
// in the order of commits, so that a commit's keys share a page or two
// whatever their values, and later moved to like_keys, by ID, in bulk
// (AfterWrite). A key is new when it is in neither: the log is read into
// memory (recent), each commit reading only the rows added since the last,
// and like_keys is looked up by ID, all in the write transaction, which
// holds SQLite's write lock, so that no other writer (another server on
// the same file) adds a key in between.
//
// A like with a random ID is in no batch but its own, so a rewrite of its
// batch (after a failure that left the commit in doubt) is the only way it
// can come again. The first of them in a batch gets a key too: if that key
// is stored, the batch was, and the rewrite changes nothing.
func (s *LikeStore) WriteBatch(ctx context.Context, b like.Batch) error {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	tx, err := s.db.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback()
	// The statements run without ctx's cancellation: for a context that
	// can end, the driver starts a goroutine per statement to interrupt
	// it, which cost more than a durable commit's inserts. They cannot
	// wait for anything (BEGIN IMMEDIATE took the write lock, and ctx
	// still ends the wait for it and the commit), and each takes
	// microseconds.
	ctx = context.WithoutCancel(ctx)
	// The i-th like of the batch gets like_row last+1+i, stored or not.
	var last int64
	if err := tx.StmtContext(ctx, s.lastRow).QueryRowContext(ctx).Scan(&last); err != nil {
		return fmt.Errorf("sqlite: last like row: %w", err)
	}
	if err := s.readRecent(ctx, tx); err != nil {
		return err
	}
	if !s.filterOff {
		switch {
		case s.filter == nil:
			if err := s.buildFilter(ctx, tx); err != nil {
				return err
			}
			s.filterRow = last
		case last != s.filterRow:
			s.filter, s.filterOff = nil, true
		}
	}
	// The ids as stored, side by side in one array: the sort below
	// compares each with a dozen others, and ids in allocations of their
	// own, scattered over the heap, made that a cache miss per comparison
	// (a microsecond of every like in the server's profile).
	ids := make([][]byte, len(b.Likes))
	idArray := make([]byte, 0, 16*len(b.Likes))
	random := make([]bool, len(b.Likes))
	keyed := make([]int, 0, len(b.Likes)) // indexes of the likes with a key
	marker := -1                          // the first like with a random ID, keyed too
	for i, l := range b.Likes {
		start := len(idArray)
		idArray = appendIDBytes(idArray, l.ID)
		ids[i], random[i] = idArray[start:len(idArray):len(idArray)], like.RandomID(l.ID)
		if random[i] && marker < 0 {
			marker, random[i] = i, false
		}
		if !random[i] {
			keyed = append(keyed, i)
		}
	}
	// Keys in their order in like_keys: each look-up then lands beside the
	// previous one. The same id twice keeps its batch order, so the like
	// stored is the first.
	slices.SortFunc(keyed, func(i, j int) int { return cmp.Or(bytes.Compare(ids[i], ids[j]), i-j) })
	// The keys to look up in like_keys: neither recent nor repeated, and
	// not certainly new (fresh: not in the filter).
	ask := make([]int, 0, len(keyed))
	var fresh []int
	for n, i := range keyed {
		if (n > 0 && bytes.Equal(ids[keyed[n-1]], ids[i])) || s.recent.has(ids[i]) {
			continue
		}
		if s.filter != nil && !s.filter.mayHold(ids[i]) {
			fresh = append(fresh, i)
			continue
		}
		ask = append(ask, i)
	}
	old := make(map[string]bool) // keys found in like_keys
	args := make([]any, 0, 7*maxInsertRows)
	for rest := ask; len(rest) > 0; {
		n := min(len(rest), maxInsertRows)
		stmt, err := s.prepared(&s.keyLookups, n, lookupKeysSQL)
		if err != nil {
			return err
		}
		args = args[:0]
		for _, i := range rest[:n] {
			args = append(args, ids[i])
		}
		if err := collectIDs(ctx, tx.StmtContext(ctx, stmt), args, old); err != nil {
			return fmt.Errorf("sqlite: look up like keys: %w", err)
		}
		rest = rest[n:]
	}
	// fresh and ask less old are the new keys; a like is stored if its key
	// is new or it has none (a random ID, when the marker is new).
	store := make([]bool, len(b.Likes))
	added := make([]int, 0, len(fresh)+len(ask))
	for _, i := range fresh {
		store[i] = true
		added = append(added, i)
	}
	for _, i := range ask {
		if !old[string(ids[i])] {
			store[i] = true
			added = append(added, i)
		}
	}
	if marker >= 0 && !store[marker] {
		return nil // the batch was written before: nothing to add
	}
	// logSeq is the log's last seq, which this transaction wrote: the
	// seq (rowid) of the last row of the last insert, which SQLite
	// reports with it, where a query of sqlite_sequence cost a statement
	// per commit.
	var logSeq int64
	for rest := added; len(rest) > 0; {
		n := min(len(rest), maxInsertRows)
		stmt, err := s.prepared(&s.keyInserts, n, insertKeysSQL)
		if err != nil {
			return err
		}
		args = args[:0]
		for _, i := range rest[:n] {
			args = append(args, ids[i], last+1+int64(i))
		}
		res, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
		if err != nil {
			return fmt.Errorf("sqlite: insert like keys: %w", err)
		}
		if logSeq, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("sqlite: like key log: %w", err)
		}
		rest = rest[n:]
	}
	// The likes, at their rows.
	rows := make([]int, 0, len(b.Likes))
	stored := make([]like.Like, 0, len(b.Likes))
	for i, l := range b.Likes {
		if store[i] || random[i] {
			rows = append(rows, i)
			stored = append(stored, l)
		}
	}
	for rest := rows; len(rest) > 0; {
		n := min(len(rest), maxInsertRows)
		stmt, err := s.prepared(&s.likeInserts, n, insertLikesSQL)
		if err != nil {
			return err
		}
		args = args[:0]
		for _, i := range rest[:n] {
			l := &b.Likes[i]
			args = append(args, last+1+int64(i), ids[i], l.Edition, l.SessionID, l.UserUUID, l.CreatedAt.UnixMicro(), l.ServerID)
		}
		if _, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("sqlite: insert likes: %w", err)
		}
		rest = rest[n:]
	}
	sum := tx.StmtContext(ctx, s.insertSum)
	for _, sm := range (like.Batch{ID: b.ID, Likes: stored}).Summaries() {
		if _, err := sum.ExecContext(ctx, sm.BatchID, sm.Edition, sm.SessionID, sm.ServerID, sm.Second, sm.Likes); err != nil {
			return fmt.Errorf("sqlite: insert summary: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	// This transaction's keys are in the log up to logSeq, and no other
	// writer's come between them and those read before (the write lock).
	for _, i := range added {
		s.recent.add(ids[i])
		if s.filter != nil {
			s.filter.add(ids[i])
		}
	}
	if logSeq > 0 {
		s.recentSeq = logSeq
	}
	if len(rows) > 0 {
		s.filterRow = last + 1 + int64(rows[len(rows)-1]) // rows ascend
	}
	s.cpMu.Lock()
	s.cpLikes += len(stored)
	s.cpKeys += len(added)
	s.cpMu.Unlock()
	return nil
}

// buildFilter makes s.filter of every key in like_keys and
// like_keys_recent, in transaction tx: once per process, at its first
// write, about a second per million keys.
func (s *LikeStore) buildFilter(ctx context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM like_keys) + (SELECT count(*) FROM like_keys_recent)`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: count like keys: %w", err)
	}
	f := newKeyFilter(max(2*n, 1<<20))
	for _, query := range []string{`SELECT like_id FROM like_keys`, `SELECT like_id FROM like_keys_recent`} {
		if err := func() error {
			rows, err := tx.QueryContext(ctx, query)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id sql.RawBytes // the filter keeps none of it
				if err := rows.Scan(&id); err != nil {
					return err
				}
				f.add(id)
			}
			return rows.Err()
		}(); err != nil {
			return fmt.Errorf("sqlite: read like keys: %w", err)
		}
	}
	s.filter = f
	return nil
}

// readRecent adds to s.recent the keys logged since it last read the log
// (by this process or another on the same file), in transaction tx. Keys
// moved from the log to like_keys may stay in s.recent, where they are as
// true (stored) as in the log; when it holds twice as many keys as a move
// takes, it starts again from the log as it is.
func (s *LikeStore) readRecent(ctx context.Context, tx *sql.Tx) error {
	if s.recent == nil || s.recent.len() > 2*mergeKeys || s.dropRecent.Swap(false) {
		s.recent, s.recentSeq = newKeySet(), 0
	}
	rows, err := tx.StmtContext(ctx, s.readLog).QueryContext(ctx, s.recentSeq)
	if err != nil {
		return fmt.Errorf("sqlite: read like key log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var seq int64
		var id sql.RawBytes // the set copies it
		if err := rows.Scan(&seq, &id); err != nil {
			return fmt.Errorf("sqlite: read like key log: %w", err)
		}
		s.recent.add(id)
		s.recentSeq = seq
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: read like key log: %w", err)
	}
	return nil
}

// mergeRecentKeys moves every key of the log like_keys_recent into
// like_keys, in key order, in one transaction: a key is in exactly one of
// them at any time, so the look-up of a retried request's keys finds it
// either way.
func (db *DB) mergeRecentKeys(ctx context.Context) error {
	tx, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// OR ROLLBACK: a key in both tables (which WriteBatch never lets
	// happen) undoes the whole move, where the default (ABORT) undoes the
	// statement alone, for which SQLite keeps a copy of every page of
	// like_keys it changes (the statement journal, in memory) and frees it
	// page by page at the end: half of the move's CPU.
	if _, err := tx.ExecContext(ctx, `INSERT OR ROLLBACK INTO like_keys (like_id, like_row) SELECT like_id, like_row FROM like_keys_recent ORDER BY like_id`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM like_keys_recent`); err != nil {
		return err
	}
	return tx.Commit()
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
	// Keys move before the checkpoint, which then copies the pages the
	// move wrote along with the rest.
	if s.cpKeys >= mergeKeys {
		if err := s.db.mergeRecentKeys(ctx); err != nil {
			slog.WarnContext(ctx, "sqlite: moving recent like keys failed; a later write tries again", "err", err)
		} else {
			s.cpKeys = 0
			s.dropRecent.Store(true) // the next write reads the log anew: it is short now
		}
	}
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

// collectIDs runs a query of like ids and adds the returned IDs, as
// stored (idBytes), to added.
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
func idBytes(id string) []byte { return appendIDBytes(nil, id) }

// appendIDBytes appends id as stored (idBytes) to b.
func appendIDBytes(b []byte, id string) []byte {
	if len(id) == 36 {
		if u, err := uuid.Parse(id); err == nil {
			return append(b, u[:]...)
		}
	}
	return append(b, id...)
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

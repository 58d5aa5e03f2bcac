// Package spanner stores likes in Cloud Spanner, for production: every
// server of every replica writes to one database, and each server's
// observer reads the others' likes in commit-timestamp order.
package spanner

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"time"

	sp "cloud.google.com/go/spanner"
	database "cloud.google.com/go/spanner/admin/database/apiv1"
	"cloud.google.com/go/spanner/admin/database/apiv1/databasepb"
	instance "cloud.google.com/go/spanner/admin/instance/apiv1"
	"cloud.google.com/go/spanner/admin/instance/apiv1/instancepb"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"

	"github.com/techconf/techconf/like"
)

//go:embed ddl/*.sql
var ddlFS embed.FS

// DDL returns the schema's statements, in order.
func DDL() []string {
	names, _ := fs.Glob(ddlFS, "ddl/*.sql")
	sort.Strings(names)
	var out []string
	for _, name := range names {
		buf, _ := fs.ReadFile(ddlFS, name)
		var lines []string
		for _, line := range strings.Split(string(buf), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "--") {
				lines = append(lines, line)
			}
		}
		for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";") {
			if stmt = strings.TrimSpace(stmt); stmt != "" {
				out = append(out, stmt)
			}
		}
	}
	return out
}

// Spanner's limit on the mutations of one commit, indexes included. The
// emulator does not enforce it, so the store counts for itself.
const MaxMutations = 80_000

// Mutations per row, as Spanner counts them: every column written, plus,
// for each secondary index, every column of the index entry (its key, the
// table's key and stored columns).
const (
	likeColumns           = 6
	summaryColumns        = 8
	summaryIndexColumns   = 2 + 5 + 1 // (Shard, CommittedAt) + the primary key + STORING (Likes)
	mutationsPerLike      = likeColumns
	mutationsPerSummary   = summaryColumns + summaryIndexColumns
	worstMutationsPerLike = mutationsPerLike + mutationsPerSummary // every like its own summary
)

// MaxBatchLikes is the largest batch that stays under MaxMutations even when
// every like needs a summary row of its own, with a margin of two
// mutations per like for what Spanner may count that we do not.
const MaxBatchLikes = MaxMutations / (worstMutationsPerLike + 2)

// MutationCount is the number of mutations WriteBatch commits for b.
func MutationCount(b like.Batch) int {
	return len(b.Likes)*mutationsPerLike + len(b.Summaries())*mutationsPerSummary
}

// shards spreads the commit-order index over this many key ranges.
const shards = 16

// shardList is every shard: the query names them, so that Spanner seeks
// to CommittedAt within each rather than scanning the whole index.
var shardList = func() []int64 {
	out := make([]int64, shards)
	for i := range out {
		out[i] = int64(i)
	}
	return out
}()

func shardOf(batchID string) int64 {
	h := fnv.New32a()
	h.Write([]byte(batchID))
	return int64(h.Sum32() % shards)
}

// LikeStore keeps likes in Cloud Spanner.
type LikeStore struct {
	client *sp.Client
}

var _ like.Store = (*LikeStore)(nil)

// Open connects to the database, a name of the form
// projects/P/instances/I/databases/D. With SPANNER_EMULATOR_HOST set, the
// client talks to the emulator without credentials.
func Open(ctx context.Context, db string) (*LikeStore, error) {
	if _, err := ParseDatabase(db); err != nil {
		return nil, err
	}
	client, err := sp.NewClientWithConfig(ctx, db, sp.ClientConfig{
		DisableNativeMetrics: true,
	},
		// After a network outage, reconnect within seconds: gRPC's default
		// backoff grows to two minutes, during which likes wait in the
		// buffer.
		option.WithGRPCDialOption(grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 250 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 3 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		})),
	)
	if err != nil {
		return nil, fmt.Errorf("spanner: connect to %s: %w", db, err)
	}
	return &LikeStore{client: client}, nil
}

// Close closes the connection.
func (s *LikeStore) Close() { s.client.Close() }

// MaxBatchLikes is the mutation limit expressed in likes.
func (s *LikeStore) MaxBatchLikes() int { return MaxBatchLikes }

// WriteBatch stores the batch's likes that are not stored yet, and the
// summaries of exactly those, in one read-write transaction. It first
// reads which of the batch's like IDs exist (a retried write of this batch,
// or a retried request that another server stored) and inserts only the
// others: an Insert of an existing key would fail the whole commit, and an
// InsertOrUpdate would count the like again in a summary. The read locks
// those keys, so two servers storing the same like concurrently cannot
// both see it as new: one of them is aborted and retried by the client.
func (s *LikeStore) WriteBatch(ctx context.Context, b like.Batch) error {
	if n := MutationCount(b); n > MaxMutations {
		return fmt.Errorf("spanner: batch of %d likes needs %d mutations; the limit is %d", len(b.Likes), n, MaxMutations)
	}
	keys := make([]sp.KeySet, 0, len(b.Likes))
	for _, l := range b.Likes {
		keys = append(keys, sp.Key{l.ID})
	}
	shard := shardOf(b.ID)
	_, err := s.client.ReadWriteTransaction(ctx, func(ctx context.Context, tx *sp.ReadWriteTransaction) error {
		stored := map[string]bool{}
		err := tx.Read(ctx, "Likes", sp.KeySets(keys...), []string{"LikeId"}).Do(func(r *sp.Row) error {
			var id string
			if err := r.Columns(&id); err != nil {
				return err
			}
			stored[id] = true
			return nil
		})
		if err != nil {
			return err
		}
		fresh := b.Fresh(func(id string) bool { return !stored[id] })
		if len(fresh.Likes) == 0 {
			return nil // all stored before: nothing to count
		}
		summaries := fresh.Summaries()
		ms := make([]*sp.Mutation, 0, len(fresh.Likes)+len(summaries))
		for _, l := range fresh.Likes {
			ms = append(ms, sp.Insert("Likes",
				[]string{"LikeId", "Edition", "SessionId", "UserUuid", "CreatedAt", "ServerId"},
				[]any{l.ID, l.Edition, int64(l.SessionID), l.UserUUID, l.CreatedAt, l.ServerID}))
		}
		for _, sm := range summaries {
			ms = append(ms, sp.Insert("LikeSummaries",
				[]string{"BatchId", "Edition", "SessionId", "ServerId", "Second", "Likes", "Shard", "CommittedAt"},
				[]any{sm.BatchID, sm.Edition, int64(sm.SessionID), sm.ServerID, sm.Second, sm.Likes, shard, sp.CommitTimestamp}))
		}
		return tx.BufferWrite(ms)
	})
	if err != nil {
		return fmt.Errorf("spanner: write batch %s: %w", b.ID, err)
	}
	return nil
}

// Totals sums every session's summaries in a strong read-only transaction
// and returns its read timestamp as the position.
func (s *LikeStore) Totals(ctx context.Context) (map[like.Key]int64, like.Position, error) {
	// One query, so a single-use read-only transaction: its strong read
	// timestamp is the position.
	tx := s.client.Single()
	defer tx.Close()
	out := map[like.Key]int64{}
	iter := tx.Query(ctx, sp.Statement{SQL: `SELECT Edition, SessionId, SUM(Likes) FROM LikeSummaries GROUP BY Edition, SessionId`})
	err := iter.Do(func(r *sp.Row) error {
		var edition string
		var session, n int64
		if err := r.Columns(&edition, &session, &n); err != nil {
			return err
		}
		out[like.Key{Edition: edition, SessionID: int(session)}] = n
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("spanner: totals: %w", err)
	}
	ts, err := tx.Timestamp()
	if err != nil {
		return nil, "", fmt.Errorf("spanner: totals: %w", err)
	}
	return out, position(ts), nil
}

// Changes reads, in one strong single-use read-only transaction, the summaries whose
// commit timestamp is after from; the transaction's read timestamp is the
// new position. Spanner gives every later commit a timestamp above it, so
// nothing is missed and nothing is read twice, whatever the servers' clocks.
func (s *LikeStore) Changes(ctx context.Context, from like.Position) ([]like.Summary, like.Position, error) {
	since, err := parsePosition(from)
	if err != nil {
		return nil, from, err
	}
	tx := s.client.Single()
	defer tx.Close()
	stmt := sp.Statement{
		SQL: `SELECT BatchId, Edition, SessionId, ServerId, Second, Likes
			FROM LikeSummaries@{FORCE_INDEX=LikeSummariesByCommit}
			WHERE Shard IN UNNEST(@shards) AND CommittedAt > @since`,
		Params: map[string]any{"shards": shardList, "since": since},
	}
	var out []like.Summary
	err = tx.Query(ctx, stmt).Do(func(r *sp.Row) error {
		var sm like.Summary
		var session int64
		if err := r.Columns(&sm.BatchID, &sm.Edition, &session, &sm.ServerID, &sm.Second, &sm.Likes); err != nil {
			return err
		}
		sm.SessionID = int(session)
		out = append(out, sm)
		return nil
	})
	if err != nil {
		return nil, from, fmt.Errorf("spanner: changes: %w", err)
	}
	ts, err := tx.Timestamp()
	if err != nil {
		return nil, from, fmt.Errorf("spanner: changes: %w", err)
	}
	return out, position(ts), nil
}

func position(t time.Time) like.Position { return like.Position(t.UTC().Format(time.RFC3339Nano)) }

func parsePosition(p like.Position) (time.Time, error) {
	if p == "" {
		return time.Unix(0, 0), nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(p))
	if err != nil {
		return time.Time{}, fmt.Errorf("spanner: malformed position %q", p)
	}
	return t, nil
}

var _ like.HistoryStore = (*LikeStore)(nil)

// PerMinute sums the summaries per minute since since, reading at the
// position's timestamp so that nothing after it is counted.
func (s *LikeStore) PerMinute(ctx context.Context, at like.Position, since time.Time) (map[int64]int64, error) {
	ts, err := parsePosition(at)
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	stmt := sp.Statement{
		SQL:    `SELECT DIV(Second, 60), SUM(Likes) FROM LikeSummaries WHERE Second >= @since GROUP BY DIV(Second, 60)`,
		Params: map[string]any{"since": since.Unix()},
	}
	tx := s.client.Single().WithTimestampBound(sp.ReadTimestamp(ts))
	defer tx.Close()
	err = tx.Query(ctx, stmt).Do(func(r *sp.Row) error {
		var m, n int64
		if err := r.Columns(&m, &n); err != nil {
			return err
		}
		out[m] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("spanner: per minute: %w", err)
	}
	return out, nil
}

// Count returns the number of stored like rows of one session.
func (s *LikeStore) Count(ctx context.Context, k like.Key) (int64, error) {
	var n int64
	stmt := sp.Statement{
		SQL:    `SELECT COUNT(*) FROM Likes WHERE Edition = @e AND SessionId = @s`,
		Params: map[string]any{"e": k.Edition, "s": int64(k.SessionID)},
	}
	err := s.client.Single().Query(ctx, stmt).Do(func(r *sp.Row) error { return r.Columns(&n) })
	return n, err
}

// Ping runs a trivial query.
func (s *LikeStore) Ping(ctx context.Context) error {
	return s.client.Single().Query(ctx, sp.Statement{SQL: "SELECT 1"}).Do(func(*sp.Row) error { return nil })
}

// Migrate applies the statements of DDL whose table or index the database
// lacks. With create, it first creates the instance (on the emulator) and
// the database if they do not exist.
func Migrate(ctx context.Context, db string, create bool) error {
	name, err := ParseDatabase(db)
	if err != nil {
		return err
	}
	project, inst := name.Project, name.Instance
	if create {
		if err := createInstance(ctx, project, inst); err != nil {
			return err
		}
	}
	admin, err := database.NewDatabaseAdminClient(ctx)
	if err != nil {
		return fmt.Errorf("spanner: admin client: %w", err)
	}
	defer admin.Close()
	existing, err := admin.GetDatabaseDdl(ctx, &databasepb.GetDatabaseDdlRequest{Database: db})
	if sp.ErrCode(err) == codes.NotFound && create {
		op, err := admin.CreateDatabase(ctx, &databasepb.CreateDatabaseRequest{
			Parent: name.instanceName(), CreateStatement: "CREATE DATABASE `" + name.ID + "`", ExtraStatements: DDL(),
		})
		if err != nil {
			return fmt.Errorf("spanner: create database: %w", err)
		}
		if _, err := op.Wait(ctx); err != nil {
			return fmt.Errorf("spanner: create database: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("spanner: read schema of %s: %w", db, err)
	}
	have := map[string]bool{}
	for _, stmt := range existing.Statements {
		have[objectName(stmt)] = true
	}
	var missing []string
	for _, stmt := range DDL() {
		if !have[objectName(stmt)] {
			missing = append(missing, stmt)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	op, err := admin.UpdateDatabaseDdl(ctx, &databasepb.UpdateDatabaseDdlRequest{Database: db, Statements: missing})
	if err != nil {
		return fmt.Errorf("spanner: update schema: %w", err)
	}
	if err := op.Wait(ctx); err != nil {
		return fmt.Errorf("spanner: update schema: %w", err)
	}
	return nil
}

var objectPattern = regexp.MustCompile(`(?i)^\s*CREATE\s+(?:UNIQUE\s+)?(?:NULL_FILTERED\s+)?(TABLE|INDEX)\s+` + "`?" + `(\w+)`)

// objectName is "TABLE Likes" for a CREATE TABLE statement.
func objectName(stmt string) string {
	m := objectPattern.FindStringSubmatch(stmt)
	if m == nil {
		return stmt
	}
	return strings.ToUpper(m[1]) + " " + m[2]
}

func createInstance(ctx context.Context, project, inst string) error {
	admin, err := instance.NewInstanceAdminClient(ctx)
	if err != nil {
		return fmt.Errorf("spanner: instance admin client: %w", err)
	}
	defer admin.Close()
	name := "projects/" + project + "/instances/" + inst
	if _, err := admin.GetInstance(ctx, &instancepb.GetInstanceRequest{Name: name}); err == nil {
		return nil
	} else if sp.ErrCode(err) != codes.NotFound {
		return fmt.Errorf("spanner: look up instance: %w", err)
	}
	op, err := admin.CreateInstance(ctx, &instancepb.CreateInstanceRequest{
		Parent:     "projects/" + project,
		InstanceId: inst,
		Instance: &instancepb.Instance{
			Config:      "projects/" + project + "/instanceConfigs/emulator-config",
			DisplayName: inst,
			NodeCount:   1,
		},
	})
	if err != nil {
		if sp.ErrCode(err) == codes.AlreadyExists {
			return nil
		}
		return fmt.Errorf("spanner: create instance: %w", err)
	}
	if _, err := op.Wait(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("spanner: create instance: %w", err)
	}
	return nil
}

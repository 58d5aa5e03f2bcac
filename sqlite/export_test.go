package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/techconf/techconf/like"
)

// SetCheckpointLikes sets how many stored likes make AfterWrite checkpoint
// (and the WAL size that makes it wait for a restart), and returns a
// function that puts the defaults back.
func SetCheckpointLikes(n int) (restore func()) {
	likes, frames := checkpointLikes, walRestartFrames
	checkpointLikes, walRestartFrames = n, 4*n
	return func() { checkpointLikes, walRestartFrames = likes, frames }
}

// SetMergeKeys sets how many inserted keys make AfterWrite move the recent
// keys into like_keys, and returns a function that puts the default back.
func SetMergeKeys(n int) (restore func()) {
	old := mergeKeys
	mergeKeys = n
	return func() { mergeKeys = old }
}

// RecentKeys returns how many keys like_keys_recent holds.
func (s *LikeStore) RecentKeys(ctx context.Context) (n int, err error) {
	err = s.db.db.QueryRowContext(ctx, `SELECT count(*) FROM like_keys_recent`).Scan(&n)
	return n, err
}

// CountIDs returns how many of the given like ids are stored, for checks
// that no acknowledged like was lost. It reads every stored id once: the
// likes table has no index by id.
func (s *LikeStore) CountIDs(ctx context.Context, ids []string) (int, error) {
	rows, err := s.db.db.QueryContext(ctx, `SELECT like_id FROM likes`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	stored := map[string]bool{}
	for rows.Next() {
		var id []byte
		if err := rows.Scan(&id); err != nil {
			return 0, err
		}
		stored[string(id)] = true
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if stored[string(idBytes(id))] {
			n++
		}
	}
	return n, nil
}

// FindLike returns the stored like with the given id, as an analysis
// would look one up: through like_keys when the like has a key (every
// like but those with random ids), else by reading the likes table.
func (s *LikeStore) FindLike(ctx context.Context, id string) (like.Like, bool, error) {
	const cols = `l.like_id, l.edition, l.session_id, l.user_uuid, l.created_at, l.server_id`
	row := s.db.db.QueryRowContext(ctx, `SELECT `+cols+` FROM like_keys_all k JOIN likes l ON l.like_row = k.like_row WHERE k.like_id = ?`, idBytes(id))
	l, err := scanLike(row, id)
	if errors.Is(err, sql.ErrNoRows) && like.RandomID(id) {
		l, err = scanLike(s.db.db.QueryRowContext(ctx, `SELECT `+cols+` FROM likes l WHERE l.like_id = ?`, idBytes(id)), id)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return like.Like{}, false, nil
	}
	return l, err == nil, err
}

func scanLike(row *sql.Row, id string) (like.Like, error) {
	var l like.Like
	var raw []byte
	var micros int64
	if err := row.Scan(&raw, &l.Edition, &l.SessionID, &l.UserUUID, &micros, &l.ServerID); err != nil {
		return l, err
	}
	if string(raw) != string(idBytes(id)) {
		return l, errors.New("sqlite: like_keys points at another like")
	}
	l.ID, l.CreatedAt = id, time.UnixMicro(micros)
	return l, nil
}

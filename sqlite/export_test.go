package sqlite

import (
	"context"
	"strings"
)

// SetCheckpointLikes sets how many stored likes make AfterWrite checkpoint
// (and the WAL size that makes it wait for a restart), and returns a
// function that puts the defaults back.
func SetCheckpointLikes(n int) (restore func()) {
	likes, frames := checkpointLikes, walRestartFrames
	checkpointLikes, walRestartFrames = n, 4*n
	return func() { checkpointLikes, walRestartFrames = likes, frames }
}

// CountIDs returns how many of the given like ids are stored, for checks
// that no acknowledged like was lost.
func (s *LikeStore) CountIDs(ctx context.Context, ids []string) (int, error) {
	n := 0
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = idBytes(id)
		}
		var c int
		q := `SELECT COUNT(*) FROM likes WHERE like_id IN (?` + strings.Repeat(",?", len(chunk)-1) + `)`
		if err := s.db.db.QueryRowContext(ctx, q, args...).Scan(&c); err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

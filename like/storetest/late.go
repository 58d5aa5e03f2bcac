package storetest

import (
	"context"
	"time"

	"github.com/techconf/techconf/like"
)

// Late returns s with every write held back delay before it starts, as on
// a server whose flushes run late (a long pause, a slow network): tests use
// it to prove that summaries committed late are still counted exactly once
// by every observer. A write whose context ends first fails, as a slow
// store's would.
func Late(s like.Store, delay time.Duration) like.Store {
	l := &lateStore{Store: s, delay: delay}
	if h, ok := s.(like.HistoryStore); ok {
		// Keep the history: a server that starts draws the recent past.
		return &lateHistoryStore{lateStore: l, history: h}
	}
	return l
}

type lateStore struct {
	like.Store
	delay time.Duration
}

func (s *lateStore) WriteBatch(ctx context.Context, b like.Batch) error {
	t := time.NewTimer(s.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.WriteBatch(ctx, b)
}

type lateHistoryStore struct {
	*lateStore
	history like.HistoryStore
}

func (s *lateHistoryStore) PerMinute(ctx context.Context, at like.Position, since time.Time) (map[int64]int64, error) {
	return s.history.PerMinute(ctx, at, since)
}

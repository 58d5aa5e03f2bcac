package like

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Service accepts likes, stores them and publishes them to subscribers.
type Service struct {
	store    Store
	broker   *Broker
	serverID string
	now      func() time.Time
}

// NewService loads the stored totals and returns a service that writes to
// store. now is the clock (time.Now in production, a fake in tests).
func NewService(ctx context.Context, store Store, serverID string, now func() time.Time) (*Service, error) {
	totals, err := store.Totals(ctx)
	if err != nil {
		return nil, fmt.Errorf("load like totals: %w", err)
	}
	return &Service{store: store, broker: NewBroker(totals), serverID: serverID, now: now}, nil
}

// Create stores count likes of one session by one client and returns them.
// The caller has checked that the session exists.
func (s *Service) Create(ctx context.Context, k Key, userUUID string, count int) ([]Like, error) {
	if err := ValidateRequest(userUUID, count); err != nil {
		return nil, err
	}
	now := s.now()
	likes := make([]Like, count)
	for i := range likes {
		likes[i] = Like{
			ID:        uuid.NewString(), // random, so no key starts with an ever-growing value
			Edition:   k.Edition,
			SessionID: k.SessionID,
			UserUUID:  userUUID,
			CreatedAt: now,
			ServerID:  s.serverID,
		}
	}
	if err := s.store.Add(ctx, likes); err != nil {
		return nil, err
	}
	s.broker.Publish(k, int64(count))
	return likes, nil
}

// Total returns the session's stored total.
func (s *Service) Total(k Key) int64 { return s.broker.Total(k) }

// Subscribe returns the session's live events until ctx is done.
func (s *Service) Subscribe(ctx context.Context, k Key) (<-chan *Event, error) {
	return s.broker.Subscribe(ctx, k), nil
}

// Subscribers returns how many subscriptions are open.
func (s *Service) Subscribers() int { return s.broker.Subscribers() }

// Ping reports whether the store answers.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

package like

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/techconf/techconf"
)

// Acknowledgement modes of createLike.
const (
	// AckBuffered answers as soon as the like is in the buffer. A crash
	// (kill -9) loses what the buffer held; SIGTERM loses nothing.
	AckBuffered = "buffered"
	// AckDurable answers once the like's batch has committed (group commit).
	AckDurable = "durable"
)

// Config sets up a Service. Zero values take defaults.
type Config struct {
	ServerID     string
	Now          func() time.Time // the clock of CreatedAt; default time.Now
	Ack          string           // AckBuffered or AckDurable; default AckDurable
	Buffer       BufferConfig
	PollInterval time.Duration // how often the observer reads new summaries; default 100 ms
	// EventInterval is the least time between two events of one session's
	// subscribers: increments in between are gathered into one event.
	// Default 0: at once. `techconf serve` sets 250 ms.
	EventInterval time.Duration
	RateLimit     float64 // likes per second per client UUID; 0 disables
	RateBurst     int     // bucket size of the rate limit
	// AddrRateLimit and AddrRateBurst limit the likes of one client
	// address (techconf.Client), whatever UUIDs it sends: a UUID is the
	// client's own choice. 0 disables.
	AddrRateLimit float64
	AddrRateBurst int
	// AckTimeout bounds how long a durable createLike waits for its
	// commit; then it answers UNAVAILABLE (the like stays in the buffer
	// and is still stored). Default 5 s.
	AckTimeout time.Duration
	Metrics    Metrics
	Logger     *slog.Logger
}

// Service accepts likes, stores them through the buffer, and serves the
// live totals that the observer keeps.
type Service struct {
	cfg      Config
	buffer   *Buffer
	observer *Observer
	broker   *Broker
	limiter  *RateLimiter
	addrs    *RateLimiter

	cancel  context.CancelFunc
	stopped sync.WaitGroup
}

// Open loads the stored totals and starts the flusher and the observer.
func Open(ctx context.Context, store Store, cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Ack == "" {
		cfg.Ack = AckDurable
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NopMetrics{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	observer, broker, err := NewObserver(ctx, store, ObserverConfig{
		Interval: cfg.PollInterval, EventInterval: cfg.EventInterval, Now: cfg.Now, Metrics: cfg.Metrics, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("load like totals: %w", err)
	}
	if cfg.AckTimeout <= 0 {
		cfg.AckTimeout = 5 * time.Second
	}
	s := &Service{cfg: cfg, observer: observer, broker: broker}
	cfg.Buffer.Eager = cfg.Ack == AckDurable
	if cfg.Ack == AckDurable {
		cfg.Buffer.AckTimeout = cfg.AckTimeout
	}
	// After each commit of its own, the observer reads the new summaries at
	// once, in its own goroutine: neither the acknowledgement nor the next
	// commit waits for that read. A reader that comes before it ends
	// catches up itself (Total), so a client reads its own likes.
	if cfg.Buffer.Metrics == nil {
		cfg.Buffer.Metrics = cfg.Metrics
	}
	if cfg.Buffer.Logger == nil {
		cfg.Buffer.Logger = cfg.Logger
	}
	s.buffer = NewBuffer(store, cfg.Buffer, observer.Committed)
	s.limiter = NewRateLimiter(cfg.RateLimit, cfg.RateBurst, cfg.Now)
	s.addrs = NewRateLimiter(cfg.AddrRateLimit, cfg.AddrRateBurst, cfg.Now)
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.stopped.Add(1)
	go func() {
		defer s.stopped.Done()
		observer.Run(runCtx)
	}()
	return s, nil
}

// Create accepts count likes of one session by one client, without an
// idempotency key: each call stores new likes.
func (s *Service) Create(ctx context.Context, k Key, userUUID string, count int) ([]Like, error) {
	return s.CreateOnce(ctx, k, userUUID, "", count)
}

// CreateOnce accepts count likes of one session by one client. With a
// requestID (the client's idempotency key), the likes' IDs derive from it,
// so a retry of the request, on this server or another, stores nothing new
// and returns the same likes: the stores keep like IDs for ever, so the
// window in which a retry is recognised has no end. The caller has checked
// that the session exists. In durable mode it returns once the likes are
// stored; in buffered mode once they are in the buffer.
func (s *Service) CreateOnce(ctx context.Context, k Key, userUUID, requestID string, count int) ([]Like, error) {
	if err := ValidateRequest(userUUID, requestID, count); err != nil {
		return nil, err
	}
	// One clock read for the limits and the likes: the limiters keep
	// time with the same clock (cfg.Now).
	now := s.cfg.Now()
	// The address first: a client rotating UUIDs is stopped there before
	// each new UUID makes a bucket of its own.
	if addr := techconf.Client(ctx); addr != "" && !s.addrs.allowAt(addr, count, now) {
		s.cfg.Metrics.Rejected("rate_limited", count)
		return nil, techconf.Errorf(techconf.ERATELIMITED, "too many likes from this network address; slow down and retry in a few seconds")
	}
	if !s.limiter.allowAt(userUUID, count, now) {
		s.cfg.Metrics.Rejected("rate_limited", count)
		return nil, techconf.Errorf(techconf.ERATELIMITED, "too many likes from this client; slow down and retry in a few seconds")
	}
	likes := make([]Like, count)
	for i := range likes {
		var id string
		if requestID != "" {
			id = LikeID(k.Edition, userUUID, requestID, i)
		} else {
			id = NewID()
		}
		likes[i] = Like{
			ID:        id,
			Edition:   k.Edition,
			SessionID: k.SessionID,
			UserUUID:  userUUID,
			CreatedAt: now,
			ServerID:  s.cfg.ServerID,
		}
	}
	if s.cfg.Ack != AckDurable {
		if err := s.buffer.AddNoWait(likes); err != nil {
			return nil, err
		}
		return likes, nil
	}
	var deadline time.Time
	if d, ok := ctx.Deadline(); ok {
		deadline = d
	}
	done, err := s.buffer.AddUntil(likes, deadline)
	if err != nil {
		return nil, err
	}
	// ctx's deadline is kept by the buffer's ticker (ErrDeadline), so
	// a caller may pass a deadline without a timer behind it (see
	// graphql's fast path); ctx.Done is for a client that goes away.
	select {
	case err := <-done:
		switch {
		case errors.Is(err, ErrDeadline):
			return nil, context.DeadlineExceeded
		case errors.Is(err, ErrAckTimeout):
			// The store is slow or failing. The client hears so in
			// bounded time; the like is held and stored once the store
			// recovers, so a retry may count it twice but nothing is
			// lost.
			return nil, techconf.Errorf(techconf.EUNAVAILABLE, "the like is not stored yet (the database is slow or failing); it is kept and stored when the database recovers")
		case err != nil:
			return nil, techconf.Errorf(techconf.EUNAVAILABLE, "the server stopped before the like was stored; retry")
		}
	case <-ctx.Done():
		// The client has gone; the like stays in the buffer and is stored.
		return nil, ctx.Err()
	}
	return likes, nil
}

// Total returns the session's stored total as of the observer's last read,
// which includes every commit of this server that came before the call: a
// durable client reads its own likes.
func (s *Service) Total(k Key) int64 {
	s.observer.CatchUp()
	return s.broker.Total(k)
}

// Subscribe returns the session's live events until ctx is done.
func (s *Service) Subscribe(ctx context.Context, k Key) (<-chan *Event, error) {
	return s.broker.Subscribe(ctx, k), nil
}

// SubscribeChanges is Subscribe without the starting event (see
// Broker.SubscribeChanges).
func (s *Service) SubscribeChanges(ctx context.Context, k Key) (<-chan *Event, error) {
	return s.broker.SubscribeChanges(ctx, k), nil
}

// Watch registers a watcher of the session's totals (see Broker.Watch).
func (s *Service) Watch(k Key, f func(total int64, closed bool)) (start int64, stop func(), count func(delta int)) {
	return s.broker.Watch(k, f)
}

// EventsSent counts events delivered by a watcher, for the metrics.
func (s *Service) EventsSent(n int) { s.broker.EventsSent(n) }

// PerMinute returns the likes per minute (of every session) observed by
// this server between from and to.
func (s *Service) PerMinute(from, to time.Time) []MinuteCount { return s.observer.PerMinute(from, to) }

// Subscribers returns how many subscriptions are open.
func (s *Service) Subscribers() int { return s.broker.Subscribers() }

// StoreFailingFor returns how long writes to the store have been failing
// without a success, or 0.
func (s *Service) StoreFailingFor() time.Duration { return s.buffer.FailingFor() }

// Close stops accepting likes, stores every held like (retrying until ctx
// is done), publishes what was stored, and stops the observer.
func (s *Service) Close(ctx context.Context) error {
	err := s.buffer.Close(ctx)
	if perr := s.observer.Poll(ctx); perr != nil && err == nil {
		s.cfg.Logger.Warn("like observer: last read failed", "err", perr)
	}
	s.broker.Close()
	s.cancel()
	s.stopped.Wait()
	return err
}

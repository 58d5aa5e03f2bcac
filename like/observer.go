package like

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Observer turns committed summaries into per-session increments, exactly
// once each, by reading them in the store's commit order from the position
// where the previous read ended. It does not look back over a window of
// time and does not read any server's clock, so a summary that commits late
// (a slow flush, a skewed clock) is counted when it commits.
type Observer struct {
	store    Store
	broker   *Broker
	interval time.Duration
	metrics  Metrics
	logger   *slog.Logger

	mu   sync.Mutex // serialises polls; guards pos
	pos  Position
	wake chan struct{}

	// committed counts this server's own commits (Committed); observed is
	// the count as of the start of the last successful poll, so a poll
	// has read every own commit up to observed.
	committed atomic.Int64
	observed  atomic.Int64

	minutesMu sync.Mutex
	minutes   map[int64]int64 // likes observed per minute (Unix minutes), of the last day
}

// MinuteCount is how many likes were made in one minute.
type MinuteCount struct {
	Minute time.Time
	Likes  int64
}

// keepMinutes is how much per-minute history an observer keeps.
const keepMinutes = 24 * 60

// PerMinute returns the likes observed per minute from from to to
// (inclusive, whole minutes), with zeros for quiet minutes. It covers what
// this server observed since it started, by the likes' own timestamps.
func (o *Observer) PerMinute(from, to time.Time) []MinuteCount {
	o.minutesMu.Lock()
	defer o.minutesMu.Unlock()
	var out []MinuteCount
	for m := from.Unix() / 60; m <= to.Unix()/60 && len(out) <= keepMinutes; m++ {
		out = append(out, MinuteCount{Minute: time.Unix(m*60, 0), Likes: o.minutes[m]})
	}
	return out
}

func (o *Observer) countMinutes(summaries []Summary) {
	o.minutesMu.Lock()
	defer o.minutesMu.Unlock()
	newest := int64(0)
	for _, s := range summaries {
		m := s.Second / 60
		o.minutes[m] += s.Likes
		newest = max(newest, m)
	}
	for m := range o.minutes {
		if m < newest-keepMinutes {
			delete(o.minutes, m)
		}
	}
}

// ObserverConfig is how an observer polls and whom it tells.
type ObserverConfig struct {
	Interval      time.Duration // how often it reads new summaries; default 100 ms
	EventInterval time.Duration // least time between two events of a session (NewBatchingBroker)
	// Now is the clock that places the last day of per-minute history;
	// default time.Now. The service passes its own, so tests control it.
	Now     func() time.Time
	Metrics Metrics
	Logger  *slog.Logger
}

// NewObserver loads the stored totals into broker's starting point and
// returns an observer that continues from there.
func NewObserver(ctx context.Context, store Store, cfg ObserverConfig) (*Observer, *Broker, error) {
	totals, pos, err := store.Totals(ctx)
	if err != nil {
		return nil, nil, err
	}
	interval, metrics, logger := cfg.Interval, cfg.Metrics, cfg.Logger
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	if metrics == nil {
		metrics = NopMetrics{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	broker := NewBatchingBroker(totals, cfg.EventInterval)
	broker.metrics = metrics
	o := &Observer{store: store, broker: broker, interval: interval, metrics: metrics, logger: logger,
		pos: pos, wake: make(chan struct{}, 1), minutes: map[int64]int64{}}
	if hs, ok := store.(HistoryStore); ok {
		// The per-minute history up to pos; later summaries arrive by Poll.
		history, err := hs.PerMinute(ctx, pos, now().Add(-keepMinutes*time.Minute))
		if err != nil {
			logger.Warn("like observer: no per-minute history", "err", err)
		}
		for m, n := range history {
			o.minutes[m] = n
		}
	}
	return o, broker, nil
}

// Committed records a commit of this server's own and asks for a poll. It
// does not block: the flusher calls it before acknowledging the commit.
func (o *Observer) Committed() {
	o.committed.Add(1)
	o.Wake()
}

// CatchUp polls now if some own commit recorded by Committed has not been
// read yet, so that what the caller reads next includes it. It costs one
// atomic load when nothing is pending, and one poll for all the callers
// waiting at the same time. When that poll fails (the store is down), the
// callers do not wait for another: they read what the observer has, and
// the observer's own ticks catch up.
func (o *Observer) CatchUp() {
	want := o.committed.Load()
	if o.observed.Load() >= want {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), catchUpTimeout)
	defer cancel()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.observed.Load() >= want {
		return // another caller's poll read it
	}
	if err := o.poll(ctx); err != nil {
		o.observed.Store(max(o.observed.Load(), want))
	}
}

// catchUpTimeout bounds the wait of a reader that catches up.
const catchUpTimeout = 500 * time.Millisecond

// Wake asks for a poll now (after this server's own flush) instead of at
// the next tick.
func (o *Observer) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// wakeGap is the least time between two polls that this server's own
// commits ask for (Wake). A busy durable server commits every few
// milliseconds, and a read of the summaries after each was 4 % of its
// CPU; events reach subscribers at most every 250 ms anyway
// (--like-event-interval), and a reader of totals catches up itself
// (CatchUp), so gathering the commits of 10 ms into one read costs
// nobody anything visible.
const wakeGap = 10 * time.Millisecond

// Run polls until ctx is done.
func (o *Observer) Run(ctx context.Context) {
	ticker := time.NewTicker(o.interval)
	defer ticker.Stop()
	gap := time.NewTimer(0)
	defer gap.Stop()
	for {
		woken := false
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-o.wake:
			woken = true
		}
		if err := o.Poll(ctx); err != nil && ctx.Err() == nil {
			o.logger.Warn("like observer: reading summaries failed; will retry", "err", err)
		}
		if woken {
			gap.Reset(wakeGap)
			select {
			case <-ctx.Done():
				return
			case <-gap.C:
			}
		}
	}
}

// Poll reads the summaries committed since the last poll and publishes
// them. On error nothing is published and the position stays, so the next
// poll reads the same summaries again.
func (o *Observer) Poll(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.poll(ctx)
}

func (o *Observer) poll(ctx context.Context) error {
	committed := o.committed.Load() // commits before the read are in it
	summaries, pos, err := o.store.Changes(ctx, o.pos)
	if err != nil {
		return err
	}
	var likes int64
	increments := map[Key]int64{}
	var order []Key
	for _, s := range summaries {
		k := s.Key()
		if _, ok := increments[k]; !ok {
			order = append(order, k)
		}
		increments[k] += s.Likes
		likes += s.Likes
	}
	for _, k := range order {
		o.broker.Publish(k, increments[k])
	}
	o.pos = pos
	o.observed.Store(max(o.observed.Load(), committed))
	if len(summaries) > 0 {
		o.countMinutes(summaries)
		o.metrics.Observed(len(summaries), likes)
	}
	return nil
}

package like

import (
	"context"
	"log/slog"
	"sync"
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
}

// NewObserver loads the stored totals into broker's starting point and
// returns an observer that continues from there.
func NewObserver(ctx context.Context, store Store, interval time.Duration, metrics Metrics, logger *slog.Logger) (*Observer, *Broker, error) {
	totals, pos, err := store.Totals(ctx)
	if err != nil {
		return nil, nil, err
	}
	if interval <= 0 {
		interval = 100 * time.Millisecond
	}
	if metrics == nil {
		metrics = NopMetrics{}
	}
	if logger == nil {
		logger = slog.Default()
	}
	broker := NewBroker(totals)
	broker.metrics = metrics
	return &Observer{store: store, broker: broker, interval: interval, metrics: metrics, logger: logger,
		pos: pos, wake: make(chan struct{}, 1)}, broker, nil
}

// Wake asks for a poll now (after this server's own flush) instead of at
// the next tick.
func (o *Observer) Wake() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run polls until ctx is done.
func (o *Observer) Run(ctx context.Context) {
	ticker := time.NewTicker(o.interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-o.wake:
		}
		if err := o.Poll(ctx); err != nil && ctx.Err() == nil {
			o.logger.Warn("like observer: reading summaries failed; will retry", "err", err)
		}
	}
}

// Poll reads the summaries committed since the last poll and publishes
// them. On error nothing is published and the position stays, so the next
// poll reads the same summaries again.
func (o *Observer) Poll(ctx context.Context) error {
	o.mu.Lock()
	defer o.mu.Unlock()
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
	if len(summaries) > 0 {
		o.metrics.Observed(len(summaries), likes)
	}
	return nil
}

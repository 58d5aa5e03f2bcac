package like

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf"
)

// BufferConfig sets the limits and timing of a Buffer. Zero values take the
// defaults given beside each field.
type BufferConfig struct {
	Capacity       int           // most likes held and not yet stored; default 100,000
	BatchSize      int           // most likes in one batch, and a batch this big is flushed at once; default 5,000
	FlushInterval  time.Duration // how often pending likes are flushed; default 100 ms
	AttemptTimeout time.Duration // each write attempt's deadline; default 10 s
	MinBackoff     time.Duration // first wait after a failed write; default 100 ms
	MaxBackoff     time.Duration // longest wait between attempts; default 5 s
	// Eager writes as soon as likes are pending and no write is in progress
	// (group commit), instead of waiting for the interval. Durable
	// acknowledgement uses it: a client waits for one commit, not for the
	// next tick; likes that arrive during a write share the next one.
	Eager bool
	// MinCommitGap is, with Eager, the most time a write waits after the
	// start of the one before it for likes to join it; default 2 ms. A busy
	// server would otherwise commit each request on its own (a commit per
	// like costs more CPU than the rest of the request), while an idle one
	// commits a lone like at once. The wait ends early once as many
	// requests are pending as the largest write of the last second or so
	// carried: when clients wait for each commit before they send again,
	// that is all of them, and waiting longer would leave the server idle.
	MinCommitGap time.Duration
	// AckTimeout, if not zero, bounds how long a waiter of Add's channel
	// waits: one that is not stored by then receives ErrAckTimeout, within
	// an eighth of AckTimeout (at most 250 ms) after it, and its likes are
	// still stored.
	// One ticker serves every waiter, where a timer per durable request
	// cost each request a timer's start and stop.
	AckTimeout time.Duration
	// Metrics and Logger are where the buffer reports its depth, writes
	// and failures; defaults NopMetrics and slog.Default(). A Service
	// fills them from its Config when they are nil, so one logger and one
	// registry serve the whole like pipeline.
	Metrics Metrics
	Logger  *slog.Logger
}

func (c *BufferConfig) defaults() {
	if c.Capacity <= 0 {
		c.Capacity = 100_000
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 5_000
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = 100 * time.Millisecond
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = 10 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = 100 * time.Millisecond
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 5 * time.Second
	}
	if c.MinCommitGap <= 0 {
		c.MinCommitGap = 2 * time.Millisecond
	}
	if c.Metrics == nil {
		c.Metrics = NopMetrics{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// request is the likes of one createLike call. A request is never split
// across batches, so it is acknowledged by exactly one commit.
type request struct {
	likes []Like
	done  chan error // receives nil once stored, or why it was not: once
	// expires is when the waiter hears ErrAckTimeout (or, if byDeadline,
	// ErrDeadline): AckTimeout after Add, or the caller's deadline if
	// that is sooner. Zero: never.
	expires    time.Time
	byDeadline bool
	// answered is set by whoever sends on done (the flusher, the ack
	// timeout, the shutdown), so that done receives one answer.
	answered atomic.Bool
}

// answer sends err on done unless another answer came first.
func (r *request) answer(err error) {
	if r.answered.CompareAndSwap(false, true) && r.done != nil {
		r.done <- err
	}
}

// Buffer holds accepted likes in memory and writes them to the store in
// batches, retrying failed writes with backoff until they succeed. Its
// capacity bounds the likes held, stored or not yet; when it is full, Add
// fails with a retryable error instead of growing.
type Buffer struct {
	store   Store
	cfg     BufferConfig
	metrics Metrics
	logger  *slog.Logger
	stored  func() // called after each commit, before its likes are acknowledged; must not block

	mu       sync.Mutex
	pending  []*request
	npending int        // likes in pending
	inflight int        // likes in the batch being written
	writing  []*request // the requests of that batch, for AckTimeout
	closed   bool       // no more Adds
	// failingSince is when the current run of failed writes began; zero
	// while writes succeed.
	failingSince time.Time

	lastWrite time.Time // when the flusher last began a write; its own
	// groups is the most requests a write carried in the current period
	// (about a second) and in the one before, and periodStart when the
	// current one began: the flusher's own. target (under mu) is the
	// larger of the two, at least 1: an eager flusher waits for that many
	// pending requests, or MinCommitGap.
	groups      [2]int
	periodStart time.Time
	target      int
	ready       chan struct{} // capacity 1: target requests are pending

	kick     chan struct{} // capacity 1: a full batch is waiting
	stopping chan struct{} // closed by Close: flush everything, then stop
	done     chan struct{} // closed when the flusher has stopped
	ctx      context.Context
	cancel   context.CancelFunc
}

// NewBuffer starts a buffer that writes to store. stored, if not nil, is
// called after every successful write, before its likes are acknowledged;
// it must not block, as the acknowledgements and the next write wait for
// it.
func NewBuffer(store Store, cfg BufferConfig, stored func()) *Buffer {
	cfg.defaults()
	if max := store.MaxBatchLikes(); max > 0 && cfg.BatchSize > max {
		cfg.BatchSize = max
	}
	if cfg.BatchSize < MaxCount {
		cfg.BatchSize = MaxCount // a whole request always fits in a batch
	}
	if stored == nil {
		stored = func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Buffer{
		store: store, cfg: cfg, metrics: cfg.Metrics, logger: cfg.Logger, stored: stored,
		kick: make(chan struct{}, 1), ready: make(chan struct{}, 1), target: 1, stopping: make(chan struct{}), done: make(chan struct{}),
		ctx: ctx, cancel: cancel,
	}
	go b.run()
	if cfg.AckTimeout > 0 {
		go b.expireAcks()
	}
	return b
}

// Add queues likes for storage. The returned channel receives nil once they
// are stored (for durable acknowledgement), or an error if they never will
// be (the process stopped before its grace period let them be written), or
// ErrAckTimeout (see BufferConfig.AckTimeout).
func (b *Buffer) Add(likes []Like) (<-chan error, error) { return b.AddUntil(likes, time.Time{}) }

// AddUntil is Add for a waiter with a deadline (not zero): if its likes
// are not stored by then, the channel receives ErrDeadline, from the same
// ticker as ErrAckTimeout (so as late as that may be). A deadline costs
// no timer of its own.
func (b *Buffer) AddUntil(likes []Like, deadline time.Time) (<-chan error, error) {
	r := &request{likes: likes, done: make(chan error, 1)}
	return r.done, b.add(r, deadline)
}

// AddNoWait is Add for a caller that does not wait for the store (a
// buffered acknowledgement): no channel is made for an answer nobody
// reads.
func (b *Buffer) AddNoWait(likes []Like) error { return b.add(&request{likes: likes}, time.Time{}) }

// add queues r, whose done (if any) receives its answer.
func (b *Buffer) add(r *request, deadline time.Time) error {
	likes := r.likes
	if b.cfg.AckTimeout > 0 {
		r.expires = time.Now().Add(b.cfg.AckTimeout)
		if !deadline.IsZero() && deadline.Before(r.expires) {
			r.expires, r.byDeadline = deadline, true
		}
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.metrics.Rejected("shutting_down", len(likes))
		return techconf.Errorf(techconf.EUNAVAILABLE, "the server is shutting down; retry on another")
	}
	if b.npending+b.inflight+len(likes) > b.cfg.Capacity {
		b.mu.Unlock()
		b.metrics.Rejected("buffer_full", len(likes))
		return techconf.Errorf(techconf.EUNAVAILABLE, "too many likes are waiting to be stored; retry in a moment")
	}
	b.pending = append(b.pending, r)
	b.npending += len(likes)
	full := b.npending >= b.cfg.BatchSize || b.cfg.Eager
	ready := b.cfg.Eager && len(b.pending) >= b.target
	depth := b.npending + b.inflight
	b.mu.Unlock()
	if ready {
		select {
		case b.ready <- struct{}{}:
		default:
		}
	}
	b.metrics.Accepted(len(likes))
	b.metrics.BufferDepth(depth)
	if full {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return nil
}

// Depth returns how many likes are held and not yet stored.
func (b *Buffer) Depth() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.npending + b.inflight
}

// Close stops accepting likes and writes every held like, retrying until
// ctx is done. It returns an error saying how many likes were not stored if
// ctx ends first.
func (b *Buffer) Close(ctx context.Context) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		<-b.done
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	close(b.stopping)
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
	}
	b.cancel() // abandon the write in progress
	<-b.done
	lost := b.Depth()
	if lost > 0 {
		return techconf.Errorf(techconf.EUNAVAILABLE, "%d likes were not stored before the shutdown deadline", lost)
	}
	return nil
}

func (b *Buffer) run() {
	defer close(b.done)
	defer b.cancel()
	ticker := time.NewTicker(b.cfg.FlushInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
		case <-b.kick:
		case <-b.stopping:
			b.flushAll()
			b.failPending()
			return
		}
		b.flushAll()
	}
}

// flushAll writes everything pending, batch by batch.
func (b *Buffer) flushAll() {
	for {
		if b.cfg.Eager {
			// Let the likes of a busy server gather into one commit.
			b.awaitGroup()
		}
		batch, reqs := b.take()
		if len(reqs) == 0 {
			return
		}
		if b.cfg.Eager {
			// A wait that found nothing to write does not delay the next.
			b.lastWrite = time.Now()
			b.noteGroup(len(reqs))
		}
		err := b.write(batch)
		b.mu.Lock()
		b.inflight = 0
		b.writing = nil
		if err != nil {
			// Only when abandoned at shutdown: put the likes back so that
			// Close can count them, and tell their waiters.
			b.pending = append(reqs, b.pending...)
			for _, r := range reqs {
				b.npending += len(r.likes)
			}
			b.mu.Unlock()
			return
		}
		depth := b.npending
		b.mu.Unlock()
		b.metrics.BufferDepth(depth)
		b.stored() // before the acks, so that a reader after an ack knows to catch up
		for _, r := range reqs {
			r.answer(nil)
		}
		if cp, ok := b.store.(Checkpointer); ok {
			cp.AfterWrite(b.ctx)
		}
	}
}

// awaitGroup waits, before an eager write, until MinCommitGap has passed
// since the last write began or the target of pending requests is reached.
func (b *Buffer) awaitGroup() {
	wait := b.cfg.MinCommitGap - time.Since(b.lastWrite)
	if wait <= 0 {
		return
	}
	select {
	case <-b.ready: // from before the last write: look again
	default:
	}
	b.mu.Lock()
	ready := len(b.pending) >= b.target
	b.mu.Unlock()
	if ready {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-b.ready:
	case <-b.stopping: // Close: write what is pending now
	case <-b.ctx.Done():
	}
}

// noteGroup records that a write carries n requests, and sets the target.
func (b *Buffer) noteGroup(n int) {
	if now := time.Now(); now.Sub(b.periodStart) > time.Second {
		b.groups = [2]int{0, b.groups[0]}
		b.periodStart = now
	}
	b.groups[0] = max(b.groups[0], n)
	b.mu.Lock()
	b.target = max(1, b.groups[0], b.groups[1])
	b.mu.Unlock()
}

// take forms the next batch from whole requests, up to BatchSize likes.
func (b *Buffer) take() (Batch, []*request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, i := 0, 0
	for ; i < len(b.pending); i++ {
		if n+len(b.pending[i].likes) > b.cfg.BatchSize {
			break
		}
		n += len(b.pending[i].likes)
	}
	reqs := b.pending[:i:i]
	b.pending = b.pending[i:]
	b.npending -= n
	b.inflight = n
	b.writing = reqs
	batch := Batch{ID: uuid.NewString(), Likes: make([]Like, 0, n)}
	for _, r := range reqs {
		batch.Likes = append(batch.Likes, r.likes...)
	}
	return batch, reqs
}

// write stores a batch, retrying with exponential backoff and jitter until
// it succeeds or the buffer is abandoned. Every attempt writes the same
// batch, which the store makes idempotent.
func (b *Buffer) write(batch Batch) error {
	backoff := b.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		start := time.Now()
		ctx, cancel := context.WithTimeout(b.ctx, b.cfg.AttemptTimeout)
		err := b.store.WriteBatch(ctx, batch)
		cancel()
		if err == nil {
			b.metrics.Flushed(len(batch.Likes), time.Since(start))
			b.mu.Lock()
			b.failingSince = time.Time{}
			b.mu.Unlock()
			return nil
		}
		if b.ctx.Err() != nil {
			return b.ctx.Err()
		}
		b.mu.Lock()
		if b.failingSince.IsZero() {
			b.failingSince = start
		}
		b.mu.Unlock()
		b.metrics.FlushFailed()
		b.logger.Warn("like flush failed; retrying", "batch", batch.ID, "likes", len(batch.Likes),
			"attempt", attempt, "retry_in", backoff.String(), "err", err)
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-time.After(wait):
		case <-b.ctx.Done():
			return b.ctx.Err()
		}
		backoff = min(backoff*2, b.cfg.MaxBackoff)
	}
}

// FailingFor returns how long writes have been failing without a success
// in between, or 0 when the last write succeeded.
func (b *Buffer) FailingFor() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failingSince.IsZero() {
		return 0
	}
	return time.Since(b.failingSince)
}

// failPending tells the waiters of likes that will never be stored.
func (b *Buffer) failPending() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.pending {
		r.answer(errNotStored)
	}
}

// ErrAckTimeout is what a waiter of Add receives when its likes are not
// stored within BufferConfig.AckTimeout; they are still stored later.
var ErrAckTimeout = errors.New("like: not stored within the acknowledgement timeout")

// ErrDeadline is what a waiter of AddUntil receives when its likes are not
// stored by its deadline; they are still stored later.
var ErrDeadline = errors.New("like: not stored by the caller's deadline")

// expireAcks answers the waiters whose likes are not stored by their
// expiry, checking every eighth of AckTimeout (at most 250 ms), until the
// flusher stops.
// It looks at every waiting request (at most one per like the buffer
// holds, so its work is bounded by the buffer's capacity).
func (b *Buffer) expireAcks() {
	t := time.NewTicker(min(b.cfg.AckTimeout/8, 250*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-b.done:
			return
		case now := <-t.C:
			b.mu.Lock()
			for _, reqs := range [][]*request{b.writing, b.pending} {
				for _, r := range reqs {
					switch {
					case r.expires.IsZero() || now.Before(r.expires):
					case r.byDeadline:
						r.answer(ErrDeadline)
					default:
						r.answer(ErrAckTimeout)
					}
				}
			}
			b.mu.Unlock()
		}
	}
}

var errNotStored = errors.New("like: not stored before shutdown")

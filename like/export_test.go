package like

import "context"

// BufferDepth returns how many likes are held and not yet stored.
func (s *Service) BufferDepth() int { return s.buffer.Depth() }

// Sync reads the summaries committed so far and publishes them now, rather
// than at the observer's next tick.
func (s *Service) Sync(ctx context.Context) error { return s.observer.Poll(ctx) }

// Clients returns how many client buckets the limiter holds.
func (l *RateLimiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// LikeIDSpace is the name space of LikeID, for the test that compares it
// with the uuid package's name-based UUIDs.
var LikeIDSpace = likeIDSpace

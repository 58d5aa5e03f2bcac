package techconf

import (
	"context"
	"sync"
)

type streamKey struct{}

// streamSlot is the server's count of one open stream (a WebSocket or an
// SSE subscription), released once: by the server when the handler
// returns, or by the handler that kept it.
type streamSlot struct {
	once    sync.Once
	mu      sync.Mutex
	kept    bool
	release func()
}

func (s *streamSlot) end() { s.once.Do(s.release) }

// WithStreamSlot records the release of the stream slot a request holds.
// The server calls the returned function when the handler returns; it
// releases the slot unless the handler kept it with KeepStreamSlot.
func WithStreamSlot(ctx context.Context, release func()) (context.Context, func()) {
	s := &streamSlot{release: release}
	return context.WithValue(ctx, streamKey{}, s), func() {
		s.mu.Lock()
		kept := s.kept
		s.mu.Unlock()
		if !kept {
			s.end()
		}
	}
}

// KeepStreamSlot is for handlers that hijack a connection and serve it
// after they return (graphql's WebSocket transport): the stream stays
// counted against the server's limits until the returned function is
// called. Without a slot (tests, tools) it returns a function that does
// nothing.
func KeepStreamSlot(ctx context.Context) (release func()) {
	s, _ := ctx.Value(streamKey{}).(*streamSlot)
	if s == nil {
		return func() {}
	}
	s.mu.Lock()
	s.kept = true
	s.mu.Unlock()
	return s.end
}

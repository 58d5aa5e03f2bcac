package like

import "time"

// Metrics receives what the like pipeline does, for monitoring. Package
// metrics implements it with Prometheus; the domain does not know how it is
// shown.
type Metrics interface {
	Accepted(n int)                      // likes accepted into the buffer
	Rejected(reason string, n int)       // likes refused: buffer_full, shutting_down, rate_limited
	BufferDepth(n int)                   // likes held and not yet stored
	Flushed(n int, took time.Duration)   // a batch of n likes was stored
	FlushFailed()                        // a write attempt failed and will be retried
	Observed(summaries int, likes int64) // the observer turned summaries into increments
	EventsSent(n int)                    // events delivered to subscribers
}

// NopMetrics discards everything.
type NopMetrics struct{}

func (NopMetrics) Accepted(int)               {}
func (NopMetrics) Rejected(string, int)       {}
func (NopMetrics) BufferDepth(int)            {}
func (NopMetrics) Flushed(int, time.Duration) {}
func (NopMetrics) FlushFailed()               {}
func (NopMetrics) Observed(int, int64)        {}
func (NopMetrics) EventsSent(int)             {}

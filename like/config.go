package like

import (
	"fmt"
	"time"
)

// MaxServerIDLen is the longest server id: every stored like carries it,
// and the Spanner schema holds 128 bytes.
const MaxServerIDLen = 128

// ConfigError is a wrong setting in a Config. Field names it as the Go
// field path ("Buffer.BatchSize"), so that a command line can name the
// flag the value came from.
type ConfigError struct {
	Field   string
	Problem string // e.g. "must be at least 100 (got 50)"
}

func (e *ConfigError) Error() string { return "like: " + e.Field + " " + e.Problem }

// Validate reports the first wrong setting. Zero values are fine: they take
// the documented defaults. Open calls it; a command line calls it first to
// report a mistake before anything starts.
func (c *Config) Validate() error {
	switch {
	case c.ServerID == "":
		return &ConfigError{"ServerID", "is required"}
	case len(c.ServerID) > MaxServerIDLen:
		return &ConfigError{"ServerID", fmt.Sprintf("is %d bytes long; at most %d are allowed", len(c.ServerID), MaxServerIDLen)}
	}
	switch c.Ack {
	case "", AckBuffered, AckDurable:
	default:
		return &ConfigError{"Ack", fmt.Sprintf("must be durable or buffered (got %q)", c.Ack)}
	}
	b := c.Buffer
	// A whole request must fit in one batch; NewBuffer caps a batch only
	// by the store's own limit.
	if b.BatchSize != 0 && b.BatchSize < MaxCount {
		return &ConfigError{"Buffer.BatchSize", fmt.Sprintf("must be at least %d (got %d)", MaxCount, b.BatchSize)}
	}
	if b.Capacity < 0 {
		return &ConfigError{"Buffer.Capacity", fmt.Sprintf("must not be negative (got %d)", b.Capacity)}
	}
	if b.Capacity > 0 && b.Capacity < max(b.BatchSize, MaxCount) {
		return &ConfigError{"Buffer.Capacity", fmt.Sprintf("must be at least the batch size (got %d < %d)", b.Capacity, max(b.BatchSize, MaxCount))}
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"Buffer.FlushInterval", b.FlushInterval}, {"Buffer.AttemptTimeout", b.AttemptTimeout},
		{"Buffer.MinBackoff", b.MinBackoff}, {"Buffer.MaxBackoff", b.MaxBackoff}, {"Buffer.MinCommitGap", b.MinCommitGap},
		{"PollInterval", c.PollInterval}, {"EventInterval", c.EventInterval}, {"AckTimeout", c.AckTimeout},
	} {
		if d.v < 0 {
			return &ConfigError{d.field, fmt.Sprintf("must not be negative (got %s)", d.v)}
		}
	}
	for _, r := range []struct {
		field string
		v     float64
	}{{"RateLimit", c.RateLimit}, {"RateBurst", float64(c.RateBurst)}, {"AddrRateLimit", c.AddrRateLimit}, {"AddrRateBurst", float64(c.AddrRateBurst)}} {
		if r.v < 0 {
			return &ConfigError{r.field, fmt.Sprintf("must not be negative (got %v)", r.v)}
		}
	}
	return nil
}

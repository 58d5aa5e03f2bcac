package telemetry

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// LogBuffer gathers log lines and writes them together: at most Delay
// after the first line of a batch, when 32 KiB have gathered, when a
// record at warning level or above is logged (through FlushOn), and on
// Flush. One write system call per request log line was a twentieth of a
// createLike's CPU; a batch costs one for many lines. A crash loses at
// most the lines of the last Delay below warning level.
type LogBuffer struct {
	mu      sync.Mutex
	w       *bufio.Writer
	delay   time.Duration
	pending bool // a flush is scheduled
	err     error
}

// NewLogBuffer buffers writes to w; lines wait at most delay.
func NewLogBuffer(w io.Writer, delay time.Duration) *LogBuffer {
	return &LogBuffer{w: bufio.NewWriterSize(w, 32<<10), delay: delay}
}

// Write implements io.Writer; slog handlers write one whole line per call.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w.Available() < len(p) && b.w.Buffered() > 0 {
		b.flushLocked() // a line is never split between two writes
	}
	n, err := b.w.Write(p)
	if !b.pending && b.w.Buffered() > 0 {
		b.pending = true
		time.AfterFunc(b.delay, func() { _ = b.Flush() })
	}
	return n, err
}

// Flush writes what is gathered now.
func (b *LogBuffer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *LogBuffer) flushLocked() {
	if err := b.w.Flush(); err != nil && b.err == nil {
		b.err = err
	}
	b.pending = false
}

// FlushOn wraps h so that a record at level or above is written at once,
// with every line before it: warnings and errors are not held back.
func FlushOn(h slog.Handler, b *LogBuffer, level slog.Level) slog.Handler {
	return &flushHandler{next: h, buf: b, level: level}
}

type flushHandler struct {
	next  slog.Handler
	buf   *LogBuffer
	level slog.Level
}

func (h *flushHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *flushHandler) Handle(ctx context.Context, r slog.Record) error {
	err := h.next.Handle(ctx, r)
	if r.Level >= h.level {
		if ferr := h.buf.Flush(); err == nil {
			err = ferr
		}
	}
	return err
}

func (h *flushHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &flushHandler{next: h.next.WithAttrs(attrs), buf: h.buf, level: h.level}
}

func (h *flushHandler) WithGroup(name string) slog.Handler {
	return &flushHandler{next: h.next.WithGroup(name), buf: h.buf, level: h.level}
}

package telemetry

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// LogHandler adds trace_id and span_id to every record logged with a
// context that holds a span (logger.InfoContext(r.Context(), ...)), so that
// a log line leads to its trace and back. Records without a span pass
// through unchanged.
func LogHandler(h slog.Handler) slog.Handler { return &logHandler{next: h} }

type logHandler struct{ next slog.Handler }

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if traceID, spanID, sampled, ok := SpanOf(ctx); ok {
		r = r.Clone()
		r.AddAttrs(
			slog.String("trace_id", traceID),
			slog.String("span_id", spanID),
			slog.Bool("trace_sampled", sampled),
		)
	}
	return h.next.Handle(ctx, r)
}

// SpanOf returns the trace and span ids of the span in ctx, as log lines
// carry them, and whether it is sampled; ok is false without a span.
func SpanOf(ctx context.Context) (traceID, spanID string, sampled, ok bool) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return "", "", false, false
	}
	return sc.TraceID().String(), sc.SpanID().String(), sc.IsSampled(), true
}

func (h *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{next: h.next.WithAttrs(attrs)}
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{next: h.next.WithGroup(name)}
}

package telemetry_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/techconf/techconf/server"
	"github.com/techconf/techconf/telemetry"
)

// pieces are what request lines' strings are made of: the plain, and
// everything slog's JSON escaping treats apart.
var pieces = []string{
	"", "POST", "/2018/api/query", "GET /{edition}/", "127.0.0.1:51234", "[::1]:8080",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", "カンファレンス", "😀",
	`"`, `\`, "\n", "\r", "\t", "\x00", "\x01", "\x1f", "\x7f", "<script>&amp;", "'",
	"\u2028", "\u2029", "\u2027", "\xff", "\xe2\x80", "\xc3", "…", "%2F", "\u00e9",
}

func randomString(r *rand.Rand) string {
	var b strings.Builder
	for range r.IntN(6) {
		if r.IntN(4) == 0 {
			b.WriteByte(byte(r.IntN(256))) // any byte, valid UTF-8 or not
		} else {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
	}
	return b.String()
}

// TestRequestLogMatchesSlog checks that RequestLog writes the very bytes
// that the slog JSON handler, behind telemetry.LogHandler, writes for the same line:
// for many random lines, with and without a span, and not at all above
// info level.
func TestRequestLogMatchesSlog(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	durations := []time.Duration{0, time.Microsecond, 999 * time.Nanosecond, 1500 * time.Microsecond, 123456789 * time.Microsecond, 3 * time.Hour, -5 * time.Microsecond}
	span := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
		SpanID:  trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	})
	for _, level := range []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelWarn} {
		var want, got bytes.Buffer
		id := randomString(r)
		logger := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&want, &slog.HandlerOptions{Level: level}))).With("server_id", id)
		fast := server.NewRequestLog(&got, level, telemetry.SpanOf, "server_id", id)
		if fast.Enabled() != logger.Enabled(context.Background(), slog.LevelInfo) {
			t.Fatalf("level %v: Enabled() = %v; want %v", level, fast.Enabled(), !fast.Enabled())
		}
		for i := range 3000 {
			line := server.RequestLine{
				Time:   time.Date(2018, 10, 6, 9, r.IntN(60), r.IntN(60), r.IntN(1e9), time.FixedZone("", 3600*(r.IntN(27)-12))),
				Method: randomString(r), Path: randomString(r), Route: randomString(r),
				Status: r.IntN(600), Bytes: r.IntN(1 << 20), Duration: durations[i%len(durations)] + time.Duration(r.IntN(3))*time.Microsecond,
				Remote: randomString(r), UserAgent: randomString(r),
			}
			ctx := context.Background()
			switch i % 3 {
			case 1:
				ctx = trace.ContextWithSpanContext(ctx, span)
			case 2:
				ctx = trace.ContextWithSpanContext(ctx, span.WithTraceFlags(trace.FlagsSampled))
			}
			want.Reset()
			got.Reset()
			if logger.Enabled(ctx, slog.LevelInfo) {
				if err := logger.Handler().Handle(ctx, line.Record()); err != nil {
					t.Fatal(err)
				}
			}
			fast.Log(ctx, &line)
			if got.String() != want.String() {
				t.Fatalf("level %v, line %+v:\ngot  %q\nwant %q", level, line, got.String(), want.String())
			}
		}
		if level > slog.LevelInfo && got.Len() > 0 {
			t.Errorf("level %v: wrote %q", level, got.String())
		}
	}
}

// BenchmarkRequestLog compares the line's cost through slog and through
// RequestLog.
func BenchmarkRequestLog(b *testing.B) {
	line := server.RequestLine{Time: time.Now(), Method: "POST", Path: "/2018/api/query", Route: "POST /{edition}/api/query",
		Status: 200, Bytes: 35, Duration: 87 * time.Microsecond, Remote: "127.0.0.1:40112", UserAgent: ""}
	ctx := context.Background()
	b.Run("slog", func(b *testing.B) {
		h := slog.New(telemetry.LogHandler(slog.NewJSONHandler(io.Discard, nil))).With("server_id", "api-7f9c").Handler()
		for b.Loop() {
			_ = h.Handle(ctx, line.Record())
		}
	})
	b.Run("RequestLog", func(b *testing.B) {
		l := server.NewRequestLog(io.Discard, slog.LevelInfo, telemetry.SpanOf, "server_id", "api-7f9c")
		for b.Loop() {
			l.Log(ctx, &line)
		}
	})
}

package server

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// RequestLine is what the log line of one HTTP request says.
type RequestLine struct {
	Time      time.Time // when the answer was done
	Method    string
	Path      string
	Route     string // the pattern that served it, or "unmatched"
	Status    int
	Bytes     int // of the answer's body
	Duration  time.Duration
	Remote    string
	UserAgent string
}

// Record is the line as a slog record at info level, message "request":
// what a server without a RequestLog logs, and what RequestLog's output is
// tested against.
func (l *RequestLine) Record() slog.Record {
	r := slog.NewRecord(l.Time, slog.LevelInfo, "request", 0)
	r.AddAttrs(
		slog.String("method", l.Method), slog.String("path", l.Path), slog.String("route", l.Route), slog.Int("status", l.Status),
		slog.Int("bytes", l.Bytes), slog.Float64("duration_ms", durationMillis(l.Duration)),
		slog.String("remote", l.Remote), slog.String("user_agent", l.UserAgent))
	return r
}

// durationMillis is a duration in milliseconds, to the microsecond.
func durationMillis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// RequestLog writes request lines in the bytes that slog.NewJSONHandler,
// wrapped in telemetry.LogHandler, writes for RequestLine.Record in a
// logger made With the same key-value pairs: one format and one
// destination for every line, whichever way it was written.
// TestRequestLogMatchesSlog compares the two on many lines.
//
// It exists because a line is written for every request, and slog's
// general path (a record of eight attributes that spills onto the heap,
// the float through encoding/json, a handler state per record) was about
// a twentieth of the CPU of a createLike, several times what this costs.
type RequestLog struct {
	w      io.Writer
	level  slog.Leveler
	span   SpanOf
	prefix []byte // the logger's attributes: ,"key":"value"...
	bufs   sync.Pool
}

// SpanOf returns the trace and span of the span in ctx, if there is one,
// as telemetry.LogHandler writes them (telemetry.SpanOf): the server
// leaves tracing to the telemetry package.
type SpanOf func(ctx context.Context) (traceID, spanID string, sampled, ok bool)

// NewRequestLog writes to w, as slog's JSON handler would with the given
// level, for a logger made With(keyvals...): pairs of keys and string
// values. span, if not nil, names the request's span as the logger's
// handler does.
func NewRequestLog(w io.Writer, level slog.Leveler, span SpanOf, keyvals ...string) *RequestLog {
	l := &RequestLog{w: w, level: level, span: span}
	for i := 0; i+1 < len(keyvals); i += 2 {
		l.prefix = append(l.prefix, ',')
		l.prefix = appendJSONString(l.prefix, keyvals[i])
		l.prefix = append(l.prefix, ':')
		l.prefix = appendJSONString(l.prefix, keyvals[i+1])
	}
	l.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	return l
}

// Enabled reports whether request lines are written at all (the level is
// info or below).
func (l *RequestLog) Enabled() bool { return l.level.Level() <= slog.LevelInfo }

// Log writes the line in one Write, with the trace and span of ctx's span
// if it has one, as LogHandler adds them.
func (l *RequestLog) Log(ctx context.Context, line *RequestLine) {
	if !l.Enabled() {
		return
	}
	p := l.bufs.Get().(*[]byte)
	b := append((*p)[:0], `{"time":"`...)
	b = line.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","level":"INFO","msg":"request"`...)
	b = append(b, l.prefix...)
	b = appendField(b, "method", line.Method)
	b = appendField(b, "path", line.Path)
	b = appendField(b, "route", line.Route)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(line.Status), 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(line.Bytes), 10)
	b = append(b, `,"duration_ms":`...)
	b = appendJSONFloat(b, durationMillis(line.Duration))
	b = appendField(b, "remote", line.Remote)
	b = appendField(b, "user_agent", line.UserAgent)
	if l.span != nil {
		if traceID, spanID, sampled, ok := l.span(ctx); ok {
			b = appendField(b, "trace_id", traceID)
			b = appendField(b, "span_id", spanID)
			b = append(b, `,"trace_sampled":`...)
			b = strconv.AppendBool(b, sampled)
		}
	}
	b = append(b, "}\n"...)
	_, _ = l.w.Write(b)
	if cap(b) <= 4096 { // a huge line's buffer is not kept
		*p = b
		l.bufs.Put(p)
	}
}

// appendField appends ,"key":"value".
func appendField(b []byte, key, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...) // keys here need no escaping
	b = append(b, '"', ':')
	return appendJSONString(b, value)
}

// appendJSONFloat writes f as encoding/json does, which is what slog's
// JSON handler calls for floats: the shortest decimal that reads back as f,
// in exponent form only outside [1e-6, 1e21), which a duration never is.
func appendJSONFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
		out, err := json.Marshal(f)
		if err != nil {
			return append(b, `"!ERROR:`+err.Error()+`"`...)
		}
		return append(b, out...)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// appendJSONString appends s as a JSON string the way slog's JSON handler
// escapes: quote, backslash and control characters (\n, \r, \t by name,
// the rest as \u00XX), invalid UTF-8 as \ufffd, and U+2028 and U+2029,
// which JavaScript does not allow in a string literal; everything else,
// '<', '>' and '&' too, as it is.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	done := 0 // s[:done] is in b
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[done:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[done:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[done:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	b = append(b, s[done:]...)
	return append(b, '"')
}

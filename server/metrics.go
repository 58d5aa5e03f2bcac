package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Metrics receives what the server answers, for monitoring. Package
// metrics implements it with Prometheus; the server does not know how it
// is shown. Calls come on every request, so implementations must be cheap.
type Metrics interface {
	// Request records one answered request. route is the mux pattern (or
	// "unmatched") and method is methodLabel's: both come from fixed sets.
	Request(route, method string, status int, took time.Duration)
	// Operation records one GraphQL query or mutation.
	Operation(name, kind, outcome string, took time.Duration)
}

type nopMetrics struct{}

func (nopMetrics) Request(string, string, int, time.Duration)      {}
func (nopMetrics) Operation(string, string, string, time.Duration) {}

// methodLabel maps a request's method to a label value from a fixed set:
// any client may send any method name, and each distinct label value is a
// time series held in memory until the process ends.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// excerpt shortens client-chosen text (paths, user agents) before it is
// logged: a log line must not grow with what a client sends.
func excerpt(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

// statusRecorder remembers the status and size of a response. It passes
// Flush and Hijack through, which SSE and WebSockets need.
//
// It is also the one place that makes writes after the handler has
// returned harmless. gqlgen's SSE transport pings from a goroutine of its
// own that can fire after its handler returned; net/http has by then
// recycled the response's buffer, and a Flush there is a nil pointer
// panic in a goroutine nobody can recover, which ends the process. Every
// Write and Flush holds mu and checks done, which ServeHTTP sets (under mu)
// before it returns.
type statusRecorder struct {
	http.ResponseWriter
	mu          sync.Mutex
	done        bool
	status      int
	bytes       int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return 0, http.ErrHandlerTimeout
	}
	r.wroteHeader = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done {
		return
	}
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (r *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("response writer does not support hijacking")
	}
	r.mu.Lock()
	r.status = http.StatusSwitchingProtocols
	r.mu.Unlock()
	return h.Hijack()
}

// finish stops every later write and returns what was answered.
func (r *statusRecorder) finish() (status, bytes int, wroteHeader bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done = true
	return r.status, r.bytes, r.wroteHeader
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

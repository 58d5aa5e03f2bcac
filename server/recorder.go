package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"sync"
)

// The server's one response recorder: ServeHTTP wraps every response in
// it, and the request log, the metrics and the handlers' streams (SSE
// flushes, WebSocket hijacks) all see the same status and size through it.

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

package server

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/techconf/techconf/like"
)

type httpMetrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	operations *prometheus.CounterVec
	opDuration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "techconf_http_requests_total",
			Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "techconf_http_request_duration_seconds",
			Help:    "HTTP request latency by route (WebSocket and SSE requests last as long as the subscription).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
	}
	m.operations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "techconf_graphql_operations_total",
		Help: "GraphQL queries and mutations by operation name (the first 100 names; then \"other\"), type and outcome (ok or the error code).",
	}, []string{"operation", "type", "outcome"})
	m.opDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "techconf_graphql_operation_duration_seconds",
		Help:    "Time to answer a GraphQL query or mutation, by type.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
	}, []string{"type"})
	reg.MustRegister(m.requests, m.duration, m.operations, m.opDuration)
	return m
}

// operation records one GraphQL operation.
func (m *httpMetrics) operation(name, kind, outcome string, took time.Duration) {
	m.operations.WithLabelValues(name, kind, outcome).Inc()
	m.opDuration.WithLabelValues(kind).Observe(took.Seconds())
}

func (m *httpMetrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, methodLabel(method), codeLabel(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}

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

// codeLabel keeps status codes to the range HTTP defines, for the same reason.
func codeLabel(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
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

// LikeMetrics reports the like pipeline to Prometheus.
type LikeMetrics struct {
	accepted    prometheus.Counter
	rejected    *prometheus.CounterVec
	depth       prometheus.Gauge
	flushSize   prometheus.Histogram
	flushTime   prometheus.Histogram
	stored      prometheus.Counter
	flushErrors prometheus.Counter
	observed    prometheus.Counter
	events      prometheus.Counter
}

var _ like.Metrics = (*LikeMetrics)(nil)

// NewLikeMetrics registers the like pipeline's metrics. subscribers, if
// not nil, is read at each scrape.
func NewLikeMetrics(reg prometheus.Registerer, subscribers func() int) *LikeMetrics {
	m := &LikeMetrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "techconf_likes_accepted_total", Help: "Likes accepted into the buffer."}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "techconf_likes_rejected_total", Help: "Likes refused, by reason (buffer_full, shutting_down, rate_limited)."}, []string{"reason"}),
		depth:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "techconf_like_buffer_depth", Help: "Likes held in memory and not yet stored."}),
		flushSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "techconf_like_flush_size", Help: "Likes per stored batch.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 9)}),
		flushTime: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "techconf_like_flush_duration_seconds", Help: "Time to store one batch (the successful attempt).",
			Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 10)}),
		stored:      prometheus.NewCounter(prometheus.CounterOpts{Name: "techconf_likes_stored_total", Help: "Likes stored by this server."}),
		flushErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "techconf_like_flush_errors_total", Help: "Failed batch writes (each is retried)."}),
		observed:    prometheus.NewCounter(prometheus.CounterOpts{Name: "techconf_likes_observed_total", Help: "Likes of all servers turned into live increments by this server's observer."}),
		events:      prometheus.NewCounter(prometheus.CounterOpts{Name: "techconf_like_events_sent_total", Help: "likeAdded events delivered to subscribers."}),
	}
	reg.MustRegister(m.accepted, m.rejected, m.depth, m.flushSize, m.flushTime, m.stored, m.flushErrors, m.observed, m.events)
	if subscribers != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "techconf_like_subscribers", Help: "Open likeAdded subscriptions."},
			func() float64 { return float64(subscribers()) }))
	}
	return m
}

func (m *LikeMetrics) Accepted(n int) { m.accepted.Add(float64(n)) }
func (m *LikeMetrics) Rejected(reason string, n int) {
	m.rejected.WithLabelValues(reason).Add(float64(n))
}
func (m *LikeMetrics) BufferDepth(n int) { m.depth.Set(float64(n)) }
func (m *LikeMetrics) Flushed(n int, took time.Duration) {
	m.flushSize.Observe(float64(n))
	m.flushTime.Observe(took.Seconds())
	m.stored.Add(float64(n))
}
func (m *LikeMetrics) FlushFailed()                { m.flushErrors.Inc() }
func (m *LikeMetrics) Observed(_ int, likes int64) { m.observed.Add(float64(likes)) }
func (m *LikeMetrics) EventsSent(n int)            { m.events.Add(float64(n)) }

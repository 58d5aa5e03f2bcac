// Package metrics is techconf's Prometheus adapter: it defines every metric
// (names, labels, help texts, buckets), registers them and serves them. The
// like pipeline and the HTTP server know only the small interfaces they
// report to (like.Metrics, server.Metrics); cmd/techconf wires this package
// to them, so that the domain and the server do not depend on Prometheus.
//
// deploy's alert rules and the tests read the metric names defined here:
// renaming one breaks them (cd deploy && go test . -run 'Alert|Metric').
package metrics

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/techconf/techconf/like"
)

// Registry holds one process's metrics. Each process (and each test server)
// has its own, so that two servers in one test do not share counters.
type Registry struct {
	reg *prometheus.Registry
}

// NewRegistry returns an empty registry. With runtime, it also reports the
// Go runtime's and the process's metrics (memory, CPU, file descriptors),
// which the alert rules and the load tool read.
func NewRegistry(runtime bool) *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	if runtime {
		r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return r
}

// Handler serves the registry's metrics in Prometheus' text format, for the
// admin address's /metrics.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}

// HTTP reports the HTTP server's requests and GraphQL operations; it
// implements server.Metrics.
type HTTP struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	operations *prometheus.CounterVec
	opDuration *prometheus.HistogramVec

	// The series of the last labels each pair of metrics was reported
	// with: a busy server reports the same labels request after request
	// (createLike), and WithLabelValues hashes them and takes a lock each
	// time, half a microsecond of a createLike for its four metrics.
	lastRequest   atomic.Pointer[requestSeries]
	lastOperation atomic.Pointer[operationSeries]
}

type requestSeries struct {
	route, method string
	status        int
	count         prometheus.Counter
	took          prometheus.Observer
}

type operationSeries struct {
	name, kind, outcome string
	count               prometheus.Counter
	took                prometheus.Observer
}

// HTTP registers the HTTP server's metrics. Call it once per registry.
func (r *Registry) HTTP() *HTTP {
	m := &HTTP{
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
	r.reg.MustRegister(m.requests, m.duration, m.operations, m.opDuration)
	return m
}

// Request records one answered HTTP request. The caller bounds route and
// method to fixed sets: each distinct label value is a time series held in
// memory until the process ends.
func (m *HTTP) Request(route, method string, status int, took time.Duration) {
	s := m.lastRequest.Load()
	if s == nil || s.route != route || s.method != method || s.status != status {
		s = &requestSeries{route: route, method: method, status: status,
			count: m.requests.WithLabelValues(route, method, codeLabel(status)), took: m.duration.WithLabelValues(route)}
		m.lastRequest.Store(s)
	}
	s.count.Inc()
	s.took.Observe(took.Seconds())
}

// Operation records one GraphQL operation.
func (m *HTTP) Operation(name, kind, outcome string, took time.Duration) {
	s := m.lastOperation.Load()
	if s == nil || s.name != name || s.kind != kind || s.outcome != outcome {
		s = &operationSeries{name: name, kind: kind, outcome: outcome,
			count: m.operations.WithLabelValues(name, kind, outcome), took: m.opDuration.WithLabelValues(kind)}
		m.lastOperation.Store(s)
	}
	s.count.Inc()
	s.took.Observe(took.Seconds())
}

// codeLabel keeps status codes to the range HTTP defines, for the same
// reason as the caller bounds methods.
func codeLabel(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return strconv.Itoa(status)
}

// Like reports the like pipeline; it implements like.Metrics.
type Like struct {
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

var _ like.Metrics = (*Like)(nil)

// Like registers the like pipeline's metrics. subscribers, if not nil, is
// read at each scrape. Call it once per registry.
func (r *Registry) Like(subscribers func() int) *Like {
	m := &Like{
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
	r.reg.MustRegister(m.accepted, m.rejected, m.depth, m.flushSize, m.flushTime, m.stored, m.flushErrors, m.observed, m.events)
	if subscribers != nil {
		r.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "techconf_like_subscribers", Help: "Open likeAdded subscriptions."},
			func() float64 { return float64(subscribers()) }))
	}
	return m
}

// Accepted counts likes accepted into the buffer.
func (m *Like) Accepted(n int) { m.accepted.Add(float64(n)) }

// Rejected counts likes refused, by reason.
func (m *Like) Rejected(reason string, n int) { m.rejected.WithLabelValues(reason).Add(float64(n)) }

// BufferDepth sets how many likes are held and not yet stored.
func (m *Like) BufferDepth(n int) { m.depth.Set(float64(n)) }

// Flushed records one stored batch.
func (m *Like) Flushed(n int, took time.Duration) {
	m.flushSize.Observe(float64(n))
	m.flushTime.Observe(took.Seconds())
	m.stored.Add(float64(n))
}

// FlushFailed counts a failed batch write.
func (m *Like) FlushFailed() { m.flushErrors.Inc() }

// Observed counts likes the observer turned into increments.
func (m *Like) Observed(_ int, likes int64) { m.observed.Add(float64(likes)) }

// EventsSent counts events delivered to subscribers.
func (m *Like) EventsSent(n int) { m.events.Add(float64(n)) }

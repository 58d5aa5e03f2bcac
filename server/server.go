// Package server is the HTTP front of techconf: it routes the API of every
// edition and the pages by role, and adds what every request needs (logs,
// metrics, CORS, health probes, recovery from panics).
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/graphql"
)

// Roles a process can take. In production the API and the pages run as
// separate Deployments; locally one process does both.
const (
	RoleAll = "all"
	RoleAPI = "api"
	RoleWeb = "web"
)

// Config is what the server is built from.
type Config struct {
	Role    string
	Catalog *conference.Catalog
	Likes   graphql.LikeService
	// Ping reports whether the store answers; readiness follows it.
	Ping func(ctx context.Context) error
	// StoreFailingFor, if set, says how long writes to the store have been
	// failing; past StoreHorizon the server reports not ready.
	StoreFailingFor func() time.Duration
	// StoreHorizon is how long the like buffer is meant to ride out a
	// failing store; default 30 s.
	StoreHorizon time.Duration
	// Web serves the pages (role web or all); nil serves none.
	Web http.Handler
	// AllowedOrigins for CORS and WebSockets; "*" allows any origin.
	AllowedOrigins []string
	API            graphql.Options
	// Logger receives the request log; default slog.Default().
	Logger *slog.Logger
	// RequestLog, if set, writes the request log instead of Logger: the
	// same line, written in a fraction of the time (cmd/techconf makes
	// both write to one buffer).
	RequestLog *RequestLog
	// Metrics receives every request and GraphQL operation; default none.
	Metrics Metrics
	// MetricsHandler serves /metrics on the admin address; nil serves none.
	MetricsHandler http.Handler
	// Limits bound what clients may hold; zero values take DefaultLimits.
	Limits Limits
	// Listen says where and how Open listens and Close shuts down.
	Listen Listen
	// Middleware, if set, wraps the server's handler as Open serves it
	// (tracing does, so that spans cover the whole request).
	Middleware func(http.Handler) http.Handler
	// OnShutdown runs during Close's grace period, alongside the requests
	// still in flight: the like service stores the likes they wait for.
	OnShutdown func(ctx context.Context) error
}

// Server is the HTTP handler of one techconf process.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	draining atomic.Bool
	answered atomic.Bool // the store has answered once
	streams  counter     // open WebSockets and SSE streams, per client

	// Set by Open.
	http, admin     *http.Server
	addr, adminAddr net.Addr
	failed          chan error
}

// New builds the server's routes for its role.
func New(cfg Config) *Server {
	cfg.Limits.defaults()
	cfg.Listen.defaults()
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = nopMetrics{}
	}
	if cfg.StoreHorizon <= 0 {
		cfg.StoreHorizon = 30 * time.Second
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz/liveness", s.liveness)
	s.mux.HandleFunc("GET /healthz/readiness", s.readiness)

	if cfg.Role == RoleAll || cfg.Role == RoleAPI {
		apiOpts := cfg.API
		apiOpts.AllowedOrigins = cfg.AllowedOrigins
		apiOpts.Logger = cfg.Logger
		apiOpts.OnOperation = cfg.Metrics.Operation
		apiOpts.RequestTimeout = cfg.Limits.RequestTimeout
		if apiOpts.Subscriptions == nil {
			apiOpts.Subscriptions = &graphql.SubscriptionLimits{}
		}
		apis := map[string]http.Handler{}
		playgrounds := map[string]http.Handler{}
		for _, ed := range cfg.Catalog.Editions {
			apis[ed.ID] = graphql.NewHandler(ed, cfg.Likes, apiOpts)
			playgrounds[ed.ID] = graphql.NewPlayground(ed, "/"+ed.ID+"/api/playground", "/"+ed.ID+"/api/query")
		}
		s.mux.Handle("/{edition}/api/query", s.cors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h, ok := apis[r.PathValue("edition")]
			if !ok {
				graphql.WriteError(w, "", techconf.Errorf(techconf.ENOTFOUND, "no edition %s", strconv.Quote(r.PathValue("edition"))))
				return
			}
			w.Header()["Cache-Control"] = noStoreValue // shared, as setSecurityHeaders's
			h.ServeHTTP(w, r)
		})))
		playground := func(w http.ResponseWriter, r *http.Request) {
			h, ok := playgrounds[r.PathValue("edition")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			h.ServeHTTP(w, r)
		}
		s.mux.HandleFunc("GET /{edition}/api/playground", playground)
		s.mux.HandleFunc("GET /{edition}/api/playground/{file}", playground) // its scripts and styles
	}
	if (cfg.Role == RoleAll || cfg.Role == RoleWeb) && cfg.Web != nil {
		s.mux.Handle("/", cfg.Web)
	}
	return s
}

// Drain makes readiness fail, so that the load balancer stops sending new
// requests while those in flight finish.
func (s *Server) Drain() { s.draining.Store(true) }

// ServeHTTP wraps every request in recovery, metrics and a log line.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			s.cfg.Logger.ErrorContext(r.Context(), "panic", "panic", p, "path", r.URL.Path)
			rec.mu.Lock()
			wrote := rec.wroteHeader
			rec.mu.Unlock()
			if !wrote {
				http.Error(rec, "internal error", http.StatusInternalServerError)
			}
		}
		// From here on nothing reaches w, whichever goroutine writes.
		status, written, _ := rec.finish()
		if p == http.ErrAbortHandler {
			panic(p)
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		end := time.Now()
		elapsed := end.Sub(start)
		method := methodLabel(r.Method)
		s.cfg.Metrics.Request(route, method, status, elapsed)
		if route == "GET /healthz/liveness" || route == "GET /healthz/readiness" {
			return // probes every few seconds would drown the log
		}
		s.logRequest(r, end, elapsed, method, route, status, written)
	}()
	setSecurityHeaders(rec.Header())
	orig := r
	r, release, err := s.limitRequest(r)
	defer release()
	if err != nil {
		overloaded(rec, "too many open subscriptions from this address or on this server; retry in a few seconds")
		return
	}
	s.mux.ServeHTTP(rec, r)
	// The mux names the route on the request it was given; tracing
	// middleware outside holds the original and names its span from it.
	orig.Pattern = r.Pattern
}

// logRequest writes the request's log line: through RequestLog if the
// server has one, else as a slog record straight to the handler
// (Logger.LogAttrs would also walk the stack for the caller's address,
// which no handler here prints, and read the clock once more).
func (s *Server) logRequest(r *http.Request, end time.Time, elapsed time.Duration, method, route string, status, written int) {
	ctx := r.Context()
	line := RequestLine{Time: end, Method: method, Path: excerpt(r.URL.Path), Route: route, Status: status,
		Bytes: written, Duration: elapsed, Remote: r.RemoteAddr, UserAgent: excerpt(r.UserAgent())}
	if s.cfg.RequestLog != nil {
		s.cfg.RequestLog.Log(ctx, &line)
		return
	}
	if h := s.cfg.Logger.Handler(); h.Enabled(ctx, slog.LevelInfo) {
		_ = h.Handle(ctx, line.Record())
	}
}

// setSecurityHeaders marks every answer (pages, API, playground, errors)
// so that browsers neither sniff types nor frame it, and keep to HTTPS once
// they have seen it. HSTS sent over plain HTTP is ignored by browsers, so
// local development is unaffected.
//
// The values are shared by every answer and stored under their canonical
// names directly: Header.Set canonicalised each name and allocated a
// slice per header, a microsecond of every request. Sharing is safe as
// net/http only reads them, and an Add appends to a copy (each slice is
// full).
func setSecurityHeaders(h http.Header) {
	h["Strict-Transport-Security"] = hstsValue
	h["X-Content-Type-Options"] = nosniffValue
	h["X-Frame-Options"] = denyValue
	h["Referrer-Policy"] = referrerValue
}

var (
	hstsValue     = []string{"max-age=31536000; includeSubDomains"}
	nosniffValue  = []string{"nosniff"}
	denyValue     = []string{"DENY"}
	referrerValue = []string{"strict-origin-when-cross-origin"}
	noStoreValue  = []string{"no-store"}
)

// AdminHandler serves what only operators and Prometheus may see: /metrics
// and Go's pprof profiles. It listens on --admin-addr, a port the Ingress
// does not route, because profiles cost CPU and metrics describe traffic.
// metrics serves /metrics; if nil, /metrics is not found.
func AdminHandler(metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

func (s *Server) liveness(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readiness(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "shutting down"})
		return
	}
	// Ready once the store has answered: before that the server knows no
	// totals. After that, an outage of the store does not make it unready:
	// pages come from memory and likes wait in the buffer, which is what
	// the buffer is for. Taking every pod out of the load balancer would
	// turn a store outage into a site outage.
	if s.cfg.Ping != nil && !s.answered.Load() {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.cfg.Ping(ctx); err != nil {
			s.cfg.Logger.WarnContext(r.Context(), "readiness: store does not answer", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unavailable"})
			return
		}
		s.answered.Store(true)
	}
	// A short outage is what the buffer is for; a store that has refused
	// every write for longer than that is one this pod cannot serve likes
	// with, and saying so lets the operator's alerting and the load
	// balancer see it.
	if s.cfg.StoreFailingFor != nil {
		if d := s.cfg.StoreFailingFor(); d > s.cfg.StoreHorizon {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store failing writes for " + d.Round(time.Second).String()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// cors answers preflight requests and marks API answers readable by the
// allowed origins. The API uses no cookies, so no credentials are allowed.
func (s *Server) cors(next http.Handler) http.Handler {
	any := slices.Contains(s.cfg.AllowedOrigins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			switch {
			case any:
				w.Header().Set("Access-Control-Allow-Origin", "*")
			case slices.Contains(s.cfg.AllowedOrigins, origin):
				w.Header().Set("Access-Control-Allow-Origin", origin)
				w.Header().Add("Vary", "Origin")
			}
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Accept, Authorization, X-Apollo-Operation-Name, Apollo-Require-Preflight")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ParseOrigins splits a comma-separated list of allowed origins.
func ParseOrigins(s string) []string {
	var out []string
	for _, o := range strings.Split(s, ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}

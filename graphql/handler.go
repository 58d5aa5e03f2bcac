package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/conference"
)

// Options are the limits and settings of one edition's API handler. Zero
// values take the defaults below.
type Options struct {
	MaxBodyBytes   int64 // larger request bodies get 413; default 256 KiB
	MaxAnswerBytes int   // larger answers are refused; default 4 MiB
	// RequestTimeout is the deadline of a query or mutation's resolvers
	// (streams and cached answers excepted); default 10 s. It is set here,
	// where work starts, rather than on every request: a timer per request
	// cost the cached timetable 8 % of its throughput.
	RequestTimeout  time.Duration
	ComplexityLimit int           // default 20000 (a full timetable with speakers costs about 5000)
	MaxDepth        int           // default 12 levels of selection, introspection aside
	TokenLimit      int           // default 10000 tokens per query document
	KeepAlive       time.Duration // WebSocket and SSE keepalive; default 15 s
	// MaxSubscriptionsPerConn bounds the subscriptions one WebSocket
	// connection may hold open; default 20.
	MaxSubscriptionsPerConn int
	// Subscriptions, shared by every edition's handler, bounds the open
	// subscriptions of the process and of one client; nil for no bound.
	Subscriptions *SubscriptionLimits
	// WebsocketIdle closes a WebSocket that holds no subscription this
	// long (from its opening or its last subscription's end); default 60 s.
	WebsocketIdle time.Duration
	// AllowedOrigins are the origins (e.g. https://conf.example.com) that may
	// open WebSockets; "*" allows any. Empty allows only the server's own host.
	AllowedOrigins []string
	// PublicURL, when set (e.g. https://conf.example.com), is the base of the
	// absolute URLs the API returns; otherwise the request's host is used.
	PublicURL string
	Logger    *slog.Logger
	// OnOperation, if set, is told about every query and mutation.
	OnOperation OperationFunc
	// DisableFastPath sends every createLike through gqlgen's parse,
	// validation and execution (see fastlike.go); tests compare the two.
	DisableFastPath bool
	// GqlgenWebsockets serves graphql-transport-ws with gqlgen's transport
	// rather than livews.go's; tests compare the two.
	GqlgenWebsockets bool
	// GqlgenSSE serves SSE with gqlgen's transport rather than
	// livesse.go's; tests compare the two.
	GqlgenSSE bool
}

func (o *Options) defaults() {
	if o.MaxBodyBytes == 0 {
		// Real queries are a few KiB; this bounds what the query caches
		// below (keyed by query text) can hold.
		o.MaxBodyBytes = 256 << 10
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 10 * time.Second
	}
	if o.MaxAnswerBytes == 0 {
		o.MaxAnswerBytes = 4 << 20
	}
	if o.ComplexityLimit == 0 {
		o.ComplexityLimit = 20000
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = 12
	}
	if o.TokenLimit == 0 {
		o.TokenLimit = 10000
	}
	if o.KeepAlive == 0 {
		o.KeepAlive = 15 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.WebsocketIdle == 0 {
		o.WebsocketIdle = time.Minute
	}
	if o.MaxSubscriptionsPerConn == 0 {
		o.MaxSubscriptionsPerConn = 20
	}
}

// queryCacheBytes bounds each of an edition's query caches (parsed
// documents and persisted queries).
const queryCacheBytes = 16 << 20

// NewHandler returns the http.Handler of /{edition}/api/query: POST JSON,
// GET, WebSocket (graphql-transport-ws and legacy graphql-ws) and SSE.
func NewHandler(ed *conference.Edition, likes LikeService, opts Options) http.Handler {
	opts.defaults()
	resolver := &Resolver{Conf: ed, Likes: likes}
	cfg := Config{Resolvers: resolver}
	setComplexity(&cfg.Complexity)
	srv := handler.New(NewExecutableSchema(cfg))

	// Both WebSocket subprotocols on package live (livews.go); what it
	// leaves (malformed handshakes, refused origins) goes on to gqlgen's.
	lt := newLiveTransport(opts, resolver)
	if !opts.GqlgenWebsockets {
		srv.AddTransport(lt)
	}
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: opts.KeepAlive,
		InitTimeout:           10 * time.Second,
		InitFunc: func(ctx context.Context, _ transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			return withConnLimit(ctx, opts.MaxSubscriptionsPerConn), nil, nil
		},
		Implementation: limitedWebsockets{idle: opts.WebsocketIdle, next: transport.CoderWebsocketImplementation{
			AcceptOptions: websocketAcceptOptions(opts.AllowedOrigins),
		}},
	})
	srv.AddTransport(transport.Options{})
	// SSE before GET and POST: it takes POSTs with Accept: text/event-stream.
	// likeAdded streams on package live (livesse.go), the rest on gqlgen's.
	sse := transport.SSE{KeepAlivePingInterval: opts.KeepAlive}
	if !opts.GqlgenSSE {
		srv.AddTransport(liveSSE{t: lt, next: sse})
	}
	srv.AddTransport(sse)
	srv.AddTransport(httpTransport{}) // every other request: see http.go

	// A parsed document is estimated at 20 times its text (an AST node per
	// token, with positions); persisted text is held as key and value.
	srv.SetQueryCache(newByteCache(queryCacheBytes, func(q string, _ *ast.QueryDocument) int { return 20 * len(q) }))
	srv.SetParserTokenLimit(opts.TokenLimit)
	srv.Use(extension.Introspection{})
	apq := persistedCache{newByteCache(queryCacheBytes, func(k, q string) int { return len(k) + 2*len(q) })}
	srv.Use(extension.AutomaticPersistedQuery{Cache: apq})
	// Depth first: a deep query gets the error that names its real problem.
	names := &operationNames{seen: map[string]bool{}}
	if opts.OnOperation != nil {
		srv.Use(operationMetrics{report: opts.OnOperation, names: names})
	}
	srv.Use(newFieldCount(defaultMaxFields, opts.TokenLimit)) // before validation: see shape.go
	srv.Use(&queryLimits{maxDepth: opts.MaxDepth, maxComplexity: opts.ComplexityLimit,
		maxAliases: defaultMaxAliases, maxSpreads: defaultMaxSpreads, maxOfType: defaultMaxOfType, maxIntrospection: defaultMaxIntrospection})

	logger := opts.Logger
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return presentError(ctx, logger, err)
	})
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p))
		return techconf.Errorf(techconf.EINTERNAL, "internal error")
	})

	h := &apiHandler{next: srv, opts: opts, cache: newResponseCache(opts.TokenLimit), names: names, apq: apq}
	if !opts.DisableFastPath {
		h.resolver = resolver
	}
	return h
}

// presentError turns an error into what the client sees: a user-facing
// message and extensions.code for our own errors, gqlgen's own errors
// (syntax, validation, limits) as they are, and anything else as a plain
// "internal error" that is logged but not shown.
func presentError(ctx context.Context, logger *slog.Logger, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	gqlErr.Message = shortMessage(gqlErr.Message)
	var te *techconf.Error
	if errors.As(err, &te) {
		gqlErr.Message = te.Message
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["code"] = te.Code
		return gqlErr
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The client went away (or its deadline passed): nobody reads the
		// answer, and for createLike the like is still stored.
		logger.DebugContext(ctx, "request ended by the client", "path", gqlErr.Path.String())
		gqlErr.Message = "the request was cancelled"
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["code"] = techconf.ECANCELLED
		return gqlErr
	}
	if gqlErr.Err != nil {
		// An error from a resolver that is not meant for users.
		logger.ErrorContext(ctx, "resolver error", "err", gqlErr.Err.Error(), "path", gqlErr.Path.String())
		gqlErr.Message = "internal error"
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		gqlErr.Extensions["code"] = techconf.EINTERNAL
	}
	return gqlErr
}

// websocketAcceptOptions turns allowed origins into the host patterns the
// WebSocket library checks the Origin header against.
func websocketAcceptOptions(allowed []string) coderws.AcceptOptions {
	var opts coderws.AcceptOptions
	for _, o := range allowed {
		if o == "*" {
			opts.InsecureSkipVerify = true // any origin, as configured
			return opts
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			opts.OriginPatterns = append(opts.OriginPatterns, u.Host)
		} else {
			opts.OriginPatterns = append(opts.OriginPatterns, o)
		}
	}
	return opts
}

// apiHandler enforces the body size limit before gqlgen reads the body (so
// an oversized request gets 413, not a decode error) and records the base
// URL for absolute links.
type apiHandler struct {
	next     http.Handler
	opts     Options
	cache    *responseCache
	names    *operationNames
	resolver *Resolver // for the createLike fast path; nil when disabled
	apq      persistedCache
}

func (h *apiHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Method == http.MethodPost {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, h.opts.MaxBodyBytes+1))
		if err != nil {
			WriteError(w, "", techconf.Errorf(techconf.EBADREQUEST, "could not read the request body"))
			return
		}
		if int64(len(body)) > h.opts.MaxBodyBytes {
			WriteError(w, "", techconf.Errorf(techconf.ETOOLARGE, "request body is larger than %d bytes", h.opts.MaxBodyBytes))
			return
		}
		if h.serveFast(w, r, body) { // with a deadline of its own
			return
		}
		if reqErr := checkPOST(r, body); reqErr != nil {
			reqErr.write(w, negotiate(r.Header.Get("Accept")))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if isSSE(r) {
			liftDeadlines(w)
		}
	}
	if r.Header.Get("Upgrade") == "" && !isSSE(r) {
		lw := &answerLimit{ResponseWriter: w, max: h.opts.MaxAnswerBytes}
		defer lw.finish()
		w = lw
	}
	base := techconf.BaseURL(r, h.opts.PublicURL)
	r = r.WithContext(withSubscriptionLimits(withBaseURL(r.Context(), base), h.opts.Subscriptions))
	stream := isSSE(r) || r.Header.Get("Upgrade") != ""
	key := ""
	if !stream {
		key = h.cacheKey(r, body, base)
	}
	if key != "" {
		if answer, ok := h.cache.get(key); ok {
			w.Header().Set("Content-Type", negotiate(r.Header.Get("Accept")))
			w.Header().Set("X-Cache", "hit")
			_, _ = w.Write(answer)
			return
		}
	}
	if !stream {
		// Work starts here: the resolvers stop at the deadline, or when
		// the client leaves (the request's context is cancelled then).
		ctx, cancel := context.WithTimeout(r.Context(), h.opts.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	if key == "" {
		h.next.ServeHTTP(w, r)
		return
	}
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	h.next.ServeHTTP(cw, r)
	if cw.status == http.StatusOK && cw.buf.Len() <= h.opts.MaxAnswerBytes && !bytes.Contains(cw.buf.Bytes(), []byte(`"errors"`)) {
		h.cache.put(key, bytes.Clone(cw.buf.Bytes()))
	}
}

// cacheKey returns the response cache's key for a plain JSON POST or a GET
// query, or "" when the request takes the normal path.
// body is the POST body ServeHTTP has already read.
func (h *apiHandler) cacheKey(r *http.Request, body []byte, base string) string {
	var req cacheRequest
	switch {
	case r.Method == http.MethodPost && !strings.Contains(r.Header.Get("Accept"), "text/event-stream"):
		if json.Unmarshal(body, &req) != nil {
			return ""
		}
	case r.Method == http.MethodGet && r.Header.Get("Upgrade") == "":
		q := r.URL.Query()
		req.Query, req.OperationName = q.Get("query"), q.Get("operationName")
		if v := q.Get("variables"); v != "" {
			req.Variables = json.RawMessage(v)
		}
		if e := q.Get("extensions"); e != "" {
			req.Extensions = json.RawMessage(e)
		}
	default:
		return ""
	}
	return h.cache.key(base+"|"+r.Header.Get("Accept"), req)
}

package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/attribute"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/server"
	"github.com/techconf/techconf/spanner"
	"github.com/techconf/techconf/sqlite"
	"github.com/techconf/techconf/telemetry"
	"github.com/techconf/techconf/web"
)

// serveConfig is everything `techconf serve` reads from flags and the
// environment.
type serveConfig struct {
	Addr           string
	DB             string
	Content        string
	Role           string
	ServerID       string
	AllowedOrigins string
	PublicURL      string
	LogLevel       string
	ShutdownGrace  time.Duration
	ShutdownDelay  time.Duration

	AdminAddr      string
	TrustedProxies string
	ReadTimeout    time.Duration
	WriteTimeout   time.Duration
	IdleTimeout    time.Duration
	RequestTimeout time.Duration
	MaxConns       int
	MaxConnsPerIP  int
	MaxStreams     int
	MaxStreamsPerC int

	StoreHorizon      time.Duration
	KeepAlive         time.Duration
	WebsocketIdle     time.Duration
	MaxSubscriptions  int
	MaxSubsPerClient  int
	LikeAckTimeout    time.Duration
	LikeRateLimitAddr float64
	LikeRateBurstAddr int
	LikeAck           string
	LikeFlushInterval time.Duration
	LikeBatchSize     int
	LikeBufferSize    int
	LikePollInterval  time.Duration
	LikeEventInterval time.Duration
	LikeRateLimit     float64
	LikeRateBurst     int
	// For tests of exactness under faults: a skewed clock for CreatedAt and
	// a delay before each flush. Not for production.
	LikeClockSkew  time.Duration
	LikeFlushDelay time.Duration
}

func parseServeFlags(args []string, stderr io.Writer, lookup func(string) (string, bool)) (*serveConfig, error) {
	c := &serveConfig{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", ":8080", "address to listen on")
	fs.StringVar(&c.DB, "db", "sqlite:techconf.db", "database: sqlite:PATH or spanner:projects/P/instances/I/databases/D")
	fs.StringVar(&c.Content, "content", "", "content folder, one subfolder per edition (default: the embedded sample)")
	fs.StringVar(&c.Role, "role", server.RoleAll, "what to serve: all, api (the GraphQL API) or web (the pages)")
	fs.StringVar(&c.ServerID, "server-id", "", "this process's id in stored likes (default: hostname plus a random suffix)")
	fs.StringVar(&c.AllowedOrigins, "allowed-origins", "*", "comma-separated origins allowed by CORS and WebSockets, e.g. https://conf.example.com; * for any")
	fs.StringVar(&c.PublicURL, "public-url", "", "base of absolute URLs in API answers, e.g. https://conf.example.com (default: the request's host)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", 20*time.Second, "on SIGTERM, how long requests in flight get to finish")
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", 0, "on SIGTERM, how long to report not-ready before closing the listener (lets a load balancer notice)")
	fs.StringVar(&c.AdminAddr, "admin-addr", "", "if set, serve /metrics and pprof on this address, which must not be routed publicly (e.g. :9090)")
	fs.StringVar(&c.AdminAddr, "debug-addr", "", "old name of --admin-addr")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", "", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client; behind a GCLB Ingress: "+server.GCLBRanges)
	fs.DurationVar(&c.ReadTimeout, "read-timeout", 30*time.Second, "most time to read a request's headers and body")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", 60*time.Second, "most time to write an answer (WebSockets and SSE streams excepted)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", 120*time.Second, "how long a keep-alive connection may wait for its next request")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", server.DefaultLimits.RequestTimeout, "deadline of a request (streams excepted); its resolvers stop then")
	fs.IntVar(&c.MaxConns, "max-conns", server.DefaultLimits.MaxConns, "most open TCP connections; more are answered 503")
	fs.IntVar(&c.MaxConnsPerIP, "max-conns-per-addr", server.DefaultLimits.MaxConnsPerAddr, "most open TCP connections from one peer address that is not a trusted proxy")
	fs.IntVar(&c.MaxStreams, "max-streams", server.DefaultLimits.MaxStreams, "most open WebSockets and SSE streams")
	fs.IntVar(&c.MaxStreamsPerC, "max-streams-per-client", server.DefaultLimits.MaxStreamsPerClient, "most open WebSockets and SSE streams of one client address")
	fs.StringVar(&c.LikeAck, "like-ack", like.AckDurable, "when createLike answers: durable (after the like is stored) or buffered (once it is in memory)")
	fs.DurationVar(&c.LikeFlushInterval, "like-flush-interval", 100*time.Millisecond, "how often buffered likes are written")
	fs.IntVar(&c.LikeBatchSize, "like-batch-size", 5000, "most likes per write (capped by the store's own limit)")
	fs.IntVar(&c.LikeBufferSize, "like-buffer-size", 100000, "most likes held in memory before createLike answers UNAVAILABLE")
	fs.DurationVar(&c.LikePollInterval, "like-poll-interval", 100*time.Millisecond, "how often the observer reads the likes of all servers")
	fs.DurationVar(&c.LikeEventInterval, "like-event-interval", 250*time.Millisecond, "least time between two likeAdded events of a session; likes in between arrive together")
	fs.Float64Var(&c.LikeRateLimit, "like-rate-limit", 50, "likes per second per client UUID on average; 0 for no limit")
	fs.IntVar(&c.LikeRateBurst, "like-rate-burst", 500, "likes a client UUID may send at once before the rate limit applies")
	fs.DurationVar(&c.KeepAlive, "keepalive", 15*time.Second, "keep-alive interval of WebSockets and SSE streams")
	fs.DurationVar(&c.WebsocketIdle, "websocket-idle", time.Minute, "close a WebSocket that holds no subscription this long")
	fs.IntVar(&c.MaxSubscriptions, "max-subscriptions", 30000, "most open likeAdded subscriptions of the process")
	fs.IntVar(&c.MaxSubsPerClient, "max-subscriptions-per-client", 3000, "most open likeAdded subscriptions of one client address")
	fs.DurationVar(&c.StoreHorizon, "store-horizon", 30*time.Second, "readiness fails once every write to the database has failed for this long")
	fs.DurationVar(&c.LikeAckTimeout, "like-ack-timeout", 5*time.Second, "durable mode: most time createLike waits for its commit before answering UNAVAILABLE (the like is still stored later)")
	fs.Float64Var(&c.LikeRateLimitAddr, "like-rate-limit-per-addr", like.DefaultAddrRate, "likes per second per client address on average (a venue NAT carries many attendees); 0 for no limit")
	fs.IntVar(&c.LikeRateBurstAddr, "like-rate-burst-per-addr", like.DefaultAddrBurst, "likes a client address may send at once before its rate limit applies")
	fs.DurationVar(&c.LikeClockSkew, "like-clock-skew", 0, "testing only: shift this server's clock for like timestamps")
	fs.DurationVar(&c.LikeFlushDelay, "like-flush-delay", 0, "testing only: hold every batch back this long before writing it")
	fs.Usage = usageWithEnv(fs, "techconf serve [flags]")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	src, err := applyEnvSources(fs, lookup)
	if err != nil {
		return nil, usagef("%v", err)
	}
	switch c.Role {
	case server.RoleAll, server.RoleAPI, server.RoleWeb:
	default:
		return nil, usagef("%s must be all, api or web (got %q)", src.name("role"), c.Role)
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		return nil, usagef("%s: %v", src.name("log-level"), err)
	}
	if _, _, err := parseDB(c.DB); err != nil {
		return nil, usagef("%s: %v", src.name("db"), err)
	}
	if c.ShutdownGrace <= 0 {
		return nil, usagef("%s must be positive (got %s)", src.name("shutdown-grace"), c.ShutdownGrace)
	}
	if c.ShutdownDelay < 0 {
		return nil, usagef("--shutdown-delay must not be negative (got %s)", c.ShutdownDelay)
	}
	if c.LikeAck != like.AckBuffered && c.LikeAck != like.AckDurable {
		return nil, usagef("%s must be durable or buffered (got %q)", src.name("like-ack"), c.LikeAck)
	}
	if c.LikeFlushInterval <= 0 || c.LikePollInterval <= 0 {
		return nil, usagef("--like-flush-interval and --like-poll-interval must be positive")
	}
	if c.LikeEventInterval < 0 {
		return nil, usagef("--like-event-interval must not be negative")
	}
	if c.LikeBatchSize < like.MaxCount {
		return nil, usagef("--like-batch-size must be at least %d (got %d)", like.MaxCount, c.LikeBatchSize)
	}
	if c.LikeBufferSize < c.LikeBatchSize {
		return nil, usagef("--like-buffer-size must be at least --like-batch-size (got %d < %d)", c.LikeBufferSize, c.LikeBatchSize)
	}
	if c.LikeRateLimit < 0 || c.LikeRateBurst < 0 {
		return nil, usagef("--like-rate-limit and --like-rate-burst must not be negative")
	}
	if c.LikeRateLimitAddr < 0 || c.LikeRateBurstAddr < 0 {
		return nil, usagef("--like-rate-limit-per-addr and --like-rate-burst-per-addr must not be negative")
	}
	if _, err := server.ParseTrustedProxies(c.TrustedProxies); err != nil {
		return nil, usagef("%s: %v", src.name("trusted-proxies"), err)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"read-timeout", c.ReadTimeout}, {"write-timeout", c.WriteTimeout}, {"idle-timeout", c.IdleTimeout}, {"request-timeout", c.RequestTimeout}, {"store-horizon", c.StoreHorizon}, {"like-ack-timeout", c.LikeAckTimeout}, {"keepalive", c.KeepAlive}, {"websocket-idle", c.WebsocketIdle}} {
		if d.v <= 0 {
			return nil, usagef("%s must be positive (got %s)", src.name(d.name), d.v)
		}
	}
	for _, n := range []struct {
		name string
		v    int
	}{{"max-conns", c.MaxConns}, {"max-conns-per-addr", c.MaxConnsPerIP}, {"max-streams", c.MaxStreams}, {"max-streams-per-client", c.MaxStreamsPerC}, {"max-subscriptions", c.MaxSubscriptions}, {"max-subscriptions-per-client", c.MaxSubsPerClient}} {
		if n.v <= 0 {
			return nil, usagef("%s must be positive (got %d)", src.name(n.name), n.v)
		}
	}
	if c.LikeFlushDelay < 0 {
		return nil, usagef("--like-flush-delay must not be negative")
	}
	if c.ServerID == "" {
		c.ServerID = defaultServerID()
	}
	if len(c.ServerID) > 128 {
		// Every stored like carries it; the Spanner schema holds 128.
		return nil, usagef("%s is %d bytes long; at most 128 are allowed", src.name("server-id"), len(c.ServerID))
	}
	return c, nil
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("want debug, info, warn or error (got %q)", s)
	}
	return l, nil
}

// parseDB splits a --db value into its kind and location.
func parseDB(s string) (kind, location string, err error) {
	kind, location, ok := strings.Cut(s, ":")
	switch {
	case !ok || location == "":
		return "", "", fmt.Errorf("want sqlite:PATH or spanner:projects/P/instances/I/databases/D (got %q)", s)
	case kind == "sqlite":
		return kind, location, nil
	case kind == "spanner":
		parts := strings.Split(location, "/")
		if len(parts) != 6 || parts[0] != "projects" || parts[2] != "instances" || parts[4] != "databases" || parts[1] == "" || parts[3] == "" || parts[5] == "" {
			return "", "", fmt.Errorf("spanner: want projects/P/instances/I/databases/D (got %q)", location)
		}
		return kind, location, nil
	default:
		return "", "", fmt.Errorf("unknown database %q (want sqlite or spanner)", kind)
	}
}

// defaultServerID is the hostname plus a random suffix, so that two
// processes on one host (or a restarted pod) never share an id.
func defaultServerID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "techconf"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// loadCatalog loads the content folder, or the embedded sample.
func loadCatalog(dir string) (*conference.Catalog, error) {
	var fsys fs.FS
	if dir == "" {
		fsys = content.Sample()
	} else {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("content folder: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("content folder %s is not a folder", dir)
		}
		fsys = os.DirFS(dir)
	}
	return conference.Load(fsys)
}

// openLikeStore opens the database named by --db.
func openLikeStore(ctx context.Context, dsn string) (like.Store, func() error, error) {
	kind, location, err := parseDB(dsn)
	if err != nil {
		return nil, nil, err
	}
	switch kind {
	case "sqlite":
		db, err := sqlite.Open(ctx, location)
		if err != nil {
			if strings.Contains(err.Error(), location) {
				return nil, nil, err
			}
			// A corrupt or unwritable file: the operator needs its path.
			return nil, nil, fmt.Errorf("database %s: %w", location, err)
		}
		return sqlite.NewLikeStore(db), db.Close, nil
	default:
		store, err := spanner.Open(ctx, location)
		if err != nil {
			return nil, nil, err
		}
		return store, func() error { store.Close(); return nil }, nil
	}
}

func runServe(ctx context.Context, args []string, stderr io.Writer, lookup func(string) (string, bool)) error {
	cfg, err := parseServeFlags(args, stderr, lookup)
	if err != nil {
		return err
	}
	level, _ := parseLogLevel(cfg.LogLevel)
	// Lines below warning level are written together, at most 100 ms
	// late: a write per request's line was a twentieth of a createLike.
	logs := telemetry.NewLogBuffer(stderr, 100*time.Millisecond)
	defer logs.Flush()
	logger := slog.New(telemetry.FlushOn(telemetry.LogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level})), logs, slog.LevelWarn)).With("server_id", cfg.ServerID)
	slog.SetDefault(logger)
	tracing, err := telemetry.Start(ctx, telemetry.Options{Env: lookup, Attributes: []attribute.KeyValue{
		attribute.String("service.instance.id", cfg.ServerID), attribute.String("techconf.role", cfg.Role)}})
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tracing.Shutdown(ctx); err != nil {
			logger.Warn("tracing: spans not exported", "err", err)
		}
	}()

	setMemoryLimit(logger, lookup)
	trusted, _ := server.ParseTrustedProxies(cfg.TrustedProxies)
	limits := server.Limits{
		MaxConns: cfg.MaxConns, MaxConnsPerAddr: cfg.MaxConnsPerIP,
		MaxStreams: cfg.MaxStreams, MaxStreamsPerClient: cfg.MaxStreamsPerC,
		RequestTimeout: cfg.RequestTimeout, TrustedProxies: trusted,
	}

	catalog, err := loadCatalog(cfg.Content)
	if err != nil {
		return err
	}
	store, closeStore, err := openLikeStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer closeStore()
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var likes *like.Service
	likeMetrics := server.NewLikeMetrics(reg, func() int { return likes.Subscribers() })
	now := time.Now
	if skew := cfg.LikeClockSkew; skew != 0 {
		now = func() time.Time { return time.Now().Add(skew) }
	}
	likes, err = like.Open(ctx, store, like.Config{
		ServerID: cfg.ServerID,
		Now:      now,
		Ack:      cfg.LikeAck,
		Buffer: like.BufferConfig{
			Capacity:      cfg.LikeBufferSize,
			BatchSize:     cfg.LikeBatchSize,
			FlushInterval: cfg.LikeFlushInterval,
			FlushDelay:    cfg.LikeFlushDelay,
		},
		PollInterval:  cfg.LikePollInterval,
		EventInterval: cfg.LikeEventInterval,
		RateLimit:     cfg.LikeRateLimit,
		RateBurst:     cfg.LikeRateBurst,
		AddrRateLimit: cfg.LikeRateLimitAddr,
		AddrRateBurst: cfg.LikeRateBurstAddr,
		AckTimeout:    cfg.LikeAckTimeout,
		Metrics:       likeMetrics,
		Logger:        logger,
	})
	if err != nil {
		return err
	}
	srv := server.New(server.Config{
		Role:            cfg.Role,
		Catalog:         catalog,
		Likes:           likes,
		Ping:            store.Ping,
		StoreFailingFor: likes.StoreFailingFor,
		StoreHorizon:    cfg.StoreHorizon,
		Web:             web.NewHandler(catalog, likes, logger, web.Options{PublicURL: cfg.PublicURL}),
		AllowedOrigins:  server.ParseOrigins(cfg.AllowedOrigins),
		API: graphql.Options{PublicURL: cfg.PublicURL, KeepAlive: cfg.KeepAlive, WebsocketIdle: cfg.WebsocketIdle,
			Subscriptions: &graphql.SubscriptionLimits{Max: cfg.MaxSubscriptions, PerClient: cfg.MaxSubsPerClient}},
		Logger:   logger,
		Registry: reg,
		Limits:   limits,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	ln = server.LimitListener(ln, limits, logger)
	httpServer := &http.Server{
		Handler:           tracing.Handler(srv),
		ReadHeaderTimeout: min(10*time.Second, cfg.ReadTimeout),
		// A client that sends its body a byte at a time, or never reads
		// its answer, holds a connection and its buffers only this long.
		// Streams (WebSockets, SSE) lift both deadlines once started.
		ReadTimeout:    cfg.ReadTimeout,
		WriteTimeout:   cfg.WriteTimeout,
		IdleTimeout:    cfg.IdleTimeout,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests do not inherit the signal context: on SIGTERM those in
		// flight finish (a durable createLike waits for its flush).
	}
	editions := make([]string, len(catalog.Editions))
	for i, e := range catalog.Editions {
		editions[i] = e.ID
	}
	logger.Info("serving", "addr", ln.Addr().String(), "role", cfg.Role, "db", cfg.DB, "editions", editions,
		"like_ack", cfg.LikeAck, "tracing", tracing.Exporter())

	if cfg.AdminAddr != "" {
		adminLn, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			return fmt.Errorf("--admin-addr: %w", err)
		}
		admin := &http.Server{Handler: server.AdminHandler(reg), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
		defer admin.Close()
		logger.Info("serving admin (/metrics, /debug/pprof/)", "admin_addr", adminLn.Addr().String())
		go func() {
			if err := admin.Serve(adminLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("admin server", "err", err)
			}
		}()
	}
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	select {
	case err := <-errc:
		likes.Close(context.Background())
		return err
	case <-ctx.Done():
	}

	// SIGTERM: report not ready first and give the load balancer time to
	// notice; then, within the grace period, stop accepting likes and store
	// every one held (ending subscriptions), while requests in flight finish.
	logger.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	srv.Drain()
	time.Sleep(cfg.ShutdownDelay)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	likesClosed := make(chan error, 1)
	go func() { likesClosed <- likes.Close(shutdownCtx) }()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		logger.Warn("shutdown: requests still in flight were cut off", "err", err)
	}
	if err := <-likesClosed; err != nil {
		logger.Error("shutdown: likes lost", "err", err)
		return err
	}
	logger.Info("stopped; every accepted like is stored")
	return nil
}

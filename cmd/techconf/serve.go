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
	"os"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/metrics"
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
	fs.StringVar(&c.PublicURL, "public-url", "", "base of absolute URLs in pages and API answers, e.g. https://conf.example.com (default: the request's host; X-Forwarded-Host only from --trusted-proxies)")
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
	if c.LikeFlushInterval <= 0 || c.LikePollInterval <= 0 {
		return nil, usagef("--like-flush-interval and --like-poll-interval must be positive")
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
	if c.ServerID == "" {
		c.ServerID = defaultServerID()
	}
	// The like service checks its own settings; name the flag it came from.
	likeCfg := c.likeConfig()
	if err := likeCfg.Validate(); err != nil {
		var cerr *like.ConfigError
		if errors.As(err, &cerr) && likeFlags[cerr.Field] != "" {
			return nil, usagef("%s %s", src.name(likeFlags[cerr.Field]), cerr.Problem)
		}
		return nil, usagef("%v", err)
	}
	return c, nil
}

// likeFlags names the flag of each like.Config field it sets.
var likeFlags = map[string]string{
	"ServerID": "server-id", "Ack": "like-ack",
	"Buffer.BatchSize": "like-batch-size", "Buffer.Capacity": "like-buffer-size", "Buffer.FlushInterval": "like-flush-interval",
	"PollInterval": "like-poll-interval", "EventInterval": "like-event-interval", "AckTimeout": "like-ack-timeout",
	"RateLimit": "like-rate-limit", "RateBurst": "like-rate-burst",
	"AddrRateLimit": "like-rate-limit-per-addr", "AddrRateBurst": "like-rate-burst-per-addr",
}

// likeConfig is the like service's part of the configuration; Main adds
// the clock, the metrics and the logger.
func (c *serveConfig) likeConfig() like.Config {
	return like.Config{
		ServerID: c.ServerID,
		Ack:      c.LikeAck,
		Buffer: like.BufferConfig{
			Capacity:      c.LikeBufferSize,
			BatchSize:     c.LikeBatchSize,
			FlushInterval: c.LikeFlushInterval,
		},
		PollInterval:  c.LikePollInterval,
		EventInterval: c.LikeEventInterval,
		RateLimit:     c.LikeRateLimit,
		RateBurst:     c.LikeRateBurst,
		AddrRateLimit: c.LikeRateLimitAddr,
		AddrRateBurst: c.LikeRateBurstAddr,
		AckTimeout:    c.LikeAckTimeout,
	}
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("want debug, info, warn or error (got %q)", s)
	}
	return l, nil
}

// parseDB splits a --db value into its kind and location; each store
// checks its own location.
func parseDB(s string) (kind, location string, err error) {
	kind, location, ok := strings.Cut(s, ":")
	switch {
	case !ok || location == "":
		return "", "", fmt.Errorf("want sqlite:PATH or spanner:projects/P/instances/I/databases/D (got %q)", s)
	case kind == "sqlite":
		return kind, location, nil
	case kind == "spanner":
		if _, err := spanner.ParseDatabase(location); err != nil {
			return "", "", err
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
	m := NewMain(cfg, stderr, lookup)
	if err := m.Run(ctx); err != nil {
		m.Close()
		return err
	}
	return m.Wait(ctx)
}

// Main is `techconf serve` wired together: the content, the store, the
// like service and the HTTP server. Run opens them and returns once the
// server listens; Close shuts them down in order. Tests run it in-process.
type Main struct {
	Config *serveConfig
	// Now is the clock of the likes' timestamps; default time.Now.
	Now func() time.Time
	// WrapStore, if set, wraps the store the like service writes through
	// (tests delay or fail its writes).
	WrapStore func(like.Store) like.Store

	Logger *slog.Logger
	Likes  *like.Service
	Server *server.Server
	logs   *telemetry.LogBuffer
	// requestLog writes the request lines that Logger would, faster.
	requestLog *server.RequestLog
	lookup     func(string) (string, bool)
	closers    []func() error // run last first by Close
	serving    bool
}

// NewMain returns a Main for a parsed configuration; it logs to stderr and
// reads the environment (tracing, memory limit) through lookup.
func NewMain(cfg *serveConfig, stderr io.Writer, lookup func(string) (string, bool)) *Main {
	level, _ := parseLogLevel(cfg.LogLevel)
	// Lines below warning level are written together, at most 100 ms
	// late: a write per request's line was a twentieth of a createLike.
	// Close flushes them.
	logs := telemetry.NewLogBuffer(stderr, 100*time.Millisecond)
	logger := slog.New(telemetry.FlushOn(telemetry.LogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: level})), logs, slog.LevelWarn)).With("server_id", cfg.ServerID)
	requests := server.NewRequestLog(logs, level, telemetry.SpanOf, "server_id", cfg.ServerID)
	return &Main{Config: cfg, Now: time.Now, Logger: logger, requestLog: requests, logs: logs, lookup: lookup}
}

// Run opens everything and starts serving; it returns once the server
// listens (Server.Addr is then the bound address). On an error, Close
// releases what was opened.
func (m *Main) Run(ctx context.Context) error {
	cfg, logger := m.Config, m.Logger
	slog.SetDefault(logger)
	tracing, err := telemetry.Start(ctx, telemetry.Options{Env: m.lookup, Logger: logger, Attributes: []attribute.KeyValue{
		attribute.String("service.instance.id", cfg.ServerID), attribute.String("techconf.role", cfg.Role)}})
	if err != nil {
		return err
	}
	m.closers = append(m.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tracing.Shutdown(ctx); err != nil {
			logger.Warn("tracing: spans not exported", "err", err)
		}
		return nil
	})
	setMemoryLimit(logger, m.lookup)

	catalog, err := loadCatalog(cfg.Content)
	if err != nil {
		return err
	}
	store, closeStore, err := openLikeStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	m.closers = append(m.closers, closeStore)
	var likeStore like.Store = store
	if m.WrapStore != nil {
		likeStore = m.WrapStore(store)
	}
	reg := metrics.NewRegistry(true)
	var likes *like.Service
	likeMetrics := reg.Like(func() int { return likes.Subscribers() })
	likeCfg := cfg.likeConfig()
	likeCfg.Now, likeCfg.Metrics, likeCfg.Logger = m.Now, likeMetrics, logger
	likes, err = like.Open(ctx, likeStore, likeCfg)
	if err != nil {
		return err
	}
	m.Likes = likes
	trusted, _ := server.ParseTrustedProxies(cfg.TrustedProxies)
	m.Server = server.New(server.Config{
		Role:            cfg.Role,
		Catalog:         catalog,
		Likes:           likes,
		Ping:            store.Ping,
		StoreFailingFor: likes.StoreFailingFor,
		StoreHorizon:    cfg.StoreHorizon,
		Web:             web.NewHandler(catalog, likes, web.Options{PublicURL: cfg.PublicURL, Logger: logger}),
		AllowedOrigins:  server.ParseOrigins(cfg.AllowedOrigins),
		API: graphql.Options{PublicURL: cfg.PublicURL, KeepAlive: cfg.KeepAlive, WebsocketIdle: cfg.WebsocketIdle,
			Subscriptions: &graphql.SubscriptionLimits{Max: cfg.MaxSubscriptions, PerClient: cfg.MaxSubsPerClient}},
		Logger:         logger,
		RequestLog:     m.requestLog,
		Metrics:        reg.HTTP(),
		MetricsHandler: reg.Handler(),
		Limits: server.Limits{
			MaxConns: cfg.MaxConns, MaxConnsPerAddr: cfg.MaxConnsPerIP,
			MaxStreams: cfg.MaxStreams, MaxStreamsPerClient: cfg.MaxStreamsPerC,
			RequestTimeout: cfg.RequestTimeout, TrustedProxies: trusted,
		},
		Listen: server.Listen{
			Addr: cfg.Addr, AdminAddr: cfg.AdminAddr,
			ReadTimeout: cfg.ReadTimeout, WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout,
			ShutdownDelay: cfg.ShutdownDelay, ShutdownGrace: cfg.ShutdownGrace,
		},
		Middleware: tracing.Handler,
		// On SIGTERM, within the grace period, stop accepting likes and
		// store every one held (ending subscriptions), while requests in
		// flight finish.
		OnShutdown: likes.Close,
	})
	if err := m.Server.Open(); err != nil {
		return err // names the address, public or admin, that failed
	}
	m.serving = true
	editions := make([]string, len(catalog.Editions))
	for i, e := range catalog.Editions {
		editions[i] = e.ID
	}
	logger.Info("serving", "addr", m.Server.Addr().String(), "role", cfg.Role, "db", cfg.DB, "editions", editions,
		"like_ack", cfg.LikeAck, "tracing", tracing.Exporter())
	if a := m.Server.AdminURL(); a != "" {
		logger.Info("serving admin (/metrics, /debug/pprof/)", "admin_addr", strings.TrimPrefix(a, "http://"))
	}
	return nil
}

// Wait serves until ctx ends (SIGTERM) or the server fails, then closes.
func (m *Main) Wait(ctx context.Context) error {
	var err error
	select {
	case err = <-m.Server.Failed():
	case <-ctx.Done():
	}
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close shuts down gracefully: the server drains and stops while the like
// service stores every like it holds; then the store and tracing close.
// It returns an error if accepted likes were lost.
func (m *Main) Close() error {
	var err error
	switch {
	case m.Server != nil:
		err = m.Server.Close()
	case m.Likes != nil:
		err = m.Likes.Close(context.Background())
	}
	serving := m.serving
	m.Server, m.Likes, m.serving = nil, nil, false
	if err != nil {
		m.Logger.Error("shutdown: likes lost", "err", err)
	} else if serving {
		m.Logger.Info("stopped; every accepted like is stored")
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		m.closers[i]()
	}
	m.closers = nil
	if m.logs != nil {
		m.logs.Flush()
	}
	return err
}

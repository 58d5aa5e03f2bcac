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

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/server"
	"github.com/techconf/techconf/sqlite"
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
	if err := applyEnv(fs, lookup); err != nil {
		return nil, usagef("%v", err)
	}
	switch c.Role {
	case server.RoleAll, server.RoleAPI, server.RoleWeb:
	default:
		return nil, usagef("--role must be all, api or web (got %q)", c.Role)
	}
	if _, err := parseLogLevel(c.LogLevel); err != nil {
		return nil, usagef("%v", err)
	}
	if _, _, err := parseDB(c.DB); err != nil {
		return nil, usagef("%v", err)
	}
	if c.ShutdownGrace <= 0 {
		return nil, usagef("--shutdown-grace must be positive (got %s)", c.ShutdownGrace)
	}
	if c.ShutdownDelay < 0 {
		return nil, usagef("--shutdown-delay must not be negative (got %s)", c.ShutdownDelay)
	}
	if c.ServerID == "" {
		c.ServerID = defaultServerID()
	}
	return c, nil
}

func parseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level must be debug, info, warn or error (got %q)", s)
	}
	return l, nil
}

// parseDB splits a --db value into its kind and location.
func parseDB(s string) (kind, location string, err error) {
	kind, location, ok := strings.Cut(s, ":")
	switch {
	case !ok || location == "":
		return "", "", fmt.Errorf("--db must be sqlite:PATH or spanner:projects/P/instances/I/databases/D (got %q)", s)
	case kind == "sqlite":
		return kind, location, nil
	case kind == "spanner":
		parts := strings.Split(location, "/")
		if len(parts) != 6 || parts[0] != "projects" || parts[2] != "instances" || parts[4] != "databases" || parts[1] == "" || parts[3] == "" || parts[5] == "" {
			return "", "", fmt.Errorf("--db spanner: wants projects/P/instances/I/databases/D (got %q)", location)
		}
		return kind, location, nil
	default:
		return "", "", fmt.Errorf("--db: unknown database %q (want sqlite or spanner)", kind)
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
			return nil, nil, err
		}
		return sqlite.NewLikeStore(db), db.Close, nil
	default:
		return nil, nil, fmt.Errorf("--db %s: this build does not include the %s store yet; use sqlite:PATH", dsn, kind)
	}
}

func runServe(ctx context.Context, args []string, stderr io.Writer, lookup func(string) (string, bool)) error {
	cfg, err := parseServeFlags(args, stderr, lookup)
	if err != nil {
		return err
	}
	level, _ := parseLogLevel(cfg.LogLevel)
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})).With("server_id", cfg.ServerID)
	slog.SetDefault(logger)

	catalog, err := loadCatalog(cfg.Content)
	if err != nil {
		return err
	}
	store, closeStore, err := openLikeStore(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer closeStore()
	likes, err := like.NewService(ctx, store, cfg.ServerID, time.Now)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := server.New(server.Config{
		Role:           cfg.Role,
		Catalog:        catalog,
		Likes:          likes,
		Ping:           store.Ping,
		Web:            web.NewHandler(catalog, logger),
		AllowedOrigins: server.ParseOrigins(cfg.AllowedOrigins),
		API:            graphql.Options{PublicURL: cfg.PublicURL},
		Logger:         logger,
		Registry:       reg,
	})

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	httpServer := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	editions := make([]string, len(catalog.Editions))
	for i, e := range catalog.Editions {
		editions[i] = e.ID
	}
	logger.Info("serving", "addr", ln.Addr().String(), "role", cfg.Role, "db", cfg.DB, "editions", editions)

	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}

	// SIGTERM: report not ready first, give the load balancer time to
	// notice, then let requests in flight finish within the grace period.
	logger.Info("shutting down", "grace", cfg.ShutdownGrace.String())
	srv.Drain()
	time.Sleep(cfg.ShutdownDelay)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownGrace)
	defer cancel()
	if err := httpServer.Shutdown(shutdownCtx); err != nil {
		logger.Warn("shutdown: requests still in flight were cut off", "err", err)
	}
	logger.Info("stopped")
	return nil
}

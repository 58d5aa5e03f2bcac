// Package testserver is the one test harness: every test package starts
// the site through it, in one of two ways.
//
//   - Start runs it in the test's process: the sample content, likes on a
//     real SQLite file, the pages and the API behind one server.Server
//     (role all, as `techconf serve` runs locally), over real HTTP on a
//     loopback port; options change the like service, the server's
//     configuration, or put a package's own handler in the server's place.
//   - StartProcess runs `techconf serve` as a process of its own, for what
//     only processes show (SIGTERM, kill -9, several servers with their own
//     clocks); StartInProcess gives cmd/techconf's in-process Main the same
//     Process API.
//
// Client is the GraphQL client the tests use (Do, Liked): internal/gqlclient
// with t.Fatal on a request that got no answer. Only tests import
// this package, so it is not in the binary.
package testserver

import (
	"context"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/metrics"
	"github.com/techconf/techconf/server"
	"github.com/techconf/techconf/sqlite"
	"github.com/techconf/techconf/web"
)

// Config says how to start a Site. The zero value serves the whole site
// (role all, any origin) on a new SQLite file on a new loopback port.
type Config struct {
	// Content is the conference to serve; nil means the embedded sample.
	Content fs.FS
	// DBPath is the SQLite file; empty means a new one in tb.TempDir().
	// Two sites started one after the other on one file are the old and
	// the new server of a rollout.
	DBPath string
	// Listener is where the site serves; nil means a new one on
	// 127.0.0.1:0. A test that restarts "the same server" listens again
	// on the address the first one had and passes that listener.
	Listener net.Listener
	// ServerID names this server among those writing likes; empty means
	// Like.ServerID, else "test".
	ServerID string
	// Like configures the like service; its Logger defaults to Logger,
	// and with Admin its Metrics to the site's Registry (without, to none,
	// so that benchmarks measure the likes alone).
	Like like.Config
	// Role is the server's role; empty means server.RoleAll.
	Role string
	// AllowedOrigins for CORS and WebSockets; nil means any ("*").
	AllowedOrigins []string
	// Logger receives the server's and the pages' logs; nil discards them.
	Logger *slog.Logger
	// Server, if set, makes a last change to the server's configuration
	// before it is built (a failing Ping, limits, API options).
	Server func(*server.Config)
	// Handler, if set, serves in place of the server: a package's own
	// handler (the API of one edition, the pages alone) built from the
	// site's content and likes.
	Handler func(*Site) http.Handler
	// RuntimeMetrics adds the Go runtime's and the process's metrics
	// (memory, CPU) to the registry, as `techconf serve` has them.
	RuntimeMetrics bool
	// Admin also serves the admin handler (/metrics, pprof) on a port of
	// its own, at Site.AdminURL.
	Admin bool
	// Wrap, if set, wraps the server's handler: a test's fault injector
	// between the client and the real server.
	Wrap func(http.Handler) http.Handler
}

// Site is a running site.
type Site struct {
	// URL is the site's base URL, http://127.0.0.1:port.
	URL string
	// AdminURL is the admin handler's base URL when Config.Admin asked
	// for it.
	AdminURL string
	// Catalog is the loaded content.
	Catalog *conference.Catalog
	// Edition is the sample's 2018 edition, the one most tests use (nil
	// for content without it).
	Edition *conference.Edition
	// Likes is the like service the pages and the API share.
	Likes *like.Service
	// Store is the like store on the site's SQLite file, for tests that
	// count what was really stored.
	Store *sqlite.LikeStore
	// Registry holds the site's metrics (served at AdminURL/metrics).
	Registry *metrics.Registry
	// Server is the HTTP server, nil when Config.Handler replaced it.
	Server *server.Server
	// Logger is the logger the site's parts were given.
	Logger *slog.Logger

	stopOnce sync.Once
	stop     func()
}

// Start serves the site until the test ends or Stop is called; it fails
// the test if any part does not start.
func Start(tb testing.TB, cfg Config) *Site {
	tb.Helper()
	if cfg.Content == nil {
		cfg.Content = content.Sample()
	}
	catalog, err := conference.Load(cfg.Content)
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join(tb.TempDir(), "likes.db")
	}
	if cfg.ServerID != "" {
		cfg.Like.ServerID = cfg.ServerID
	}
	if cfg.Like.ServerID == "" {
		cfg.Like.ServerID = "test"
	}
	if cfg.Role == "" {
		cfg.Role = server.RoleAll
	}
	if cfg.AllowedOrigins == nil {
		cfg.AllowedOrigins = []string{"*"}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	db, err := sqlite.Open(context.Background(), cfg.DBPath)
	if err != nil {
		tb.Fatal(err)
	}
	store := sqlite.NewLikeStore(db)
	reg := metrics.NewRegistry(cfg.RuntimeMetrics)
	var likes *like.Service
	if cfg.Like.Metrics == nil && cfg.Admin {
		cfg.Like.Metrics = reg.Like(func() int { return likes.Subscribers() })
	}
	if cfg.Like.Logger == nil {
		cfg.Like.Logger = cfg.Logger
	}
	likes, err = like.Open(context.Background(), store, cfg.Like)
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	s := &Site{Catalog: catalog, Edition: catalog.Edition("2018"), Likes: likes, Store: store, Registry: reg, Logger: cfg.Logger}
	var h http.Handler
	if cfg.Handler != nil {
		h = cfg.Handler(s)
	} else {
		sc := server.Config{
			Role: cfg.Role, Catalog: catalog, Likes: likes, Ping: store.Ping,
			Web: web.NewHandler(catalog, likes, web.Options{Logger: cfg.Logger}), AllowedOrigins: cfg.AllowedOrigins,
			Logger: cfg.Logger, Metrics: reg.HTTP(), MetricsHandler: reg.Handler(),
		}
		if cfg.Server != nil {
			cfg.Server(&sc)
		}
		s.Server = server.New(sc)
		h = s.Server
	}
	if cfg.Wrap != nil {
		h = cfg.Wrap(h)
	}
	ts := httptest.NewUnstartedServer(h)
	if cfg.Listener != nil {
		ts.Listener.Close()
		ts.Listener = cfg.Listener
	}
	ts.Start()
	s.URL = ts.URL
	admin := func() {}
	if cfg.Admin {
		as := httptest.NewServer(server.AdminHandler(reg.Handler()))
		s.AdminURL, admin = as.URL, as.Close
	}
	s.stop = func() {
		likes.Close(context.Background())
		ts.Close()
		admin()
		db.Close()
	}
	tb.Cleanup(s.Stop)
	return s
}

// Client is a GraphQL client for one of the site's editions.
func (s *Site) Client(edition string) *Client { return NewClient(s.URL, edition) }

// Stop shuts the site down as SIGTERM would: subscriptions end, the likes
// are flushed, the listener closes. It may be called more than once.
func (s *Site) Stop() { s.stopOnce.Do(s.stop) }

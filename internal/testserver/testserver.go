// Package testserver starts the whole site for tests: the sample content,
// likes on a real SQLite file, the pages and the API behind one
// server.Server (role all, as `techconf serve` runs locally), over real
// HTTP on a loopback port.
//
// It exists so that tests outside the packages they test, such as the
// browser tests in the e2e module, start the site one way, without test
// hooks exported from production packages. Only tests import it, so it is
// not in the binary.
package testserver

import (
	"context"
	"io"
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

// Config says how to start a Site. The zero value serves a new SQLite file
// on a new loopback port.
type Config struct {
	// DBPath is the SQLite file; empty means a new one in tb.TempDir().
	// Two sites started one after the other on one file are the old and
	// the new server of a rollout.
	DBPath string
	// Listener is where the site serves; nil means a new one on
	// 127.0.0.1:0. A test that restarts "the same server" listens again
	// on the address the first one had and passes that listener.
	Listener net.Listener
	// ServerID names this server among those writing likes; empty means
	// "test".
	ServerID string
	// Wrap, if set, wraps the server's handler: a test's fault injector
	// between the client and the real server.
	Wrap func(http.Handler) http.Handler
}

// Site is a running site.
type Site struct {
	// URL is the site's base URL, http://127.0.0.1:port.
	URL string
	// Catalog is the loaded sample content.
	Catalog *conference.Catalog
	// Edition is the sample's 2018 edition, the one most tests use.
	Edition *conference.Edition
	// Likes is the like service the pages and the API share.
	Likes *like.Service
	// Store is the like store on the site's SQLite file, for tests that
	// count what was really stored.
	Store *sqlite.LikeStore

	stopOnce sync.Once
	stop     func()
}

// Start serves the site until the test ends or Stop is called; it fails
// the test if any part does not start.
func Start(tb testing.TB, cfg Config) *Site {
	tb.Helper()
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.DBPath == "" {
		cfg.DBPath = filepath.Join(tb.TempDir(), "likes.db")
	}
	if cfg.ServerID == "" {
		cfg.ServerID = "test"
	}
	db, err := sqlite.Open(context.Background(), cfg.DBPath)
	if err != nil {
		tb.Fatal(err)
	}
	store := sqlite.NewLikeStore(db)
	likes, err := like.Open(context.Background(), store, like.Config{ServerID: cfg.ServerID})
	if err != nil {
		db.Close()
		tb.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	var h http.Handler = server.New(server.Config{
		Role: server.RoleAll, Catalog: catalog, Likes: likes, Ping: store.Ping,
		Web: web.NewHandler(catalog, likes, logger, web.Options{}), AllowedOrigins: []string{"*"},
		Logger: logger, Metrics: metrics.NewRegistry(false).HTTP(),
	})
	if cfg.Wrap != nil {
		h = cfg.Wrap(h)
	}
	ts := httptest.NewUnstartedServer(h)
	if cfg.Listener != nil {
		ts.Listener.Close()
		ts.Listener = cfg.Listener
	}
	ts.Start()
	s := &Site{URL: ts.URL, Catalog: catalog, Edition: catalog.Edition("2018"), Likes: likes, Store: store}
	s.stop = func() {
		likes.Close(context.Background())
		ts.Close()
		db.Close()
	}
	tb.Cleanup(s.Stop)
	return s
}

// Stop shuts the site down as SIGTERM would: subscriptions end, the likes
// are flushed, the listener closes. It may be called more than once.
func (s *Site) Stop() { s.stopOnce.Do(s.stop) }

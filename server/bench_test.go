package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/metrics"
	"github.com/techconf/techconf/server"
	"github.com/techconf/techconf/sqlite"
)

// BenchmarkCreateLike is a createLike through the whole server (limits,
// routing, metrics, the request's log line formatted and discarded, the
// API's fast path) without the network, buffered: what the server adds to
// graphql's BenchmarkCreateLike/Fast is the middleware's cost.
func BenchmarkCreateLike(b *testing.B) {
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), b.TempDir()+"/likes.db")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	likes, err := like.Open(context.Background(), sqlite.NewLikeStore(db), like.Config{ServerID: "bench", Ack: like.AckBuffered,
		Buffer: like.BufferConfig{Capacity: 10_000_000}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { likes.Close(context.Background()) })
	srv := server.New(server.Config{Role: server.RoleAPI, Catalog: catalog, Likes: likes,
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)), Metrics: metrics.NewRegistry(false).HTTP()})
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		id := "bench" + strconv.Itoa(i)
		body := `{"query":"mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }","variables":{"input":{"uuid":"` +
			id + `","sessionId":5,"requestId":"` + id + `"}}}`
		req := httptest.NewRequest(http.MethodPost, "/2018/api/query", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"count":1`) {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/server"
)

// BenchmarkCreateLike is a createLike through the whole server (limits,
// routing, metrics, the request's log line formatted and discarded, the
// API's fast path) without the network, buffered: what the server adds to
// graphql's BenchmarkCreateLike/Fast is the middleware's cost.
func BenchmarkCreateLike(b *testing.B) {
	site := testserver.Start(b, testserver.Config{ServerID: "bench", Role: server.RoleAPI, AllowedOrigins: []string{},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Like:   like.Config{Ack: like.AckBuffered, Buffer: like.BufferConfig{Capacity: 10_000_000}}})
	srv := site.Server
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

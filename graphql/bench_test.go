package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/sqlite"
)

// BenchmarkTimetable resolves the timetable query the clients send at
// start, through the handler but without the network: "Uncached" asks for
// liked too, which keeps the answer out of the response cache.
func BenchmarkTimetable(b *testing.B) {
	api := mustOpenAPI(b, graphql.Options{})
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		b.Fatal(err)
	}
	h := graphql.NewHandler(catalog.Edition("2018"), api.Likes, graphql.Options{PublicURL: "https://conf.example.com"})
	for _, bc := range []struct{ name, fields string }{
		{"Cached", "id sessionId type place title titleJa startTime endTime lang tags speakers { speakerId name nameJa iconUrl }"},
		{"Uncached", "id sessionId type place title titleJa startTime endTime lang tags liked speakers { speakerId name nameJa iconUrl }"},
	} {
		body := `{"query":"{ sessionList { nodes { ` + bc.fields + ` } } }"}`
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				req := httptest.NewRequest(http.MethodPost, "/2018/api/query", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkRefusal measures what a hostile query costs the server before
// it is refused (fragment fan-out, introspection aliased many times), and
// what the bounds cost the full standard introspection query, which is
// answered.
func BenchmarkRefusal(b *testing.B) {
	api := mustOpenAPI(b, graphql.Options{})
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		b.Fatal(err)
	}
	h := graphql.NewHandler(catalog.Edition("2018"), api.Likes, graphql.Options{PublicURL: "https://conf.example.com"})
	full := introspectionQuery(introspectionOptions{true, true, true, true, true, true, 9})
	var aliased strings.Builder
	aliased.WriteString("{")
	for i := range 15 {
		fmt.Fprintf(&aliased, " s%d: __schema { types { name fields { name type { name } } } }", i)
	}
	aliased.WriteString(" }")
	for _, bc := range []struct {
		name, query string
		status      int
	}{
		{"FanOut29", fanOut(29), http.StatusOK},
		{"FanOut64", fanOut(64), http.StatusOK},
		{"AliasedIntrospection", aliased.String(), http.StatusOK},
		{"OneFieldManyTimes", "{" + strings.Repeat(" __typename", 9000) + " }", http.StatusOK},
		{"FullIntrospection", full, http.StatusOK},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				// A comment makes each query new to the caches, as a
				// hostile client would.
				body, _ := json.Marshal(map[string]any{"query": bc.query + "\n# " + strconv.Itoa(i)})
				req := httptest.NewRequest(http.MethodPost, "/2018/api/query", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != bc.status {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkCreateLike is the handler's own work on the createLike the web
// page sends (buffered acknowledgement, a new client and key per request),
// without the network and without storing, which the flusher does in its
// own goroutine: "Fast" through the fast path, "Gqlgen" without it.
func BenchmarkCreateLike(b *testing.B) {
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		b.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "likes.db"))
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
	for _, bc := range []struct {
		name    string
		disable bool
	}{{"Fast", false}, {"Gqlgen", true}} {
		h := graphql.NewHandler(catalog.Edition("2018"), likes, graphql.Options{DisableFastPath: bc.disable})
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				id := bc.name + strconv.Itoa(i)
				body := `{"query":"mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }","variables":{"input":{"uuid":"` +
					id + `","sessionId":5,"requestId":"` + id + `"}}}`
				req := httptest.NewRequest(http.MethodPost, "/2018/api/query", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"count":1`) {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

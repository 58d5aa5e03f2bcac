package graphql_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/sqlite"
)

// testAPI is the 2018 edition's API on a real HTTP server, backed by a real
// SQLite file.
type testAPI struct {
	URL     string // the query endpoint
	Edition *conference.Edition
	Store   *sqlite.LikeStore
	Likes   *like.Service
}

func mustOpenAPI(tb testing.TB, opts graphql.Options) *testAPI {
	tb.Helper()
	return mustOpenEditionAPI(tb, "2018", opts)
}

// mustOpenEditionAPI is mustOpenAPI for any edition of the sample: the
// edition's API handler alone, served by the harness (likes acknowledged
// when stored, flushed and read back every 5 ms).
func mustOpenEditionAPI(tb testing.TB, id string, opts graphql.Options) *testAPI {
	tb.Helper()
	if opts.PublicURL == "" {
		opts.PublicURL = "https://conf.example.com"
	}
	site := testserver.Start(tb, testserver.Config{
		ServerID: "test-server",
		Like: like.Config{Ack: like.AckDurable,
			Buffer: like.BufferConfig{FlushInterval: 5 * time.Millisecond}, PollInterval: 5 * time.Millisecond},
		Handler: func(s *testserver.Site) http.Handler {
			mux := http.NewServeMux()
			mux.Handle("/"+id+"/api/query", graphql.NewHandler(s.Catalog.Edition(id), s.Likes, opts))
			return mux
		},
	})
	return &testAPI{URL: site.Client(id).Endpoint, Edition: site.Catalog.Edition(id), Store: site.Store, Likes: site.Likes}
}

// gqlResponse is a GraphQL answer with its HTTP status.
type gqlResponse = testserver.Response

func (api *testAPI) post(tb testing.TB, contentType string, body []byte) *gqlResponse {
	tb.Helper()
	return (&testserver.Client{Endpoint: api.URL}).Post(tb, contentType, body)
}

func (api *testAPI) query(tb testing.TB, query string, vars map[string]any) *gqlResponse {
	tb.Helper()
	return (&testserver.Client{Endpoint: api.URL}).Do(tb, query, vars)
}

// TestGolden runs every testdata/queries/*.graphql and compares the answer
// with the .json beside it. `go test ./... -update` rewrites the answers.
func TestGolden(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	files, err := filepath.Glob("testdata/queries/*.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden queries found")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".graphql")
		t.Run(name, func(t *testing.T) {
			q, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			resp := api.query(t, string(q), nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("status %d; want 200: %s", resp.Status, resp.Raw)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, resp.Raw, "", "  "); err != nil {
				t.Fatal(err)
			}
			pretty.WriteByte('\n')
			golden.Check(t, strings.TrimSuffix(file, ".graphql")+".json", pretty.Bytes())
		})
	}
}

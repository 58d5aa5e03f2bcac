package graphql_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/golden"
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

// mustOpenEditionAPI is mustOpenAPI for any edition of the sample.
func mustOpenEditionAPI(tb testing.TB, id string, opts graphql.Options) *testAPI {
	tb.Helper()
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "likes.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	store := sqlite.NewLikeStore(db)
	likes, err := like.Open(ctx, store, like.Config{ServerID: "test-server", Ack: like.AckDurable,
		Buffer: like.BufferConfig{FlushInterval: 5 * time.Millisecond}, PollInterval: 5 * time.Millisecond})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { likes.Close(context.Background()) })
	if opts.PublicURL == "" {
		opts.PublicURL = "https://conf.example.com"
	}
	ed := catalog.Edition(id)
	mux := http.NewServeMux()
	mux.Handle("/"+id+"/api/query", graphql.NewHandler(ed, likes, opts))
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return &testAPI{URL: srv.URL + "/" + id + "/api/query", Edition: ed, Store: store, Likes: likes}
}

// gqlResponse is a GraphQL answer with its HTTP status.
type gqlResponse struct {
	Status int
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	Raw []byte
}

func (r *gqlResponse) errorCode() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

func (api *testAPI) post(tb testing.TB, contentType string, body []byte) *gqlResponse {
	tb.Helper()
	resp, err := http.Post(api.URL, contentType, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := &gqlResponse{Status: resp.StatusCode, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		tb.Fatalf("answer is not JSON (status %d): %s", resp.StatusCode, raw)
	}
	return out
}

func (api *testAPI) query(tb testing.TB, query string, vars map[string]any) *gqlResponse {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	return api.post(tb, "application/json", body)
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

package graphql

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/http"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// responseCache keeps the answers of queries whose result cannot change
// while the process runs: everything but likes comes from the content, which
// is loaded once. A query is cacheable when it is a query (not a mutation or
// subscription) and selects no volatile field (Session.liked). The
// timetable that every client asks for at start is then served from memory.
type responseCache struct {
	cacheable *lru.Cache[string, bool]   // query text -> may its answer be cached?
	answers   *lru.Cache[string, []byte] // request key -> answer
	tokens    int
}

// volatileFields change while the server runs; answers holding them are
// never cached.
var volatileFields = map[string]bool{"liked": true}

func newResponseCache(tokenLimit int) *responseCache {
	cacheable, _ := lru.New[string, bool](1000) // fails only for a size <= 0
	answers, _ := lru.New[string, []byte](2000)
	return &responseCache{cacheable: cacheable, answers: answers, tokens: tokenLimit}
}

type cacheRequest struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// key returns the cache key of a request, or "" if it may not be cached.
func (c *responseCache) key(base string, req cacheRequest) string {
	if req.Query == "" || len(req.Extensions) > 0 && string(req.Extensions) != "null" {
		return "" // persisted queries and other extensions take the normal path
	}
	ok, known := c.cacheable.Get(req.Query)
	if !known {
		ok = isCacheable(req.Query, c.tokens)
		c.cacheable.Add(req.Query, ok)
	}
	if !ok {
		return ""
	}
	h := sha256.New()
	for _, part := range []string{base, req.Query, req.OperationName, string(req.Variables)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return string(h.Sum(nil))
}

// isCacheable parses the query (a malformed one is left to gqlgen to
// report) and looks for mutations, subscriptions and volatile fields.
func isCacheable(query string, tokens int) bool {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, tokens)
	if err != nil {
		return false
	}
	for _, op := range doc.Operations {
		if op.Operation != ast.Query || hasVolatile(op.SelectionSet) {
			return false
		}
	}
	for _, f := range doc.Fragments {
		if hasVolatile(f.SelectionSet) {
			return false
		}
	}
	return len(doc.Operations) > 0
}

func hasVolatile(set ast.SelectionSet) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if volatileFields[s.Name] || hasVolatile(s.SelectionSet) {
				return true
			}
		case *ast.InlineFragment:
			if hasVolatile(s.SelectionSet) {
				return true
			}
		}
	}
	return false
}

func (c *responseCache) get(key string) ([]byte, bool) { return c.answers.Get(key) }

func (c *responseCache) put(key string, body []byte) { c.answers.Add(key, body) }

// captureWriter keeps a copy of a successful answer for the cache.
type captureWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

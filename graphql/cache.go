package graphql

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"sync"

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
	cacheable *lru.Cache[[32]byte, bool] // hash of the query text -> may its answer be cached?
	answers   *lru.Cache[string, []byte] // request key -> answer
	tokens    int

	mu    sync.Mutex
	bytes int // size of the answers held
}

// Limits that keep the cache from being a way to fill the server's memory:
// clients choose queries (and aliases make every one different).
const (
	maxCachedQuery  = 16 << 10  // longer query texts are not cached
	maxCachedAnswer = 256 << 10 // nor answers larger than this
	maxCacheBytes   = 32 << 20  // all answers together, per edition
)

// volatileFields change while the server runs; answers holding them are
// never cached.
var volatileFields = map[string]bool{"liked": true}

func newResponseCache(tokenLimit int) *responseCache {
	c := &responseCache{tokens: tokenLimit}
	c.cacheable, _ = lru.New[[32]byte, bool](1000) // fails only for a size <= 0
	c.answers, _ = lru.NewWithEvict(2000, func(_ string, body []byte) {
		c.mu.Lock()
		c.bytes -= len(body)
		c.mu.Unlock()
	})
	return c
}

type cacheRequest struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// key returns the cache key of a request, or "" if it may not be cached.
func (c *responseCache) key(base string, req cacheRequest) string {
	if req.Query == "" || len(req.Query) > maxCachedQuery || len(req.Extensions) > 0 && string(req.Extensions) != "null" {
		return "" // persisted queries and other extensions take the normal path
	}
	qh := sha256.Sum256([]byte(req.Query))
	ok, known := c.cacheable.Get(qh)
	if !known {
		ok = isCacheable(req.Query, c.tokens)
		c.cacheable.Add(qh, ok)
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

// put keeps an answer unless it is too large; the oldest answers go when
// the cache holds more than maxCacheBytes.
func (c *responseCache) put(key string, body []byte) {
	if len(body) > maxCachedAnswer {
		return
	}
	c.answers.Add(key, body)
	c.mu.Lock()
	c.bytes += len(body)
	over := c.bytes > maxCacheBytes
	c.mu.Unlock()
	for over {
		if _, _, ok := c.answers.RemoveOldest(); !ok {
			return
		}
		c.mu.Lock()
		over = c.bytes > maxCacheBytes
		c.mu.Unlock()
	}
}

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

package graphql

import (
	"container/list"
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// byteCache is a least-recently-used cache bounded by an estimate of the
// bytes it holds rather than by a count of entries: gqlgen's parsed-query
// and persisted-query caches are keyed by query text that a client
// chooses, up to the body limit, so a count bound of 500 could still hold
// 500 x 256 KiB of text and many times that of parsed documents.
type byteCache[T any] struct {
	max int
	// cost estimates the bytes an entry holds from its key and value.
	cost func(key string, value T) int

	mu    sync.Mutex
	size  int
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type byteCacheEntry[T any] struct {
	key   string
	value T
	cost  int
}

var _ graphql.Cache[string] = (*byteCache[string])(nil)

func newByteCache[T any](max int, cost func(string, T) int) *byteCache[T] {
	return &byteCache[T]{max: max, cost: cost, order: list.New(), items: map[string]*list.Element{}}
}

// Get implements graphql.Cache.
func (c *byteCache[T]) Get(_ context.Context, key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.items[key]
	if !ok {
		var zero T
		return zero, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*byteCacheEntry[T]).value, true
}

// Add implements graphql.Cache. An entry larger than a quarter of the
// bound is not kept: it would evict many common queries for one rare one.
func (c *byteCache[T]) Add(_ context.Context, key string, value T) {
	cost := c.cost(key, value)
	if cost > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[key]; ok {
		old := e.Value.(*byteCacheEntry[T])
		c.size += cost - old.cost
		old.value, old.cost = value, cost
		c.order.MoveToFront(e)
	} else {
		c.items[key] = c.order.PushFront(&byteCacheEntry[T]{key: key, value: value, cost: cost})
		c.size += cost
	}
	for c.size > c.max {
		e := c.order.Back()
		old := e.Value.(*byteCacheEntry[T])
		c.order.Remove(e)
		delete(c.items, old.key)
		c.size -= old.cost
	}
}

// Size returns the estimated bytes held.
func (c *byteCache[T]) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

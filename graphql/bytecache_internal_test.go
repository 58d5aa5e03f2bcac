package graphql

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestByteCacheBound(t *testing.T) {
	ctx := context.Background()
	c := newByteCache[string](10_000, func(k, v string) int { return len(k) + len(v) })
	for i := range 1000 {
		k := fmt.Sprintf("query-%04d-%s", i, strings.Repeat("x", 90))
		c.Add(ctx, k, k)
		if c.Size() > 10_000 {
			t.Fatalf("after %d adds: size %d; want at most 10000", i+1, c.Size())
		}
	}
	last := fmt.Sprintf("query-%04d-%s", 999, strings.Repeat("x", 90))
	if v, ok := c.Get(ctx, last); !ok || v != last {
		t.Errorf("Get(newest) = %q, %v; want it kept", v, ok)
	}
	if _, ok := c.Get(ctx, fmt.Sprintf("query-%04d-%s", 0, strings.Repeat("x", 90))); ok {
		t.Error("Get(oldest) found it; want it evicted")
	}
	huge := strings.Repeat("y", 5000)
	c.Add(ctx, huge, huge)
	if _, ok := c.Get(ctx, huge); ok {
		t.Error("an entry of half the bound was kept; want it refused")
	}
}

package sqlite_test

import (
	"context"
	"testing"

	"github.com/techconf/techconf/sqlite"
)

// TestKeysMovedUnseen: a server whose key filter was built stores a
// retried request once when another server on the same file logged the
// request's keys and moved them into like_keys between two of its
// writes, so that it never read them in the log.
func TestKeysMovedUnseen(t *testing.T) {
	defer sqlite.SetMergeKeys(1)()
	ctx := context.Background()
	f := newSharedFile(t, 9)
	open, request, write, k := f.open, f.request, f.write, f.k
	a, b := open(), open()
	write(b, request("r0", "b")) // b builds its filter
	write(a, request("r1", "a"))
	a.AfterWrite(ctx) // r0 and r1 move to like_keys before b reads r1
	write(b, request("r1", "b"))
	write(b, request("r0", "b"))
	write(b, request("r2", "b"))
	write(b, request("r2", "b"))
	if got, err := b.Count(ctx, k); err != nil || got != 9 {
		t.Errorf("stored %d likes (%v); want 9 (3 requests of 3, each stored once)", got, err)
	}
}

package sqlite

import (
	"crypto/rand"
	"testing"

	_ "github.com/techconf/techconf/internal/golden"
)

// TestKeyFilter: every key added is held (a key the filter lacked would be
// stored twice), through several layers of growth, and of keys never added
// few are held (each one held costs a look-up).
func TestKeyFilter(t *testing.T) {
	f := newKeyFilter(1 << 16)
	key := func() []byte {
		k := make([]byte, 16)
		rand.Read(k)
		return k
	}
	var added [][]byte
	for i := 0; i < 300_000; i++ { // past 64k, 128k and 256k: three layers more
		k := key()
		f.add(k)
		added = append(added, k)
	}
	if len(f.layers) != 3 {
		t.Errorf("after 300,000 keys from 65,536 the filter has %d layers; want 3 (65,536, 131,072, 262,144)", len(f.layers))
	}
	for i, k := range added {
		if !f.mayHold(k) {
			t.Fatalf("key %d of %d added is not held; want every added key held", i, len(added))
		}
	}
	if f.mayHold([]byte("short, not a UUID")) {
		t.Log("a key never added is held (a false positive: allowed, rare)")
	}
	held := 0
	const tries = 100_000
	for i := 0; i < tries; i++ {
		if f.mayHold(key()) {
			held++
		}
	}
	if rate := float64(held) / tries; rate > 0.03 {
		t.Errorf("%.1f %% of keys never added are held; want at most 3 %%", 100*rate)
	}
}

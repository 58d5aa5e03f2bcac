package sqlite

import (
	"hash/maphash"
	"math/bits"
)

// keyFilter says which like keys are certainly not stored: a Bloom
// filter of every key in like_keys and like_keys_recent, so that a commit
// looks up in like_keys only the keys the filter may hold (about 1 in 100
// of new keys) rather than each one, a B-tree search that cost 1.2 to
// 3.5 µs per keyed like. A key it may hold is looked up as before, so a
// false positive costs a look-up and nothing else; a key it lacks must
// be missing from both tables, which LikeStore.WriteBatch keeps true (see
// filterRow).
//
// It is blocked (each key's bits share one 64-byte block: one cache miss
// per test) and grows by layers: when the newest layer holds its
// capacity, a layer of twice the capacity is added, and a key is in the
// filter if any layer may hold it. About 10 bits per key, 2.5 bytes with
// the growth: 25 MB for ten million likes.
type keyFilter struct {
	seed, blockSeed maphash.Seed // the bits within a block; the block
	layers          []filterLayer
}

type filterLayer struct {
	blocks [][8]uint64 // 512 bits each
	n, cap int
}

// filterBits is how many bits of its block a key sets.
const filterBits = 7

func newKeyFilter(capacity int) *keyFilter {
	f := &keyFilter{seed: maphash.MakeSeed(), blockSeed: maphash.MakeSeed()}
	f.grow(max(capacity, 1<<16))
	return f
}

// grow adds a layer for capacity keys, at 10 bits a key.
func (f *keyFilter) grow(capacity int) {
	nblocks := (capacity*10 + 511) / 512
	f.layers = append(f.layers, filterLayer{blocks: make([][8]uint64, nblocks), cap: capacity})
}

// add puts key in the filter.
func (f *keyFilter) add(key []byte) {
	l := &f.layers[len(f.layers)-1]
	if l.n >= l.cap {
		f.grow(2 * l.cap)
		l = &f.layers[len(f.layers)-1]
	}
	h, hb := maphash.Bytes(f.seed, key), maphash.Bytes(f.blockSeed, key)
	b := &l.blocks[blockOf(hb, len(l.blocks))]
	for i, g := 0, h; i < filterBits; i, g = i+1, g>>9 {
		b[(g>>6)&7] |= 1 << (g & 63)
	}
	l.n++
}

// mayHold reports whether key may be in the filter; false is certain.
func (f *keyFilter) mayHold(key []byte) bool {
	h, hb := maphash.Bytes(f.seed, key), maphash.Bytes(f.blockSeed, key)
	for li := range f.layers {
		b := &f.layers[li].blocks[blockOf(hb, len(f.layers[li].blocks))]
		in := true
		for i, g := 0, h; i < filterBits; i, g = i+1, g>>9 {
			if b[(g>>6)&7]&(1<<(g&63)) == 0 {
				in = false
				break
			}
		}
		if in {
			return true
		}
	}
	return false
}

// blockOf scales a hash to a block of n, without a division.
func blockOf(h uint64, n int) int {
	hi, _ := bits.Mul64(h, uint64(n))
	return int(hi)
}

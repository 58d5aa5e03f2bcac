package sqlite

// keySet is a set of like keys as stored (idBytes). Keys of 16 bytes (a
// UUID's, which every like ID is in practice) are held as arrays, in a map
// without pointers: the writer keeps tens of thousands of recent keys, which
// as strings the GC traced in every cycle and each cost an allocation. Any
// other key is held as a string.
type keySet struct {
	uuids map[[16]byte]struct{}
	other map[string]struct{}
}

func newKeySet() *keySet {
	return &keySet{uuids: map[[16]byte]struct{}{}, other: map[string]struct{}{}}
}

// has reports whether the set holds id.
func (k *keySet) has(id []byte) bool {
	if len(id) == 16 {
		_, ok := k.uuids[[16]byte(id)]
		return ok
	}
	_, ok := k.other[string(id)]
	return ok
}

// add puts id in the set; id may be reused afterwards.
func (k *keySet) add(id []byte) {
	if len(id) == 16 {
		k.uuids[[16]byte(id)] = struct{}{}
		return
	}
	k.other[string(id)] = struct{}{}
}

// len returns how many keys the set holds.
func (k *keySet) len() int { return len(k.uuids) + len(k.other) }

package like_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/techconf/techconf/like"
)

// TestLikeIDIsNameBased: LikeID, which hashes on the stack, gives the
// name-based (version 5) UUID of its parts that uuid.NewSHA1 gives, so
// that the ids of likes stored before it are derived again the same, for
// names that fit its buffer and for longer ones.
func TestLikeIDIsNameBased(t *testing.T) {
	for _, tc := range []struct{ edition, user, key string }{
		{"2018", "0b0e5f0a-1c2d-4e3f-8a9b-0c1d2e3f4a5b", "k1"},
		{"2018", "wrk-1-1700000000-42", "wrk-1-1700000000-42"},
		{"e", "u", ""},
		{"2026", strings.Repeat("ü", 64), strings.Repeat("k", like.MaxRequestIDLength)},
		{strings.Repeat("x", 300), strings.Repeat("u", 300), strings.Repeat("r", 300)},
	} {
		for _, index := range []int{0, 1, 9, 10, 99} {
			name := tc.edition + "\x00" + tc.user + "\x00" + tc.key + "\x00" + strconv.Itoa(index)
			want := uuid.NewSHA1(like.LikeIDSpace, []byte(name)).String()
			if got := like.LikeID(tc.edition, tc.user, tc.key, index); got != want {
				t.Errorf("LikeID(%q, %q, %q, %d) = %s; want %s", tc.edition, tc.user, tc.key, index, got, want)
			}
		}
	}
}

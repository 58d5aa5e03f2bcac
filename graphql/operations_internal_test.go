package graphql

import (
	"fmt"
	"testing"
)

// TestOperationNamesBounded: client-chosen operation names cannot grow the
// metrics without bound.
func TestOperationNamesBounded(t *testing.T) {
	n := &operationNames{seen: map[string]bool{}}
	for i := 0; i < maxOperationNames; i++ {
		if got := n.name(fmt.Sprintf("Op%d", i)); got != fmt.Sprintf("Op%d", i) {
			t.Fatalf("name %d = %q; want it kept", i, got)
		}
	}
	for in, want := range map[string]string{"Op1": "Op1", "OneTooMany": "other", "": "anonymous", "bad name!": "other"} {
		if got := n.name(in); got != want {
			t.Errorf("name(%q) = %q; want %q", in, got, want)
		}
	}
}

package spanner_test

import (
	"testing"

	"github.com/techconf/techconf/spanner"
)

func TestParseDatabase(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"projects/p/instances/i/databases/d", true},
		{"projects/p/instances/i/databases/", false},
		{"projects//instances/i/databases/d", false},
		{"projects/p/instances/i/databases/d/extra", false},
		{"bad", false},
		{"", false},
	} {
		d, err := spanner.ParseDatabase(tc.name)
		if (err == nil) != tc.ok {
			t.Errorf("ParseDatabase(%q) error = %v; want ok %v", tc.name, err, tc.ok)
			continue
		}
		if tc.ok && d.String() != tc.name {
			t.Errorf("ParseDatabase(%q).String() = %q; want the name back", tc.name, d.String())
		}
	}
	d, _ := spanner.ParseDatabase("projects/p/instances/i/databases/d")
	if d.Project != "p" || d.Instance != "i" || d.ID != "d" {
		t.Errorf("ParseDatabase parts = %+v; want p, i, d", d)
	}
}

// Package golden compares test output with files checked into testdata and
// rewrites them when tests run with -update:
//
//	go test ./... -update
//
// The flag is registered by this package, so every test package imports it
// (blank if it has no golden files) and `go test ./... -update` works across
// the whole module. Review the rewritten files as a diff before committing.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// Update is true when tests run with -update.
var Update = flag.Bool("update", false, "rewrite golden files in testdata with the current output")

// Check compares got with the golden file at path, or rewrites the file
// when -update is set.
func Check(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read golden file: %v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("output differs from %s (run go test with -update and review the diff)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

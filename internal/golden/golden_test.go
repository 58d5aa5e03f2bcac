package golden_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const importPath = "github.com/techconf/techconf/internal/golden"

// TestEveryTestPackageImportsGolden keeps `go test ./... -update` working:
// a test package that does not import this package does not know the
// flag, and the whole command fails on it. The modules deploy and e2e are
// checked the same way by .ci/run.
func TestEveryTestPackageImportsGolden(t *testing.T) {
	root := filepath.Join("..", "..")
	imports := map[string]bool{} // directory -> some test file imports golden
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") || isModule(path)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		dir := filepath.Dir(path)
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if _, seen := imports[dir]; !seen {
			imports[dir] = false
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == importPath {
				imports[dir] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 10 {
		t.Fatalf("found test files in %d directories; the walk from %s missed the module", len(imports), root)
	}
	self, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for dir, ok := range imports {
		if abs, _ := filepath.Abs(dir); !ok && abs != self { // this package defines the flag
			t.Errorf("%s: no test file imports %s; add _ %q so that go test ./... -update works", dir, importPath, importPath)
		}
	}
}

// isModule tells a nested module (deploy, e2e), which has its own check.
func isModule(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "go.mod"))
	return err == nil
}

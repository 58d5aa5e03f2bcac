//go:build ignore

// gen refreshes vendor/ from the npm packages pinned in package-lock.json:
// it installs them with `npm ci` in a temporary folder (so that no
// node_modules, with whatever .go files npm packages carry, lands in the Go
// module), then copies the prebuilt browser files and every package's
// license. The files are copied byte for byte and listed in a fixed order,
// so a second run writes the same bytes.
//
// Run it with `go generate ./graphql/graphiql` (it needs npm and the npm
// registry, or npm's cache).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// files are the browser builds the page loads: GraphiQL's UMD bundle
// expects React and ReactDOM as globals, which their UMD builds provide.
var files = []struct{ from, to string }{
	{"react/umd/react.production.min.js", "react.production.min.js"},
	{"react-dom/umd/react-dom.production.min.js", "react-dom.production.min.js"},
	{"graphiql/graphiql.min.js", "graphiql.min.js"},
	{"graphiql/graphiql.min.css", "graphiql.min.css"},
}

func main() {
	if len(os.Args) > 1 {
		fmt.Println("usage: go run gen.go\n\nRefreshes vendor/ from the npm packages in package-lock.json (runs npm ci in a temporary folder).")
		if os.Args[1] == "-h" || os.Args[1] == "--help" {
			return
		}
		os.Exit(2)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "graphiql gen:", err)
		os.Exit(1)
	}
}

func run() error {
	work, err := os.MkdirTemp("", "techconf-graphiql")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	for _, name := range []string{"package.json", "package-lock.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(work, name), data, 0o644); err != nil {
			return err
		}
	}
	npm := exec.Command("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error")
	npm.Dir = work
	npm.Stdout, npm.Stderr = os.Stderr, os.Stderr
	if err := npm.Run(); err != nil {
		return fmt.Errorf("npm ci: %w", err)
	}
	modules := filepath.Join(work, "node_modules")

	if err := os.RemoveAll("vendor"); err != nil {
		return err
	}
	if err := os.MkdirAll("vendor", 0o755); err != nil {
		return err
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(modules, filepath.FromSlash(f.from)))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join("vendor", f.to), data, 0o644); err != nil {
			return err
		}
	}
	licenses, err := licenseText(work)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join("vendor", "LICENSES.txt"), licenses, 0o644)
}

// licenseText lists every installed package (GraphiQL's bundle includes the
// code of its dependencies) with its version, its declared license and the
// text of its license file, in the lock file's order of paths.
func licenseText(work string) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(work, "package-lock.json"))
	if err != nil {
		return nil, err
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
			License any    `json:"license"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("package-lock.json: %w", err)
	}
	var paths []string
	for p := range lock.Packages {
		if strings.HasPrefix(p, "node_modules/") {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	var out bytes.Buffer
	out.WriteString("Licenses of the npm packages in vendor/ (GraphiQL's bundle includes the code of its dependencies).\n")
	out.WriteString("Written by gen.go from package-lock.json; do not edit.\n")
	for _, p := range paths {
		pkg := lock.Packages[p]
		name := strings.TrimPrefix(p[strings.LastIndex(p, "node_modules/"):], "node_modules/")
		fmt.Fprintf(&out, "\n================================================================\n%s@%s (%v)\n", name, pkg.Version, pkg.License)
		dir := filepath.Join(work, filepath.FromSlash(p))
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		found := false
		for _, e := range entries {
			lower := strings.ToLower(e.Name())
			if e.IsDir() || !(strings.HasPrefix(lower, "license") || strings.HasPrefix(lower, "licence")) {
				continue
			}
			text, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&out, "---- %s\n", path.Join(name, e.Name()))
			out.Write(bytes.TrimRight(text, "\n"))
			out.WriteString("\n")
			found = true
		}
		if !found {
			out.WriteString("(the package ships no license file; its package.json declares the license above)\n")
		}
	}
	return out.Bytes(), nil
}

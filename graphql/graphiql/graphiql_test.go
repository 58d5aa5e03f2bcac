package graphiql_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/techconf/techconf/graphql/graphiql"
	_ "github.com/techconf/techconf/internal/golden" // registers -update for `go test ./... -update`
	"github.com/techconf/techconf/internal/testserver"
)

func mustServe(tb testing.TB) *httptest.Server {
	tb.Helper()
	mux := http.NewServeMux()
	h := graphiql.Handler("Test API", "/2018/api/playground", "/2018/api/query")
	mux.Handle("GET /2018/api/playground", h)
	mux.Handle("GET /2018/api/playground/{file}", h)
	ts := httptest.NewServer(mux)
	tb.Cleanup(ts.Close)
	return ts
}

func get(tb testing.TB, url string, header ...string) (*http.Response, []byte) {
	tb.Helper()
	// Raw: Go's transport would ask for gzip itself and hide the encoding
	// from the test.
	a := testserver.FetchRaw(tb, url, header...)
	return a.Response, []byte(a.Body)
}

// TestPage checks what a strict network and a phone need: a viewport, no
// inline script or style, every file from this host, and a CSP that says so.
func TestPage(t *testing.T) {
	ts := mustServe(t)
	resp, body := get(t, ts.URL+"/2018/api/playground")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET playground: %d %q; want 200 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self' 'nonce-", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q; want it to contain %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("Content-Security-Policy %q allows inline code or eval", csp)
	}
	page := string(body)
	nonce := regexp.MustCompile(`'nonce-([^']+)'`).FindStringSubmatch(csp)
	if nonce == nil || len(nonce[1]) < 20 || !strings.Contains(page, `data-style-nonce="`+nonce[1]+`"`) {
		t.Errorf("CSP %q; want a style nonce of 16 random bytes that the page hands to start.js", csp)
	}
	if again, _ := get(t, ts.URL+"/2018/api/playground"); nonce != nil && strings.Contains(again.Header.Get("Content-Security-Policy"), nonce[1]) {
		t.Errorf("two responses share the nonce %q; want a new one each time", nonce[1])
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("page Cache-Control %q; want no-store (its nonce is for one response)", cc)
	}
	if !strings.Contains(page, `<meta name="viewport" content="width=device-width, initial-scale=1">`) {
		t.Errorf("the page has no viewport meta for phones:\n%s", page)
	}
	if strings.Contains(page, "<style") || regexp.MustCompile(`\sstyle=`).MatchString(page) {
		t.Errorf("the page has inline style:\n%s", page)
	}
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(page) {
		t.Errorf("the page names another host:\n%s", page)
	}
	if !strings.Contains(page, `data-endpoint="/2018/api/query"`) {
		t.Errorf("the page does not name the endpoint /2018/api/query:\n%s", page)
	}
	scripts := regexp.MustCompile(`<script([^>]*)>`).FindAllStringSubmatch(page, -1)
	if len(scripts) != 4 {
		t.Errorf("%d script tags; want React, ReactDOM, GraphiQL and start.js", len(scripts))
	}
	for _, s := range scripts {
		if !strings.Contains(s[1], `src="playground/`) {
			t.Errorf("script %q is inline or not one of the playground's files", s[0])
		}
	}

	// Every file the page names is served, cacheable for ever under its
	// hashed URL, and the same bytes gzipped.
	refs := regexp.MustCompile(`(?:src|href)="(playground/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 6 {
		t.Errorf("the page names %d files; want 4 scripts and 2 styles", len(refs))
	}
	for _, ref := range refs {
		url := ts.URL + "/2018/api/" + strings.ReplaceAll(ref[1], "&amp;", "&")
		resp, plain := get(t, url)
		if resp.StatusCode != http.StatusOK || len(plain) < 10 {
			t.Errorf("GET %s: %d, %d bytes; want 200 with the file", ref[1], resp.StatusCode, len(plain))
			continue
		}
		if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("GET %s: Cache-Control %q; want immutable under the hashed URL", ref[1], cc)
		}
		ct := resp.Header.Get("Content-Type")
		if (strings.Contains(ref[1], ".js?") && !strings.HasPrefix(ct, "text/javascript")) || (strings.Contains(ref[1], ".css?") && !strings.HasPrefix(ct, "text/css")) {
			t.Errorf("GET %s: Content-Type %q", ref[1], ct)
		}
		resp, zipped := get(t, url, "Accept-Encoding", "gzip, deflate")
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("GET %s with Accept-Encoding gzip: Content-Encoding %q; want gzip", ref[1], resp.Header.Get("Content-Encoding"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain) {
			t.Errorf("GET %s gzipped: %v, %d bytes after gunzip; want the %d bytes of the plain answer", ref[1], err, len(unzipped), len(plain))
		}
	}
}

func TestFiles(t *testing.T) {
	ts := mustServe(t)
	for _, tc := range []struct {
		path   string
		status int
		cache  string
	}{
		{"/2018/api/playground/graphiql.min.js", 200, "no-cache"}, // no hash: check again
		{"/2018/api/playground/graphiql.min.js?v=0000", 200, "no-cache"},
		{"/2018/api/playground/LICENSES.txt", 200, "no-cache"},
		{"/2018/api/playground/nothing.js", 404, ""},
		{"/2018/api/playground/gen.go", 404, ""},
		{"/2018/api/playground/..%2Fgen.go", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, _ := get(t, ts.URL+tc.path)
			if resp.StatusCode != tc.status {
				t.Errorf("GET %s: %d; want %d", tc.path, resp.StatusCode, tc.status)
			}
			if tc.cache != "" && resp.Header.Get("Cache-Control") != tc.cache {
				t.Errorf("GET %s: Cache-Control %q; want %q", tc.path, resp.Header.Get("Cache-Control"), tc.cache)
			}
		})
	}
}

// TestLicenses checks that the licenses of what the binary ships are
// served beside it, and that vendor/ holds the versions package.json pins.
func TestLicenses(t *testing.T) {
	ts := mustServe(t)
	_, body := get(t, ts.URL+"/2018/api/playground/LICENSES.txt")
	pkg, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"graphiql", "react", "react-dom"} {
		m := regexp.MustCompile(`"` + name + `": "([0-9.]+)"`).FindSubmatch(pkg)
		if m == nil {
			t.Fatalf("package.json pins no %s", name)
		}
		if want := "\n" + name + "@" + string(m[1]) + " (MIT)\n"; !bytes.Contains(body, []byte(want)) {
			t.Errorf("LICENSES.txt does not list %q", strings.TrimSpace(want))
		}
	}
	if !bytes.Contains(body, []byte("Permission is hereby granted, free of charge")) {
		t.Errorf("LICENSES.txt has no MIT license text")
	}
}

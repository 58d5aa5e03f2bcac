// Package graphiql serves GraphiQL, the in-browser GraphQL IDE, from files
// embedded in the binary: the playground works offline and behind a strict
// network, and its page runs under a Content-Security-Policy that allows
// nothing inline and nothing from another host.
//
// vendor/ holds GraphiQL's and React's prebuilt browser files and their
// licenses, copied from the npm packages pinned in package-lock.json by
// `go generate` (gen.go); never edit them by hand. GraphiQL 4 is the last
// major version that ships a UMD bundle a page can load without a bundler
// (5 ships ES modules and Monaco workers only). static/ holds our own small
// files.
package graphiql

//go:generate go run gen.go

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed vendor static
var files embed.FS

// ContentSecurityPolicy is the policy of the playground's files, and of its
// page with a style nonce added (see PagePolicy): scripts, styles and
// requests only to this host (WebSocket subscriptions included: 'self'
// covers ws: and wss: on the same host), no frames, no plugins. GraphiQL's
// icons and fonts are data: URLs in its CSS.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// PagePolicy is the page's policy: ContentSecurityPolicy, plus one <style>
// element that carries the response's nonce. GraphiQL's dialogs lock the
// page's scroll with a <style> element they create (react-remove-scroll),
// which they mark with the nonce that start.js hands them; no inline
// script is ever allowed.
func PagePolicy(nonce string) string {
	return strings.Replace(ContentSecurityPolicy, "style-src 'self'", "style-src 'self' 'nonce-"+nonce+"'", 1)
}

// asset is one embedded file, with its hash (for cache busting) and its
// gzip form, made on first use so that a process that never serves the
// playground does not pay for it.
type asset struct {
	name, contentType string
	data              []byte
	hash              string
	gzipOnce          sync.Once
	gzipped           []byte
}

func (a *asset) gzip() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(a.data)
		zw.Close()
		a.gzipped = buf.Bytes()
	})
	return a.gzipped
}

// assets are the files the page loads, by the name in their URL, in the
// order the page loads them (React before GraphiQL, GraphiQL before our
// start script).
var assets, scripts, styles = loadAssets()

func loadAssets() (byName map[string]*asset, scripts, styles []*asset) {
	byName = map[string]*asset{}
	add := func(dir, name string) *asset {
		data, err := fs.ReadFile(files, dir+"/"+name)
		if err != nil {
			panic("graphiql: embedded file missing: " + err.Error()) // a build without go generate's output
		}
		sum := sha256.Sum256(data)
		a := &asset{name: name, data: data, hash: hex.EncodeToString(sum[:8])}
		switch path.Ext(name) {
		case ".js":
			a.contentType = "text/javascript; charset=utf-8"
		case ".css":
			a.contentType = "text/css; charset=utf-8"
		default:
			a.contentType = "text/plain; charset=utf-8"
		}
		byName[name] = a
		return a
	}
	for _, name := range []string{"react.production.min.js", "react-dom.production.min.js", "graphiql.min.js"} {
		scripts = append(scripts, add("vendor", name))
	}
	scripts = append(scripts, add("static", "start.js"))
	styles = append(styles, add("vendor", "graphiql.min.css"), add("static", "page.css"))
	add("vendor", "LICENSES.txt")
	return byName, scripts, styles
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
{{range .Styles}}<link rel="stylesheet" href="{{.}}">
{{end}}</head>
<body>
<div id="graphiql" data-endpoint="{{.Endpoint}}" data-query="{{.Query}}" data-style-nonce="{{.Nonce}}">Loading GraphiQL…</div>
{{range .Scripts}}<script src="{{.}}"></script>
{{end}}</body>
</html>
`))

// defaultQuery is what a first-time visitor sees in the editor: a query
// that runs as it is and shows what the API is about.
const defaultQuery = `# The conference API. Run with the ▶ button or Ctrl-Enter;
# the book icon opens the docs of every type and field.
{
  sessionList(first: 5) {
    nodes {
      sessionId
      title
      startTime
      place
      speakers { name }
    }
  }
}
`

// Handler serves GraphiQL for the API at endpoint (a path on this host, such
// as /2018/api/query): the page at base (such as /2018/api/playground) and
// its files under base + "/".
func Handler(title, base, endpoint string) http.Handler {
	// Relative URLs: the page at /2018/api/playground loads
	// playground/x.js, which is /2018/api/playground/x.js.
	urls := func(list []*asset) []string {
		var out []string
		for _, a := range list {
			out = append(out, path.Base(base)+"/"+a.name+"?v="+a.hash)
		}
		return out
	}
	data := map[string]any{
		"Title": title, "Endpoint": endpoint, "Query": defaultQuery,
		"Scripts": urls(scripts), "Styles": urls(styles), "Nonce": "",
	}
	if err := page.Execute(io.Discard, data); err != nil {
		panic("graphiql: page template: " + err.Error())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", ContentSecurityPolicy)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		name, ok := strings.CutPrefix(r.URL.Path, base)
		switch {
		case !ok:
			http.NotFound(w, r)
		case name == "":
			// A new nonce for each response, so the page is never cached.
			var b [16]byte
			rand.Read(b[:])
			nonce := base64.RawURLEncoding.EncodeToString(b[:]) // no characters that HTML escapes
			w.Header().Set("Content-Security-Policy", PagePolicy(nonce))
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			page.Execute(w, withNonce(data, nonce))
		default:
			a := assets[strings.TrimPrefix(name, "/")]
			if a == nil || !strings.HasPrefix(name, "/") {
				http.NotFound(w, r)
				return
			}
			serveAsset(w, r, a)
		}
	})
}

func withNonce(data map[string]any, nonce string) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = v
	}
	out["Nonce"] = nonce
	return out
}

// serveAsset answers with the file, gzipped when the client takes it. A URL
// that carries the file's current hash may be cached for ever; any other
// must be checked again.
func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.contentType)
	h.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	body := a.data
	etag := `"` + a.hash + `"`
	if acceptsGzip(r) {
		body = a.gzip()
		h.Set("Content-Encoding", "gzip")
		etag = `"` + a.hash + `-gz"`
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding lists gzip
// without refusing it (q=0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			params = strings.ReplaceAll(params, " ", "")
			return params != "q=0" && params != "q=0.0" && params != "q=0.00" && params != "q=0.000"
		}
	}
	return false
}

package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// asset is one embedded static file, addressed by a URL that carries a hash
// of its content: a CDN and browsers may keep it for a year, and a new
// release changes the URL instead of waiting for caches to expire.
type asset struct {
	name        string // e.g. "site.css"
	hashed      string // e.g. "site.3f2a9c1b.css"
	contentType string
	body        *body
}

type assets struct {
	byName   map[string]*asset
	byHashed map[string]*asset
}

// loadAssets reads the static files; generated holds additions to some of
// them, made when the server starts (by file name).
func loadAssets(fsys fs.FS, generated map[string]string) *assets {
	a := &assets{byName: map[string]*asset{}, byHashed: map[string]*asset{}}
	entries, err := fs.ReadDir(fsys, "static")
	if err != nil {
		panic(err) // embedded at build time
	}
	for _, e := range entries {
		raw, err := fs.ReadFile(fsys, "static/"+e.Name())
		if err != nil {
			panic(err)
		}
		raw = append(raw, generated[e.Name()]...)
		sum := sha256.Sum256(raw)
		ext := path.Ext(e.Name())
		as := &asset{
			name:        e.Name(),
			hashed:      strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:5]) + ext,
			contentType: contentTypes[ext],
			body:        newBody(raw),
		}
		a.byName[as.name] = as
		a.byHashed[as.hashed] = as
	}
	return a
}

var contentTypes = map[string]string{
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".webmanifest": "application/manifest+json",
}

// url returns the hashed URL of a static file; templates call it as
// {{asset "site.css"}}.
func (a *assets) url(name string) string {
	if as := a.byName[name]; as != nil {
		return "/static/" + as.hashed
	}
	panic("web: no static file " + name) // a template bug, caught by the tests
}

// serve answers /static/{file}: hashed names are immutable for a year;
// plain names (for old links) are cached briefly.
func (a *assets) serve(w http.ResponseWriter, r *http.Request, file string) {
	as, immutable := a.byHashed[file], true
	if as == nil {
		as, immutable = a.byName[file], false
	}
	if as == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", as.contentType)
	if immutable {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	as.body.write(w, r, http.StatusOK)
}

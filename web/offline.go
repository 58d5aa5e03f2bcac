package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// The web app manifest and the service worker make the site installable
// and readable offline: see worker/sw.js.

//go:embed worker/sw.js
var workerFS embed.FS

// serviceWorkerScript fills sw.js with the static files to keep; its hash
// changes with theirs, so browsers install the new worker on a release.
func serviceWorkerScript(a *assets) []byte {
	src, err := workerFS.ReadFile("worker/sw.js")
	if err != nil {
		panic(err) // embedded at build time
	}
	var urls []string
	for _, as := range a.byHashed {
		urls = append(urls, "/static/"+as.hashed)
	}
	urls = append(urls, "/favicon.ico", "/icon-192.png", "/manifest.webmanifest")
	sort.Strings(urls)
	list, _ := json.Marshal(urls) // strings always encode
	sum := sha256.Sum256(append(src, list...))
	return []byte(strings.NewReplacer("{{PRECACHE}}", string(list), "{{VERSION}}", hex.EncodeToString(sum[:6])).Replace(string(src)))
}

// serviceWorker answers /sw.js. It must be at the root to control every
// page, and is revalidated on each load so that a release reaches users.
func (h *Handler) serviceWorker(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	h.worker.write(w, r, http.StatusOK)
}

// manifest answers /manifest.webmanifest, named after the newest edition.
func (h *Handler) manifest(w http.ResponseWriter, r *http.Request) {
	name, short := "techconf", "techconf"
	if ed := h.catalog.Newest(); ed != nil {
		name, short = ed.Name.Default(), ed.ID
	}
	type icon struct {
		Src     string `json:"src"`
		Sizes   string `json:"sizes"`
		Type    string `json:"type"`
		Purpose string `json:"purpose,omitempty"`
	}
	m := struct {
		Name            string `json:"name"`
		ShortName       string `json:"short_name"`
		StartURL        string `json:"start_url"`
		Scope           string `json:"scope"`
		Display         string `json:"display"`
		ThemeColor      string `json:"theme_color"`
		BackgroundColor string `json:"background_color"`
		Icons           []icon `json:"icons"`
	}{name, short, "/", "/", "standalone", "#0d2236", "#ffffff", []icon{
		{"/icon-192.png", "192x192", "image/png", "any"},
		{"/icon-512.png", "512x512", "image/png", "any"},
		{"/icon-512.png", "512x512", "image/png", "maskable"},
		// No SVG icon: Chromium fetches and draws page icons in the page's
		// renderer, and an SVG one is a small document laid out and painted
		// on its main thread (about 10 ms of CPU, twice, during every load).
	}}
	b, _ := json.Marshal(m) // plain strings always encode
	w.Header().Set("Content-Type", "application/manifest+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	newBody(b).write(w, r, http.StatusOK)
}

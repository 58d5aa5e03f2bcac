// Package web serves the conference's pages: each edition's landing page, a
// page per session and per speaker, and the speakers' generated icons, in
// English or Japanese, rendered on the server from the same content the API
// serves.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/techconf/techconf/conference"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Handler serves the pages of every edition in a catalog.
type Handler struct {
	catalog *conference.Catalog
	tmpl    *template.Template
	logger  *slog.Logger
	mux     *http.ServeMux
}

// NewHandler returns the pages' handler. It answers:
//
//	GET /                               redirect to the newest edition
//	GET /{edition}/                     the landing page
//	GET /{edition}/sessions/{id}        one session
//	GET /{edition}/speakers/{id}        one speaker
//	GET /{edition}/avatars/{id}.svg     a speaker's generated icon
//	GET /static/...                     stylesheets
func NewHandler(catalog *conference.Catalog, logger *slog.Logger) *Handler {
	h := &Handler{catalog: catalog, logger: logger, mux: http.NewServeMux()}
	h.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"clock": func(t time.Time) string { return t.Format("15:04") },
		"date":  func(t time.Time) string { return t.Format("2006-01-02") },
		"dict":  dict,
	}).ParseFS(templateFS, "templates/*.html"))
	h.mux.HandleFunc("GET /{$}", h.root)
	h.mux.HandleFunc("GET /{edition}", h.editionRedirect)
	h.mux.HandleFunc("GET /{edition}/{$}", h.landing)
	h.mux.HandleFunc("GET /{edition}/sessions/{id}", h.session)
	h.mux.HandleFunc("GET /{edition}/speakers/{id}", h.speaker)
	h.mux.HandleFunc("GET /{edition}/avatars/{file}", h.avatar)
	h.mux.Handle("GET /static/{file}", http.FileServerFS(staticFS))
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r, nil) })
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.mux.ServeHTTP(w, r)
}

func (h *Handler) root(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Newest()
	if ed == nil {
		h.notFound(w, r, nil)
		return
	}
	http.Redirect(w, r, "/"+ed.ID+"/", http.StatusFound)
}

func (h *Handler) editionRedirect(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	if ed == nil {
		h.notFound(w, r, nil)
		return
	}
	http.Redirect(w, r, "/"+ed.ID+"/", http.StatusMovedPermanently)
}

// page is what every template gets.
type page struct {
	Lang     string // "en" or "ja"
	Edition  *conference.Edition
	Editions []*conference.Edition
	Path     string
	Title    string

	Slots   []slot
	Session *conference.Session
	Speaker *conference.Speaker
}

// slot is one row of the timetable: the sessions that start at one time.
type slot struct {
	Start    time.Time
	Sessions []*conference.Session
}

func (p page) T(en, ja string) string {
	if p.Lang == "ja" && ja != "" {
		return ja
	}
	return en
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, ed *conference.Edition) page {
	return page{Lang: language(w, r), Edition: ed, Editions: h.catalog.Editions, Path: r.URL.Path}
}

func (h *Handler) landing(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	if ed == nil {
		h.notFound(w, r, nil)
		return
	}
	p := h.newPage(w, r, ed)
	p.Title = p.T(ed.Name, ed.NameJa)
	for _, s := range ed.Sessions {
		if n := len(p.Slots); n > 0 && p.Slots[n-1].Start.Equal(s.StartTime) {
			p.Slots[n-1].Sessions = append(p.Slots[n-1].Sessions, s)
			continue
		}
		p.Slots = append(p.Slots, slot{Start: s.StartTime, Sessions: []*conference.Session{s}})
	}
	h.render(w, r, http.StatusOK, "landing.html", p)
}

func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	id, err := strconv.Atoi(r.PathValue("id"))
	if ed == nil || err != nil || ed.Session(id) == nil {
		h.notFound(w, r, ed)
		return
	}
	p := h.newPage(w, r, ed)
	p.Session = ed.Session(id)
	p.Title = p.T(p.Session.Title, p.Session.TitleJa) + " | " + p.T(ed.Name, ed.NameJa)
	h.render(w, r, http.StatusOK, "session.html", p)
}

func (h *Handler) speaker(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	if ed == nil || ed.Speaker(r.PathValue("id")) == nil {
		h.notFound(w, r, ed)
		return
	}
	p := h.newPage(w, r, ed)
	p.Speaker = ed.Speaker(r.PathValue("id"))
	p.Title = p.T(p.Speaker.Name, p.Speaker.NameJa) + " | " + p.T(ed.Name, ed.NameJa)
	h.render(w, r, http.StatusOK, "speaker.html", p)
}

func (h *Handler) avatar(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	id, ok := strings.CutSuffix(r.PathValue("file"), ".svg")
	if ed == nil || !ok || ed.Speaker(id) == nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, _ = w.Write(avatarSVG(id, ed.Speaker(id).Name))
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, ed *conference.Edition) {
	p := h.newPage(w, r, ed)
	if ed == nil {
		p.Edition = h.catalog.Newest()
	}
	p.Title = p.T("Page not found", "ページが見つかりません")
	h.render(w, r, http.StatusNotFound, "notfound.html", p)
}

// render executes a template into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		h.logger.ErrorContext(r.Context(), "render page", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.Header().Set("Vary", "Accept-Language, Cookie")
	w.Header().Set("Cache-Control", "public, max-age=60")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// language picks English or Japanese: ?lang= first (and remembers it in a
// cookie), then the remembered choice, then the browser's Accept-Language.
func language(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "ja" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "en" || c.Value == "ja") {
		return c.Value
	}
	return acceptLanguage(r.Header.Get("Accept-Language"))
}

// acceptLanguage returns "ja" when the header prefers Japanese to English.
func acceptLanguage(header string) string {
	bestLang, bestQ := "en", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (primary == "ja" || primary == "en") && q > bestQ {
			bestLang, bestQ = primary, q
		}
	}
	return bestLang
}

// dict builds a map for passing several values to a sub-template.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		k, _ := kv[i].(string)
		m[k] = kv[i+1]
	}
	return m
}

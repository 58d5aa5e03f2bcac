// Package web serves the conference's pages: each edition's landing page,
// a page per session and per speaker, the live like ranking, calendars, and
// the speakers' generated icons, in English or Japanese, rendered on the
// server from the same content the API serves. JavaScript only enhances:
// without it every text is still there.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/like"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Likes is what the pages need of the like pipeline.
type Likes interface {
	Total(k like.Key) int64
	PerMinute(from, to time.Time) []like.MinuteCount
}

// Options configure the pages.
type Options struct {
	// PublicURL is the site's base URL for links that leave the page
	// (share links, calendars, OGP); default: the request's host.
	PublicURL string
	// Now is the clock of "now" on the pages; default time.Now.
	Now func() time.Time
	// Logger receives the errors of rendering; default slog.Default().
	Logger *slog.Logger
}

// Handler serves the pages of every edition in a catalog.
type Handler struct {
	catalog *conference.Catalog
	likes   Likes
	opts    Options
	tmpl    *template.Template
	assets  *assets
	worker  *body // the service worker script
	logger  *slog.Logger
	mux     *http.ServeMux

	// Pages that depend only on the content (landing pages, speakers) are
	// rendered once per language, filter and host: the content cannot
	// change while the process runs. Least recently used pages go first,
	// so requests with made-up Host headers cannot crowd out real pages.
	cache *lru.Cache[string, *body]
}

// maxCachedPages bounds the page cache (about 60 KB a page).
const maxCachedPages = 500

// NewHandler returns the pages' handler. It answers:
//
//	GET /                               redirect to the newest edition
//	GET /{edition}/                     the landing page
//	GET /{edition}/sessions/{id}        one session (…/{id}.ics: its calendar entry)
//	GET /{edition}/speakers/{id}        one speaker
//	GET /{edition}/likes                the live like ranking
//	GET /{edition}/schedule.ics         the whole conference (?ids=1,2: those sessions)
//	GET /{edition}/schedule.xml         the frab schedule.xml conference apps read
//	GET /{edition}/schedule.json        its c3voc JSON twin
//	GET /{edition}/avatars/{id}.svg     a speaker's generated icon
//	GET /static/{file}                  stylesheet, script (hashed names)
func NewHandler(catalog *conference.Catalog, likes Likes, opts Options) *Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &Handler{catalog: catalog, likes: likes, opts: opts, logger: opts.Logger, mux: http.NewServeMux()}
	h.cache, _ = lru.New[string, *body](maxCachedPages) // fails only for a size <= 0
	h.assets = loadAssets(staticFS, map[string]string{"site.css": timeGridCSS(catalog)})
	h.worker = newBody(serviceWorkerScript(h.assets))
	h.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"clock":  func(t time.Time) string { return t.Format("15:04") },
		"date":   func(t time.Time) string { return t.Format("2006-01-02") },
		"rfc":    func(t time.Time) string { return t.Format(time.RFC3339) },
		"dict":   dict,
		"asset":  h.assets.url,
		"join":   strings.Join,
		"isTalk": isTalk,
		"ogLocale": func(lang string) string {
			if lang == "ja" {
				return "ja_JP"
			}
			return "en_US"
		},
		"add": func(a, b int) int { return a + b },
		"floorHeight": func(bs []booth) int {
			if len(bs) == 0 {
				return 60
			}
			last := bs[len(bs)-1]
			return last.Y + last.H + 16
		},
	}).ParseFS(templateFS, "templates/*.html"))
	h.mux.HandleFunc("GET /{$}", h.root)
	h.mux.HandleFunc("GET /{edition}", h.editionRedirect)
	h.mux.HandleFunc("GET /{edition}/{$}", h.landing)
	h.mux.HandleFunc("GET /{edition}/sessions/{id}", h.session)
	h.mux.HandleFunc("GET /{edition}/session/{id}", h.legacyRedirect("sessions", "Session")) // 2018 URLs: legacy.go
	h.mux.HandleFunc("GET /{edition}/speaker/{id}", h.legacyRedirect("speakers", "Speaker"))
	h.mux.HandleFunc("GET /{edition}/speakers/{id}", h.speaker)
	h.mux.HandleFunc("GET /{edition}/likes", h.ranking)
	h.mux.HandleFunc("GET /{edition}/schedule.ics", h.schedule)
	h.mux.HandleFunc("GET /{edition}/schedule.xml", h.scheduleExport)
	h.mux.HandleFunc("GET /{edition}/schedule.json", h.scheduleExport)
	h.mux.HandleFunc("GET /{edition}/avatars/{file}", h.avatar)
	icons := newSiteIcons()
	for path := range icons {
		h.mux.HandleFunc("GET "+path, icons.serve)
	}
	h.mux.HandleFunc("GET /manifest.webmanifest", h.manifest)
	h.mux.HandleFunc("GET /sw.js", h.serviceWorker)
	h.mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("User-agent: *\nAllow: /\n"))
	})
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r, nil) })
	return h
}

// ServeHTTP adds the security headers every answer carries.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "strict-origin-when-cross-origin")
	w.Header().Set("X-Frame-Options", "DENY")
	// /static/ is routed here rather than in the mux, where it would
	// collide with /{edition}/...; no edition may be called "static".
	if file, ok := strings.CutPrefix(r.URL.Path, "/static/"); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h.assets.serve(w, r, file)
		return
	}
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
	Lang     string // one of the edition's languages
	Edition  *conference.Edition
	Archive  bool // not the newest edition
	Editions []*conference.Edition
	Path     string // the page's path, for the language links
	URL      string // the page's absolute URL, for share links and OGP
	Feeds    feeds  // the edition's calendar and schedule feeds
	Title    string
	Desc     string
	Body     string // a class on <body>

	Days       []timetableDay
	Filter     talkFilter
	TalkCount  int // talks the filter keeps
	TalkTypes  []string
	Tags       []string
	Booths     []booth
	Session    *conference.Session
	Speaker    *conference.Speaker
	Liked      int64
	Ranking    []ranked
	Chart      template.HTML
	ChartTotal int64
	JSONLD     template.JS // schema.org data about the page, for search engines
}

// RoomName is a room's name in the page's language.
func (p page) RoomName(name string) string {
	if p.Edition != nil {
		if r := p.Edition.Room(name); r != nil {
			return p.L(r.Name)
		}
	}
	return name
}

// T picks a label of the user interface in the page's language. The labels
// exist in English and Japanese; pages in other languages show English.
func (p page) T(en, ja string) string {
	if p.Lang == "ja" && ja != "" {
		return japaneseText(ja)
	}
	return en
}

// LangURL is this page in another language, with the same filter: the
// site's language lives in ?hl=, apart from the filter's parameters.
func (p page) LangURL(lang string) string {
	q := p.Filter.query()
	q.Set("hl", lang)
	return p.Path + "?" + q.Encode()
}

// Base is the site's absolute URL, without a trailing slash.
func (p page) Base() string { return strings.TrimSuffix(p.URL, p.Path) }

// OtherLangs are the languages the page is also offered in.
func (p page) OtherLangs() []string {
	var out []string
	for _, l := range p.Languages() {
		if l != p.Lang {
			out = append(out, l)
		}
	}
	return out
}

// L picks a text of the content in the page's language.
func (p page) L(t conference.Text) string {
	if p.Lang == "ja" {
		return japaneseText(t.In(p.Lang))
	}
	return t.In(p.Lang)
}

// Languages are the languages the page is offered in: the edition's.
func (p page) Languages() []string {
	if p.Edition == nil {
		return conference.DefaultLanguages
	}
	return p.Edition.Languages
}

// LangName names a language for the page's reader (the language filter, a
// talk's language).
func (p page) LangName(code string) string {
	names := languageNamesEn
	if p.Lang == "ja" {
		names = languageNamesJa
	}
	if n, ok := names[code]; ok {
		return n
	}
	return code
}

// SelfName names a language in itself, for the language switch.
func (p page) SelfName(code string) string {
	if n, ok := languageSelfNames[code]; ok {
		return n
	}
	return code
}

var (
	languageNamesEn   = map[string]string{"en": "English", "ja": "Japanese", "de": "German", "fr": "French", "es": "Spanish", "zh": "Chinese", "ko": "Korean"}
	languageNamesJa   = map[string]string{"en": "英語", "ja": "日本語", "de": "ドイツ語", "fr": "フランス語", "es": "スペイン語", "zh": "中国語", "ko": "韓国語"}
	languageSelfNames = map[string]string{"en": "English", "ja": "日本語", "de": "Deutsch", "fr": "Français", "es": "Español", "zh": "中文", "ko": "한국어"}
)

// ShareX and ShareFacebook are share links for the page.
func (p page) ShareX() string {
	return "https://x.com/intent/post?" + url.Values{"text": {p.Title}, "url": {p.URL}}.Encode()
}

func (p page) ShareFacebook() string {
	return "https://www.facebook.com/sharer/sharer.php?" + url.Values{"u": {p.URL}}.Encode()
}

func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, ed *conference.Edition) page {
	langs := conference.DefaultLanguages
	if ed != nil {
		langs = ed.Languages
	} else if newest := h.catalog.Newest(); newest != nil {
		langs = newest.Languages
	}
	p := page{Lang: language(w, r, langs), Edition: ed, Editions: h.catalog.Editions, Path: r.URL.Path, URL: h.baseURL(r) + r.URL.Path}
	if ed != nil {
		p.Feeds = editionFeeds(h.baseURL(r), ed)
		p.Archive = ed != h.catalog.Newest()
		p.Desc = p.L(ed.Tagline)
	}
	return p
}

// baseURL follows the API's rule (techconf.BaseURL), so that pages and
// API answers print the same absolute URLs.
func (h *Handler) baseURL(r *http.Request) string { return techconf.BaseURL(r, h.opts.PublicURL) }

func (h *Handler) landing(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	if ed == nil {
		h.notFound(w, r, nil)
		return
	}
	p := h.newPage(w, r, ed)
	p.Filter = parseTalkFilter(ed, r.URL.Query())
	key := strings.Join([]string{"landing", ed.ID, p.Lang, h.baseURL(r), p.Filter.Room, p.Filter.Tag, p.Filter.Lang, p.Filter.Type}, "\x00")
	h.renderCached(w, r, key, "landing.html", p, func(p *page) {
		p.Title = p.L(ed.Name)
		p.Body = "landing"
		p.Days = timetable(ed)
		p.TalkCount = p.Filter.count(ed)
		p.TalkTypes = talkTypes
		p.Tags = ed.Tags()
		p.Booths = floorPlan(ed.Exhibitions)
		p.JSONLD = editionJSONLD(*p, h.baseURL(r))
	})
}

func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	idText, wantICS := strings.CutSuffix(r.PathValue("id"), ".ics")
	id, err := strconv.Atoi(idText)
	if ed == nil || err != nil || ed.Session(id) == nil {
		h.notFound(w, r, ed)
		return
	}
	s := ed.Session(id)
	if wantICS {
		h.writeCalendar(w, r, ed, []*conference.Session{s}, "session-"+idText+".ics")
		return
	}
	p := h.newPage(w, r, ed)
	p.Session = s
	p.Title = p.L(s.Title) + " | " + p.L(ed.Name)
	p.Desc = firstSentence(p.L(s.Outline))
	p.Liked = h.likes.Total(like.Key{Edition: ed.ID, SessionID: s.ID})
	p.Body = "session"
	p.JSONLD = sessionJSONLD(p, h.baseURL(r), s)
	h.render(w, r, http.StatusOK, "session.html", p)
}

func (h *Handler) speaker(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	if ed == nil || ed.Speaker(r.PathValue("id")) == nil {
		h.notFound(w, r, ed)
		return
	}
	p := h.newPage(w, r, ed)
	key := strings.Join([]string{"speaker", ed.ID, p.Lang, h.baseURL(r), r.PathValue("id")}, "\x00")
	h.renderCached(w, r, key, "speaker.html", p, func(p *page) {
		p.Speaker = ed.Speaker(r.PathValue("id"))
		p.Title = p.L(p.Speaker.Name) + " | " + p.L(ed.Name)
		p.Desc = firstSentence(p.L(p.Speaker.Profile))
	})
}

// ranked is one row of the like ranking.
type ranked struct {
	Rank    int
	Session *conference.Session
	Likes   int64
}

func (h *Handler) ranking(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	if ed == nil {
		h.notFound(w, r, nil)
		return
	}
	p := h.newPage(w, r, ed)
	p.Title = p.T("Likes ranking", "いいねランキング") + " | " + p.L(ed.Name)
	p.Body = "ranking"
	for _, s := range ed.Sessions {
		if !s.Likeable() {
			continue
		}
		p.Ranking = append(p.Ranking, ranked{Session: s, Likes: h.likes.Total(like.Key{Edition: ed.ID, SessionID: s.ID})})
	}
	sort.SliceStable(p.Ranking, func(i, j int) bool { return p.Ranking[i].Likes > p.Ranking[j].Likes })
	for i := range p.Ranking {
		p.Ranking[i].Rank = i + 1
	}
	now := h.opts.Now()
	minutes := h.likes.PerMinute(now.Add(-59*time.Minute), now)
	p.Chart, p.ChartTotal = minuteChart(minutes, p.T("Likes per minute, last hour", "直近1時間の1分ごとのいいね数"), ed.Location)
	w.Header().Set("Cache-Control", "no-cache")
	h.render(w, r, http.StatusOK, "ranking.html", p)
}

// schedule answers the whole conference as a calendar, or with ?ids=1,2,3
// the sessions bookmarked in the browser.
func (h *Handler) schedule(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	if ed == nil {
		h.notFound(w, r, nil)
		return
	}
	sessions := ed.Sessions
	name := "schedule.ics"
	if ids := r.URL.Query().Get("ids"); ids != "" {
		want := map[int]bool{}
		for _, part := range strings.Split(ids, ",") {
			id, err := strconv.Atoi(strings.TrimSpace(part))
			if err != nil || ed.Session(id) == nil {
				http.Error(w, "unknown session id "+strconv.Quote(part)+" in ids", http.StatusBadRequest)
				return
			}
			want[id] = true
		}
		sessions = nil
		for _, s := range ed.Sessions { // timetable order
			if want[s.ID] {
				sessions = append(sessions, s)
			}
		}
		name = "my-schedule.ics"
	}
	h.writeCalendar(w, r, ed, sessions, name)
}

func (h *Handler) writeCalendar(w http.ResponseWriter, r *http.Request, ed *conference.Edition, sessions []*conference.Session, name string) {
	// A calendar app that subscribes sends no cookie: the language is in
	// the link (?hl=), else the browser's.
	lang := queryLanguage(r, ed.Languages)
	if lang == "" {
		lang = acceptLanguage(r.Header.Get("Accept-Language"), ed.Languages)
	}
	body := calendar(ed, sessions, h.baseURL(r), h.opts.Now(), lang)
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Disposition", `attachment; filename="`+ed.ID+"-"+name+`"`)
	w.Header().Set("Cache-Control", "public, max-age=300")
	b := newBody(body)
	b.write(w, r, http.StatusOK)
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
	w.Header().Set("Content-Security-Policy", "default-src 'none'")
	b := newBody(avatarSVG(id, ed.Speaker(id).Name.Default()))
	b.write(w, r, http.StatusOK)
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, ed *conference.Edition) {
	p := h.newPage(w, r, ed)
	if ed == nil {
		p.Edition = h.catalog.Newest()
		p.Archive = false
	}
	p.Title = p.T("Page not found", "ページが見つかりません")
	h.render(w, r, http.StatusNotFound, "notfound.html", p)
}

// contentSecurityPolicy allows nothing inline and nothing from other
// hosts: every script and style is a file of ours.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"

// renderCached serves a page that depends only on the content from the
// cache, rendering it (with fill) the first time.
func (h *Handler) renderCached(w http.ResponseWriter, r *http.Request, key, name string, p page, fill func(*page)) {
	page, ok := h.cache.Get(key)
	if !ok {
		fill(&p)
		var buf bytes.Buffer
		if err := h.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
			h.logger.ErrorContext(r.Context(), "render page", "template", name, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		page = newBody(buf.Bytes())
		h.cache.Add(key, page)
	}
	h.writePage(w, r, http.StatusOK, p.Lang, page)
}

// render executes a template into a buffer first, so that a template error
// becomes a clean 500 rather than half a page, and so that the page gets an
// ETag and conditional requests a 304.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, name, p); err != nil {
		h.logger.ErrorContext(r.Context(), "render page", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h.writePage(w, r, status, p.Lang, newBody(buf.Bytes()))
}

// writePage sends a rendered page with its caching and security headers.
func (h *Handler) writePage(w http.ResponseWriter, r *http.Request, status int, lang string, page *body) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Content-Language", lang)
	hdr.Set("Vary", "Accept-Language, Cookie")
	if hdr.Get("Cache-Control") == "" {
		hdr.Set("Cache-Control", "public, max-age=60")
	}
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	page.write(w, r, status)
}

// notModified sets the ETag and answers 304 if the client has it.
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	w.Header().Set("ETag", etag)
	for _, tag := range strings.Split(r.Header.Get("If-None-Match"), ",") {
		if t := strings.TrimPrefix(strings.TrimSpace(tag), "W/"); t == etag || t == "*" {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
	}
	return false
}

// language picks one of the edition's languages (langs, the default
// first): ?hl= first (or ?lang=, which links shared before ?hl= carry),
// remembered in a cookie, then the remembered choice, then the browser's
// Accept-Language, then the default.
func language(w http.ResponseWriter, r *http.Request, langs []string) string {
	if l := queryLanguage(r, langs); l != "" {
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && slices.Contains(langs, c.Value) {
		return c.Value
	}
	return acceptLanguage(r.Header.Get("Accept-Language"), langs)
}

// queryLanguage is the language of langs the URL asks for, or "".
func queryLanguage(r *http.Request, langs []string) string {
	for _, name := range []string{"hl", "lang"} {
		if l := r.URL.Query().Get(name); slices.Contains(langs, l) {
			return l
		}
	}
	return ""
}

// acceptLanguage returns the language of langs the header prefers, or the
// first of langs.
func acceptLanguage(header string, langs []string) string {
	bestLang, bestQ := langs[0], -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(langs, primary) && q > bestQ {
			bestLang, bestQ = primary, q
		}
	}
	return bestLang
}

// firstSentence shortens a text for meta descriptions.
func firstSentence(s string) string {
	for _, end := range []string{". ", "。"} {
		if i := strings.Index(s, end); i > 0 {
			return s[:i+len(end)]
		}
	}
	if r := []rune(s); len(r) > 120 {
		return string(r[:120]) + "…"
	}
	return s
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

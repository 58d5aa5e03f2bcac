package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/web"
)

// mustOpenSite serves the pages of the sample conference alone (no API)
// over real HTTP, with likes on a real SQLite file.
func mustOpenSite(tb testing.TB) *testserver.Site {
	tb.Helper()
	return testserver.Start(tb, testserver.Config{
		ServerID: "web-test",
		Like:     like.Config{Buffer: like.BufferConfig{FlushInterval: 5 * time.Millisecond}, PollInterval: 10 * time.Millisecond},
		Handler: func(s *testserver.Site) http.Handler {
			return web.NewHandler(s.Catalog, s.Likes, web.Options{Logger: s.Logger})
		},
	})
}

type answer struct {
	status int
	header http.Header
	body   string
}

func fetch(tb testing.TB, url string, header ...string) answer {
	tb.Helper()
	a := testserver.Fetch(tb, url, header...)
	return answer{a.StatusCode, a.Header, a.Body}
}

func TestPages(t *testing.T) {
	s := mustOpenSite(t)
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/2018/", 200, "Harborlight Tech Conference 2018"},
		{"/2017/", 200, "archived edition"},
		{"/2018/sessions/5", 200, "Reading the Go 2 Draft Designs"},
		{"/2018/speakers/aiko-tanabe", 200, "Aiko Tanabe"},
		{"/2018/likes", 200, "Likes per minute"},
		{"/2018/avatars/aiko-tanabe.svg", 200, "<svg"},
		{"/1999/", 404, "Page not found"},
		{"/2018/sessions/9999", 404, "Page not found"},
		{"/2018/sessions/abc", 404, "Page not found"},
		{"/2018/speakers/nobody", 404, "Page not found"},
		{"/2018/avatars/nobody.svg", 404, ""},
		{"/static/nothing.css", 404, ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			a := fetch(t, s.URL+tc.path, "Accept-Language", "en")
			if a.status != tc.status {
				t.Fatalf("GET %s = %d; want %d", tc.path, a.status, tc.status)
			}
			if !strings.Contains(a.body, tc.want) {
				t.Errorf("GET %s does not contain %q", tc.path, tc.want)
			}
			if a.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: no X-Content-Type-Options: nosniff", tc.path)
			}
		})
	}
}

// TestSecurityHeaders: pages allow no inline script or style and nothing
// from other hosts, and the HTML has neither.
func TestSecurityHeaders(t *testing.T) {
	s := mustOpenSite(t)
	for _, path := range []string{"/2018/", "/2018/sessions/5", "/2018/likes", "/1999/"} {
		a := fetch(t, s.URL+path)
		csp := a.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("%s: Content-Security-Policy %q; want scripts from this host only, nothing inline", path, csp)
		}
		if a.header.Get("Referrer-Policy") == "" {
			t.Errorf("%s: no Referrer-Policy", path)
		}
		// A data block (schema.org JSON-LD) is not a script: browsers do not
		// run it, and the policy does not apply to it.
		for _, m := range regexp.MustCompile(`<script(\s[^>]*)?>\s*[^<\s]`).FindAllStringSubmatch(a.body, -1) {
			if m[1] != ` type="application/ld+json"` {
				t.Errorf("%s has an inline script: %s", path, m[0])
			}
		}
		if regexp.MustCompile(`\sstyle="`).MatchString(a.body) {
			t.Errorf("%s has an inline style attribute, which the policy blocks", path)
		}
	}
}

// TestLandingPageBudget: under 100 KB of HTML, and no stylesheet or script
// from another host that would block rendering.
func TestLandingPageBudget(t *testing.T) {
	s := mustOpenSite(t)
	a := fetch(t, s.URL+"/2018/")
	if n := len(a.body); n > 100_000 {
		t.Errorf("landing page is %d bytes; want under 100 KB", n)
	}
	for _, m := range regexp.MustCompile(`<(?:link|script)[^>]+(?:href|src)="([^"]+)"`).FindAllStringSubmatch(a.body, -1) {
		// Alternate-language links name pages (absolute, as search
		// engines want them); browsers load nothing from them.
		if strings.Contains(m[0], `rel="alternate"`) {
			continue
		}
		if strings.HasPrefix(m[1], "http") || strings.HasPrefix(m[1], "//") {
			t.Errorf("landing page loads %s from another host", m[1])
		}
	}
}

// TestEveryTextWithoutScript: the landing page's HTML holds every session
// of the timetable, with no script needed to show them.
func TestEveryTextWithoutScript(t *testing.T) {
	s := mustOpenSite(t)
	for _, lang := range []string{"en", "ja"} {
		a := fetch(t, s.URL+"/2018/?lang="+lang)
		for _, sess := range s.Edition.Sessions {
			title := sess.Title.In("en")
			if lang == "ja" {
				title = sess.Title.In("ja")
			}
			if !strings.Contains(a.body, htmlEscape(title)) {
				t.Errorf("lang=%s: landing page lacks session %d %q", lang, sess.ID, title)
			}
		}
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestLanguage(t *testing.T) {
	s := mustOpenSite(t)
	ja, en := s.Edition.Name.In("ja"), s.Edition.Name.In("en")
	for _, tc := range []struct {
		name   string
		query  string
		header []string
		want   string
	}{
		{"Default", "", nil, en},
		{"AcceptLanguageJa", "", []string{"Accept-Language", "ja-JP,ja;q=0.9,en;q=0.8"}, ja},
		{"AcceptLanguagePrefersEn", "", []string{"Accept-Language", "en-US,ja;q=0.5"}, en},
		{"QueryWins", "?lang=en", []string{"Accept-Language", "ja"}, en},
		{"CookieRemembered", "", []string{"Cookie", "lang=ja", "Accept-Language", "en"}, ja},
		{"BadQueryIgnored", "?lang=fr", []string{"Accept-Language", "ja"}, ja},
		{"HlJa", "?hl=ja", []string{"Accept-Language", "en"}, ja},
		{"HlWinsOverCookie", "?hl=en", []string{"Cookie", "lang=ja"}, en},
		{"TalkLangIsNotSiteLang", "?talklang=en", []string{"Accept-Language", "ja"}, ja},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fetch(t, s.URL+"/2018/"+tc.query, tc.header...)
			if !strings.Contains(a.body, "<h1 id=\"hero-title\">"+htmlEscape(tc.want)+"</h1>") {
				t.Errorf("heading is not %q", tc.want)
			}
		})
	}
	a := fetch(t, s.URL+"/2018/?lang=ja")
	if c := a.header.Get("Set-Cookie"); !strings.Contains(c, "lang=ja") {
		t.Errorf("?lang=ja sets cookie %q; want lang=ja remembered", c)
	}
}

// TestCaching: pages have an ETag and answer 304 to it; assets carry a
// content hash in their URL and are immutable for a year.
func TestCaching(t *testing.T) {
	s := mustOpenSite(t)
	a := fetch(t, s.URL+"/2018/")
	etag := a.header.Get("ETag")
	if etag == "" || !strings.Contains(a.header.Get("Cache-Control"), "max-age=60") {
		t.Fatalf("landing page: ETag %q, Cache-Control %q; want an ETag and a short max-age", etag, a.header.Get("Cache-Control"))
	}
	if b := fetch(t, s.URL+"/2018/", "If-None-Match", etag); b.status != http.StatusNotModified || b.body != "" {
		t.Errorf("conditional GET = %d with %d bytes; want 304 and no body", b.status, len(b.body))
	}
	css := regexp.MustCompile(`href="(/static/site\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(a.body)
	js := regexp.MustCompile(`src="(/static/app\.[0-9a-f]{10}\.js)"`).FindStringSubmatch(a.body)
	if css == nil || js == nil {
		t.Fatal("the page does not link hashed site.css and app.js")
	}
	for _, path := range []string{css[1], js[1]} {
		b := fetch(t, s.URL+path)
		if b.status != 200 || b.header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("%s: %d, Cache-Control %q; want 200, immutable for a year", path, b.status, b.header.Get("Cache-Control"))
		}
	}
}

// TestTalkFilterWithoutScript: the filter form's GET hides the talks that
// do not match (the hidden attribute), with the filter's own parameters.
func TestTalkFilterWithoutScript(t *testing.T) {
	s := mustOpenSite(t)
	a := fetch(t, s.URL+"/2018/?room=Hall+B&talklang=en")
	talks := a.body[strings.Index(a.body, `id="timetable"`):strings.Index(a.body, `id="exhibitions"`)]
	var cards [][]string
	for _, c := range regexp.MustCompile(`<article [^>]*class="card talk filterable[^>]*>`).FindAllString(talks, -1) {
		if !strings.HasSuffix(c, " hidden>") {
			cards = append(cards, regexp.MustCompile(`data-room="([^"]*)" data-lang="([^"]*)"`).FindStringSubmatch(c))
		}
	}
	want := 0
	for _, sess := range s.Edition.Sessions {
		if sess.Place == "Hall B" && sess.Lang == "en" && (sess.Type == "session" || sess.Type == "keynote" || sess.Type == "lightning") {
			want++
		}
	}
	if len(cards) != want || want == 0 {
		t.Fatalf("filtered talks: %d cards; want %d", len(cards), want)
	}
	for _, c := range cards {
		if c == nil || c[1] != "Hall B" || c[2] != "en" {
			t.Errorf("a card of room %q lang %q passed the filter", c[1], c[2])
		}
	}
}

func TestCalendars(t *testing.T) {
	s := mustOpenSite(t)
	whole := fetch(t, s.URL+"/2018/schedule.ics")
	events := parseICS(t, whole.body)
	if len(events) != len(s.Edition.Sessions) {
		t.Errorf("schedule.ics has %d events; want %d", len(events), len(s.Edition.Sessions))
	}
	if ct := whole.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("Content-Type %q; want text/calendar", ct)
	}
	mine := parseICS(t, fetch(t, s.URL+"/2018/schedule.ics?ids=6,5").body)
	if len(mine) != 2 || mine[0]["UID"] != "session-5-2018@techconf" || mine[1]["UID"] != "session-6-2018@techconf" {
		t.Errorf("schedule.ics?ids=6,5 = %v; want sessions 5 and 6 in time order", mine)
	}
	one := parseICS(t, fetch(t, s.URL+"/2018/sessions/5.ics").body)
	sess := s.Edition.Session(5)
	if len(one) != 1 || one[0]["SUMMARY"] != sess.Title.In("en") || one[0]["DTSTART"] != sess.StartTime.UTC().Format("20060102T150405Z") {
		t.Errorf("sessions/5.ics = %v; want session 5", one)
	}
	if a := fetch(t, s.URL+"/2018/schedule.ics?ids=5,999"); a.status != http.StatusBadRequest {
		t.Errorf("unknown id in ids: %d; want 400", a.status)
	}
}

// parseICS reads an iCalendar file as strictly as calendar apps do.
var parseICS = testserver.ParseICS

func TestRanking(t *testing.T) {
	s := mustOpenSite(t)
	if _, err := s.Likes.Create(context.Background(), like.Key{Edition: "2018", SessionID: 12}, "ranker", 9); err != nil {
		t.Fatal(err)
	}
	a := fetch(t, s.URL+"/2018/likes")
	first := regexp.MustCompile(`<span class="rank">1</span> <a href="/2018/sessions/(\d+)">[^<]*</a> <span class="likes">(\d+)</span>`).FindStringSubmatch(a.body)
	if first == nil || first[1] != "12" || first[2] != "9" {
		t.Errorf("ranking's first row = %v; want session 12 with 9 likes", first)
	}
	if !strings.Contains(a.body, "(last hour: 9)") {
		t.Error("the chart does not count the 9 likes of the last hour")
	}
}

// TestEnglishOnlyEdition checks that an edition declaring only English
// offers only English, whatever the reader asks for.
func TestEnglishOnlyEdition(t *testing.T) {
	s := mustOpenSite(t)
	for _, tc := range []struct {
		name   string
		query  string
		header []string
	}{
		{"Default", "", nil},
		{"QueryJa", "?lang=ja", nil},
		{"CookieJa", "", []string{"Cookie", "lang=ja"}},
		{"AcceptLanguageJa", "", []string{"Accept-Language", "ja"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := fetch(t, s.URL+"/2016/"+tc.query, tc.header...)
			if a.status != http.StatusOK {
				t.Fatalf("GET /2016/%s: status %d, want 200", tc.query, a.status)
			}
			if got := a.header.Get("Content-Language"); got != "en" {
				t.Errorf("Content-Language = %q, want en", got)
			}
			if !strings.Contains(a.body, `<h1 id="hero-title">Harborlight Night 2016</h1>`) {
				t.Error("heading is not the English name")
			}
			// The switch links the page's other languages (?hl=): none here.
			if strings.Contains(a.body, "hl=ja") || strings.Contains(a.body, `hreflang="ja"`) {
				t.Error("the language switch offers Japanese; want English only")
			}
			if strings.Contains(a.body, `<option value="ja"`) {
				t.Error("the talk filter offers Japanese talks; the edition has none")
			}
		})
	}
	// The 2018 edition still offers both: each page links the other.
	if a := fetch(t, s.URL+"/2018/?hl=en"); !strings.Contains(a.body, `href="/2018/?hl=ja"`) {
		t.Error("2018 in English: the language switch lacks Japanese")
	}
	if a := fetch(t, s.URL+"/2018/?hl=ja"); !strings.Contains(a.body, `href="/2018/?hl=en"`) {
		t.Error("2018 in Japanese: the language switch lacks English")
	}
}

// TestLikeButtonOnlyWhereLikeable: talks have the like button; lunches and
// breaks, which createLike refuses, have none.
func TestLikeButtonOnlyWhereLikeable(t *testing.T) {
	s := mustOpenSite(t)
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/2018/sessions/5", true},  // a talk
		{"/2018/sessions/2", true},  // a keynote
		{"/2018/sessions/7", false}, // lunch
		{"/2018/sessions/4", false}, // a break
	} {
		a := fetch(t, s.URL+tc.path, "Accept-Language", "en")
		if got := strings.Contains(a.body, "data-like "); got != tc.want {
			t.Errorf("GET %s has a like button: %v; want %v", tc.path, got, tc.want)
		}
	}
}

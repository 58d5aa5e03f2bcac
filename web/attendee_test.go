package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"html"
	"image/png"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/techconf/techconf/internal/testserver"
)

// TestFilterAndSiteLanguageApart: the site's language (?hl=, or ?lang= of
// old links) never filters the talks, and the talks' language filter
// (?talklang=) never changes the site's language nor sets its cookie.
func TestFilterAndSiteLanguageApart(t *testing.T) {
	s := mustOpenSite(t)
	visible := func(body string) int {
		n := 0
		for _, tag := range regexp.MustCompile(`<article [^>]*class="card talk filterable[^>]*>`).FindAllString(body, -1) {
			if !strings.HasSuffix(tag, " hidden>") {
				n++
			}
		}
		return n
	}
	all := visible(fetch(t, s.URL+"/2018/?hl=en").body)
	if all == 0 {
		t.Fatal("no talks on the landing page")
	}
	for _, q := range []string{"?hl=ja", "?lang=ja", "?lang=en"} {
		if n := visible(fetch(t, s.URL+"/2018/"+q).body); n != all {
			t.Errorf("%s shows %d talks; want all %d (the site's language is no filter)", q, n, all)
		}
	}
	a := fetch(t, s.URL+"/2018/?hl=ja&talklang=en")
	if !strings.Contains(a.body, `<html lang="ja">`) {
		t.Error("?hl=ja&talklang=en: the page is not in Japanese")
	}
	wantEn := 0
	for _, sess := range s.Edition.Sessions {
		if sess.Lang == "en" && (sess.Type == "session" || sess.Type == "keynote" || sess.Type == "lightning") {
			wantEn++
		}
	}
	if n := visible(a.body); n != wantEn {
		t.Errorf("?talklang=en shows %d talks; want %d", n, wantEn)
	}
	b := fetch(t, s.URL+"/2018/?talklang=ja", "Accept-Language", "en")
	if c := b.header.Get("Set-Cookie"); c != "" {
		t.Errorf("?talklang=ja sets cookie %q; want the site's language untouched", c)
	}
	if !strings.Contains(b.body, `<html lang="en">`) {
		t.Error("?talklang=ja switched the site to Japanese")
	}
	// The language links keep the filter, and the filter form does not
	// carry the site's language.
	if !strings.Contains(b.body, `href="/2018/?hl=ja&amp;talklang=ja"`) {
		t.Error("the link to the Japanese page does not keep the filter talklang=ja")
	}
	if regexp.MustCompile(`<form class="filters"[^>]*>[\s\S]*name="(hl|lang)"[\s\S]*</form>`).MatchString(b.body) {
		t.Error("the filter form has a field named hl or lang")
	}
	for _, q := range []string{"?type=lightning", "?tag=Go", "?room=Hall+A"} {
		if n := visible(fetch(t, s.URL+"/2018/"+q).body); n == 0 || n >= all {
			t.Errorf("%s shows %d of %d talks; want some, not all", q, n, all)
		}
	}
}

// TestTimesCarryZoneAndWeekday: times show the event's zone and dates
// their weekday, in the page's language.
func TestTimesCarryZoneAndWeekday(t *testing.T) {
	s := mustOpenSite(t)
	for _, tc := range []struct{ path, want string }{
		{"/2018/?hl=en", "Saturday, 6 October 2018"},
		{"/2018/?hl=en", "JST (UTC+9)"},
		{"/2018/?hl=ja", "2018年10月6日(土)"},
		{"/2018/sessions/5?hl=en", "Sat, 6 Oct 2018</time> <time"},
		{"/2018/sessions/5?hl=en", ">JST (UTC+9)</span> (40 min)"},
		{"/2018/sessions/5?hl=ja", "(40分)"},
	} {
		if a := fetch(t, s.URL+tc.path); !strings.Contains(html.UnescapeString(a.body), tc.want) {
			t.Errorf("GET %s lacks %q", tc.path, tc.want)
		}
	}
}

// TestTimetableGrid: each session spans its duration in five-minute rows;
// sessions that take every room span every column.
func TestTimetableGrid(t *testing.T) {
	s := mustOpenSite(t)
	a := fetch(t, s.URL+"/2018/")
	cards := regexp.MustCompile(`<article id="s-(\d+)" class="[^"]* r-(\d+) n-(\d+) c-(\d+)"`).FindAllStringSubmatch(a.body, -1)
	if len(cards) != len(s.Edition.Sessions) {
		t.Fatalf("%d sessions placed in the grid; want %d", len(cards), len(s.Edition.Sessions))
	}
	first := s.Edition.Sessions[0].StartTime
	for _, c := range cards {
		sess := s.Edition.Session(atoi(t, c[1]))
		wantRow := 2 + int(sess.StartTime.Sub(first).Minutes())/5
		wantSpan := int(sess.EndTime.Sub(sess.StartTime).Minutes()) / 5
		wantCol := "1"
		if sess.Place == "Hall B" {
			wantCol = "2"
		}
		if sess.SpansRooms() {
			wantCol = "0"
		}
		if atoi(t, c[2]) != wantRow || atoi(t, c[3]) != wantSpan || c[4] != wantCol {
			t.Errorf("session %d: row %s, span %s, column %s; want %d, %d, %s", sess.ID, c[2], c[3], c[4], wantRow, wantSpan, wantCol)
		}
	}
}

// TestTimetableGridClasses: every grid placement class that a timetable
// uses is in the stylesheet, which holds only those in use: all 1,500
// possible ones made its parse one of the longest tasks of every page.
func TestTimetableGridClasses(t *testing.T) {
	s := mustOpenSite(t)
	var css string
	used := map[string]bool{}
	for _, path := range []string{"/2016/", "/2017/", "/2018/", "/2018/?hl=ja"} {
		a := fetch(t, s.URL+path)
		if css == "" {
			href := regexp.MustCompile(`<link rel="stylesheet" href="([^"]+)"`).FindStringSubmatch(a.body)
			if href == nil {
				t.Fatalf("%s: no stylesheet", path)
			}
			css = fetch(t, s.URL+href[1]).body
		}
		for _, m := range regexp.MustCompile(`class="([^"]*)"`).FindAllStringSubmatch(a.body, -1) {
			for _, c := range strings.Fields(m[1]) {
				if regexp.MustCompile(`^(r|n|c|rooms)-\d+$`).MatchString(c) {
					used[c] = true
				}
			}
		}
	}
	if len(used) < 10 {
		t.Fatalf("%d grid classes used in the sample timetables; want many (did the markup change?)", len(used))
	}
	for c := range used {
		if !strings.Contains(css, "."+c+"{") {
			t.Errorf("class %s is used by a timetable but not in the stylesheet", c)
		}
	}
	generated := regexp.MustCompile(`(?m)^\.(r|n|c|rooms)-\d+\{`).FindAllString(css, -1)
	if len(generated) > len(used)+5 {
		t.Errorf("stylesheet has %d grid classes; want about the %d in use", len(generated), len(used))
	}
}

// TestScriptAfterFirstScreen: every page runs app.js once, as a plain
// script in the body where its first screen ends (on the landing page,
// after the about section), so that the browser draws the first screen
// before it parses the rest; a deferred script in the head made the first
// frame lay out the whole page.
func TestScriptAfterFirstScreen(t *testing.T) {
	s := mustOpenSite(t)
	for _, tc := range []struct{ path, before, after string }{
		{"/2018/", `id="about"`, `id="timetable"`},
		{"/2018/?hl=ja", `id="about"`, `id="timetable"`},
		{"/2018/sessions/5", `<h1`, `class="outline"`},
		{"/2018/speakers/aiko-tanabe", `<h1`, `class="grid"`},
		{"/2018/likes", `class="chart"`, `id="ranking-heading"`},
		{"/2018/nothing-here", `<h1`, `</main>`},
	} {
		body := fetch(t, s.URL+tc.path).body
		tags := regexp.MustCompile(`<script[^>]*src="/static/app\.[^"]*"[^>]*>`).FindAllStringIndex(body, -1)
		if len(tags) != 1 {
			t.Errorf("%s: %d app.js scripts; want 1", tc.path, len(tags))
			continue
		}
		tag := body[tags[0][0]:tags[0][1]]
		at := tags[0][0]
		if strings.Contains(tag, "defer") || strings.Contains(tag, "async") {
			t.Errorf("%s: %s; want a plain script", tc.path, tag)
		}
		if b, a := strings.Index(body, tc.before), strings.Index(body, tc.after); b < 0 || a < 0 || at < b || at > a {
			t.Errorf("%s: app.js at byte %d; want it after %s (%d) and before %s (%d)", tc.path, at, tc.before, b, tc.after, a)
		}
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestJapanesePages: session types, labels and text in Japanese, with no
// space after a Japanese full stop, and calendars that follow the language.
func TestJapanesePages(t *testing.T) {
	s := mustOpenSite(t)
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, path := range []string{"/2018/?hl=ja", "/2018/sessions/2?hl=ja", "/2018/speakers/aiko-tanabe?hl=ja", "/2018/likes?hl=ja", "/2017/?hl=ja"} {
		a := fetch(t, s.URL+path)
		// A browser shows a line break inside an element as a space; an
		// element's edge (a tag, here \x00) shows none in inline text but
		// may end a block, so only breaks inside one text are checked.
		text := tags.ReplaceAllString(a.body, "\x00")
		if m := regexp.MustCompile(`.{0,10}。[ \t\r\n]+[^\s\x00].{0,10}`).FindString(text); m != "" {
			t.Errorf("%s: a space after 。 in %q", path, m)
		}
		for _, english := range []string{">keynote<", " · keynote", " · lightning", "Bookmark<", ">Time<", "Share on"} {
			if strings.Contains(a.body, english) {
				t.Errorf("%s: English %q on a Japanese page", path, english)
			}
		}
	}
	if a := fetch(t, s.URL+"/2018/?hl=ja"); !strings.Contains(a.body, "基調講演") || !strings.Contains(a.body, "ライトニングトーク") {
		t.Error("the Japanese landing page does not name keynotes and lightning talks in Japanese")
	}
	ja := parseICS(t, fetch(t, s.URL+"/2018/sessions/5.ics?hl=ja").body)
	if len(ja) != 1 || ja[0]["SUMMARY"] != s.Edition.Session(5).Title.In("ja") {
		t.Errorf("sessions/5.ics?hl=ja = %v; want the Japanese title %q", ja, s.Edition.Session(5).Title.In("ja"))
	}
	en := parseICS(t, fetch(t, s.URL+"/2018/sessions/5.ics", "Accept-Language", "en").body)
	if len(en) != 1 || en[0]["SUMMARY"] != s.Edition.Session(5).Title.Default() {
		t.Errorf("sessions/5.ics in English = %v; want %q", en, s.Edition.Session(5).Title.Default())
	}
	if a := fetch(t, s.URL+"/2018/?hl=ja"); !strings.Contains(a.body, `schedule.ics?hl=ja"`) {
		t.Error("the Japanese page's calendar link does not ask for Japanese")
	}
}

// TestCompression: text is gzipped for clients that accept it, with
// Vary: Accept-Encoding and an ETag of its own that answers 304.
func TestCompression(t *testing.T) {
	s := mustOpenSite(t)
	page := fetch(t, s.URL+"/2018/")
	css := regexp.MustCompile(`href="(/static/site\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(page.body)[1]
	js := regexp.MustCompile(`src="(/static/app\.[0-9a-f]{10}\.js)"`).FindStringSubmatch(page.body)[1]
	for _, path := range []string{"/2018/", "/2018/sessions/5", "/2018/likes", css, js, "/2018/schedule.ics", "/sw.js"} {
		plain := fetch(t, s.URL+path, "Accept-Encoding", "identity")
		gz := fetchRaw(t, s.URL+path, "Accept-Encoding", "gzip, br")
		if gz.header.Get("Content-Encoding") != "gzip" {
			t.Errorf("%s: Content-Encoding %q; want gzip", path, gz.header.Get("Content-Encoding"))
			continue
		}
		if !strings.Contains(strings.Join(gz.header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: Vary %q; want Accept-Encoding", path, gz.header.Values("Vary"))
		}
		zr, err := gzip.NewReader(strings.NewReader(gz.body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		unzipped, _ := io.ReadAll(zr)
		if path != "/2018/likes" && string(unzipped) != plain.body { // the ranking's chart moves
			t.Errorf("%s: the gzipped body differs from the plain one", path)
		}
		if len(gz.body)*2 > len(plain.body) {
			t.Errorf("%s: %d bytes gzipped of %d; want half or less", path, len(gz.body), len(plain.body))
		}
		etag := gz.header.Get("ETag")
		if etag == "" || etag == plain.header.Get("ETag") {
			t.Errorf("%s: gzip ETag %q, plain %q; want one per encoding", path, etag, plain.header.Get("ETag"))
		}
		if path == "/2018/likes" {
			continue
		}
		if again := fetchRaw(t, s.URL+path, "Accept-Encoding", "gzip", "If-None-Match", etag); again.status != http.StatusNotModified {
			t.Errorf("%s: conditional gzip GET = %d; want 304", path, again.status)
		}
	}
}

// fetchRaw is fetch without Go's transparent gzip decoding.
func fetchRaw(tb testing.TB, url string, header ...string) answer {
	tb.Helper()
	a := testserver.FetchRaw(tb, url, header...)
	return answer{a.StatusCode, a.Header, a.Body}
}

// TestIconsManifestAndJSONLD: the icons browsers ask for exist and decode,
// the manifest names them, and the pages describe the conference and its
// talks as schema.org events.
func TestIconsManifestAndJSONLD(t *testing.T) {
	s := mustOpenSite(t)
	ico := fetch(t, s.URL+"/favicon.ico")
	if ico.status != 200 || !strings.HasPrefix(ico.body, "\x00\x00\x01\x00") {
		t.Errorf("/favicon.ico: %d, starts %q; want an ICO file", ico.status, ico.body[:min(4, len(ico.body))])
	}
	for path, size := range map[string]int{"/apple-touch-icon.png": 180, "/icon-192.png": 192, "/icon-512.png": 512} {
		a := fetch(t, s.URL+path)
		img, err := png.Decode(bytes.NewReader([]byte(a.body)))
		if err != nil || img.Bounds().Dx() != size || img.Bounds().Dy() != size {
			t.Errorf("%s: %v; want a %dx%d PNG", path, err, size, size)
		}
	}
	var m struct {
		Name     string
		StartURL string `json:"start_url"`
		Display  string
		Icons    []struct{ Src, Sizes string }
	}
	if err := json.Unmarshal([]byte(fetch(t, s.URL+"/manifest.webmanifest").body), &m); err != nil || m.StartURL != "/" || len(m.Icons) < 2 {
		t.Errorf("manifest: %+v, %v; want a start URL and icons", m, err)
	}
	var ev struct {
		Type      string `json:"@type"`
		Name      string
		StartDate string
		SubEvent  []struct {
			Name, StartDate string
			Location        struct{ Name string }
			Performer       []struct{ Name string }
		}
	}
	body := fetch(t, s.URL+"/2018/", "Accept-Language", "en").body
	ld := regexp.MustCompile(`<script type="application/ld\+json">([^<]*)</script>`).FindStringSubmatch(body)
	if ld == nil {
		t.Fatal("the landing page has no JSON-LD")
	}
	if err := json.Unmarshal([]byte(ld[1]), &ev); err != nil {
		t.Fatal(err)
	}
	talks := 0
	for _, sess := range s.Edition.Sessions {
		if sess.Type == "session" || sess.Type == "keynote" || sess.Type == "lightning" {
			talks++
		}
	}
	if ev.Type != "Event" || ev.Name != s.Edition.Name.Default() || len(ev.SubEvent) != talks {
		t.Fatalf("JSON-LD: %s %q with %d subEvents; want Event %q with %d", ev.Type, ev.Name, len(ev.SubEvent), s.Edition.Name.Default(), talks)
	}
	for _, sub := range ev.SubEvent {
		if sub.StartDate == "" || sub.Location.Name == "" || len(sub.Performer) == 0 {
			t.Errorf("subEvent %q lacks a start, a location or a performer", sub.Name)
		}
	}
	if !strings.Contains(body, `<meta property="og:locale:alternate" content="ja_JP">`) {
		t.Error("no og:locale:alternate ja_JP")
	}
}

package web_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/techconf/techconf/e2e/internal/chromium"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
)

// These tests drive a real headless Chromium against the whole server
// (pages and API) on a real SQLite file.

// mustOpenBrowser starts headless Chromium and returns its context; newTab
// opens tabs in it.
func mustOpenBrowser(tb testing.TB) context.Context { return chromium.Open(tb) }

// newTab opens a tab in the browser.
func newTab(tb testing.TB, browser context.Context) context.Context {
	tb.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	tb.Cleanup(cancel)
	ctx, cancel2 := context.WithTimeout(ctx, 60*time.Second)
	tb.Cleanup(cancel2)
	return ctx
}

// mustOpenFullSite serves the pages and the API like `techconf serve`.
func mustOpenFullSite(tb testing.TB) *testserver.Site {
	tb.Helper()
	return testserver.Start(tb, testserver.Config{ServerID: "browser-test"})
}

// restartableSite serves the pages and the API on an address and a
// SQLite file of its own, so that another server can take its place (a
// rollout): Stop shuts it down as SIGTERM would (subscriptions end, the
// listener closes), and restart starts the next one on the same address
// and file.
type restartableSite struct {
	*testserver.Site
	dbPath, addr string
}

func startRestartableSite(tb testing.TB) *restartableSite {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	dbPath := filepath.Join(tb.TempDir(), "likes.db")
	return &restartableSite{
		Site:   testserver.Start(tb, testserver.Config{DBPath: dbPath, Listener: ln, ServerID: "browser-test"}),
		dbPath: dbPath, addr: ln.Addr().String(),
	}
}

// restart starts the next server, once this one has stopped.
func (r *restartableSite) restart(tb testing.TB) *testserver.Site {
	tb.Helper()
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		tb.Fatalf("listen again on %s: %v", r.addr, err)
	}
	return testserver.Start(tb, testserver.Config{DBPath: r.dbPath, Listener: ln, ServerID: "browser-test"})
}

func TestBrowserTimetable(t *testing.T) {
	s := mustOpenFullSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	var ids []string
	if err := chromedp.Run(tab,
		chromedp.Navigate(s.URL+"/2018/"),
		chromedp.WaitVisible("#timetable"),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#timetable .talk")).filter(e => e.offsetParent !== null).map(e => e.dataset.session)`, &ids),
	); err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, id := range ids {
		shown[id] = true
	}
	for _, sess := range s.Edition.Sessions {
		if !shown[strconv.Itoa(sess.ID)] {
			t.Errorf("the timetable does not show session %d %q", sess.ID, sess.Title.In("en"))
		}
	}
	if len(ids) != len(s.Edition.Sessions) {
		t.Errorf("timetable shows %d sessions; want %d", len(ids), len(s.Edition.Sessions))
	}
}

func TestBrowserLanguageSwitch(t *testing.T) {
	s := mustOpenFullSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	var before, after, remembered, lang string
	if err := chromedp.Run(tab,
		chromedp.Navigate(s.URL+"/2018/"),
		chromedp.Text("#hero-title", &before),
		chromedp.Click(`.lang-switch a[lang="ja"]`),
		chromedp.WaitVisible(`html[lang="ja"]`),
		chromedp.Text("#hero-title", &after),
		chromedp.Navigate(s.URL+"/2018/sessions/5"),
		chromedp.Navigate(s.URL+"/2018/"),
		chromedp.Text("#hero-title", &remembered),
		chromedp.AttributeValue("html", "lang", &lang, nil),
	); err != nil {
		t.Fatal(err)
	}
	if before != s.Edition.Name.In("en") || after != s.Edition.Name.In("ja") {
		t.Errorf("heading %q, then %q after switching; want %q then %q", before, after, s.Edition.Name.In("en"), s.Edition.Name.In("ja"))
	}
	if remembered != s.Edition.Name.In("ja") || lang != "ja" {
		t.Errorf("on a later visit: heading %q, lang %q; want the Japanese choice remembered", remembered, lang)
	}
}

// TestBrowserLiveLikes: two attendees on one session page, each with a
// browser of their own; taps by the first appear in the second's count, and
// both equal Session.liked.
func TestBrowserLiveLikes(t *testing.T) {
	s := mustOpenFullSite(t)
	// A count that is wrong says little alone: was the like stored twice,
	// or only shown twice? (Registered after the site, so it runs before
	// the site closes.)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("on failure: Session.liked = %d (taps: 7)", sessionLiked(t, s.URL, 5))
		}
	})
	a, b := newTab(t, mustOpenBrowser(t)), newTab(t, mustOpenBrowser(t))
	page := s.URL + "/2018/sessions/5"
	for _, tab := range []context.Context{a, b} {
		if err := chromedp.Run(tab, chromedp.Navigate(page), chromedp.WaitVisible(".like-button")); err != nil {
			t.Fatal(err)
		}
	}
	// Give both pages a moment to open their subscriptions.
	waitCount(t, b, 0, 5*time.Second)
	const taps = 7
	for i := 0; i < taps; i++ {
		if err := chromedp.Run(a, chromedp.Click(".like-button", chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
	}
	var shownA string
	if err := chromedp.Run(a, chromedp.Text(".like-count", &shownA)); err != nil {
		t.Fatal(err)
	}
	if shownA != strconv.Itoa(taps) {
		t.Errorf("the tapping page shows %s right after %d taps; want each tap shown at once", shownA, taps)
	}
	// The product's promise: others see likes within about a second.
	waitCount(t, b, taps, 2*time.Second)
	if liked := sessionLiked(t, s.URL, 5); liked != taps {
		t.Errorf("Session.liked = %d; want %d", liked, taps)
	}
	waitCount(t, a, taps, 2*time.Second)
}

// waitCount waits until the page's like count shows want.
func waitCount(t *testing.T, tab context.Context, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	var got string
	for {
		if err := chromedp.Run(tab, chromedp.Text(".like-count", &got)); err != nil {
			t.Fatal(err)
		}
		if got == strconv.Itoa(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("like count shows %s after %s; want %d", got, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func sessionLiked(t *testing.T, base string, id int) int {
	t.Helper()
	return testserver.NewClient(base, "2018").Liked(t, id)
}

// TestBrowserBookmarks: a bookmark survives a reload, and the calendar of
// the bookmarks parses and holds exactly them.
func TestBrowserBookmarks(t *testing.T) {
	s := mustOpenFullSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	var pressed, href string
	var ok bool
	if err := chromedp.Run(tab,
		chromedp.Navigate(s.URL+"/2018/"),
		chromedp.WaitVisible(`#timetable button.bookmark[data-bookmark="5"]`),
		chromedp.Click(`#timetable button.bookmark[data-bookmark="5"]`),
		chromedp.Click(`#timetable button.bookmark[data-bookmark="12"]`),
		chromedp.Reload(),
		chromedp.WaitVisible(`#timetable button.bookmark[data-bookmark="5"]`),
		chromedp.AttributeValue(`#timetable button.bookmark[data-bookmark="5"]`, "aria-pressed", &pressed, &ok),
		chromedp.AttributeValue(`#bookmarks-ics`, "href", &href, nil),
	); err != nil {
		t.Fatal(err)
	}
	if pressed != "true" {
		t.Errorf("after a reload, session 5's bookmark is aria-pressed=%q; want true", pressed)
	}
	if href != "/2018/schedule.ics?ids=5,12" {
		t.Fatalf("bookmarks calendar link %q; want /2018/schedule.ics?ids=5,12", href)
	}
	events := parseICS(t, testserver.Fetch(t, s.URL+href).Body)
	if len(events) != 2 || events[0]["SUMMARY"] != s.Edition.Session(5).Title.In("en") || events[1]["SUMMARY"] != s.Edition.Session(12).Title.In("en") {
		t.Errorf("bookmarks calendar = %v; want sessions 5 and 12", events)
	}
	// "Show only my bookmarks" hides the rest of the timetable.
	// The page may still be settling after the reload (the panel and the
	// calendar links appear once the script has read the bookmarks), so
	// the box is clicked once it is visible, and its effect awaited.
	var visible int
	var checked bool
	if err := chromedp.Run(tab,
		chromedp.WaitVisible("#only-bookmarked"),
		chromedp.Click("#only-bookmarked", chromedp.NodeVisible),
	); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if err := chromedp.Run(tab,
			chromedp.Evaluate(`document.getElementById("only-bookmarked").checked`, &checked),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#timetable .talk")).filter(e => e.offsetParent !== null).length`, &visible),
		); err != nil {
			t.Fatal(err)
		}
		if (checked && visible == 2) || time.Now().After(deadline) {
			break
		}
	}
	if !checked {
		t.Errorf("the click did not check %q", "#only-bookmarked")
	}
	if visible != 2 {
		t.Errorf("with only bookmarks shown, %d sessions are visible; want 2", visible)
	}
}

// TestBrowserScreenshots writes the landing and session pages at phone and
// desktop widths as artifacts, and checks nothing overflows the phone's
// width.
func TestBrowserScreenshots(t *testing.T) {
	s := mustOpenFullSite(t)
	alloc := mustOpenBrowser(t)
	dir := chromium.ScreenshotDir(t)
	for _, width := range []int64{390, 1280} {
		for name, path := range map[string]string{
			"landing": "/2018/?hl=en", "session": "/2018/sessions/5?hl=en",
			"landing-ja": "/2018/?hl=ja", "session-ja": "/2018/sessions/5?hl=ja",
			"landing-2016": "/2016/", // the English-only edition
		} {
			tab := newTab(t, alloc)
			var jpeg []byte
			var scrollWidth int64
			var skipped []string
			for i, step := range []chromedp.Action{
				chromedp.EmulateViewport(width, 800),
				chromedp.Navigate(s.URL + path),
				chromedp.WaitReady("footer.site"),
				chromedp.Evaluate(`document.documentElement.scrollWidth`, &scrollWidth),
				wholePageInView(width),
				chromedp.Evaluate(skippedParts, &skipped),
				chromedp.ActionFunc(func(ctx context.Context) (err error) {
					jpeg, err = page.CaptureScreenshot().WithFormat(page.CaptureScreenshotFormatJpeg).WithQuality(80).Do(ctx)
					return err
				}),
			} {
				if err := chromedp.Run(tab, step); err != nil {
					t.Fatalf("%s at %d px, step %d: %v", name, width, i, err)
				}
			}
			if scrollWidth > width {
				t.Errorf("%s at %d px is %d px wide; want no horizontal scrolling", name, width, scrollWidth)
			}
			if len(skipped) > 0 {
				t.Errorf("%s at %d px: %s not drawn in the screenshot", name, width, strings.Join(skipped, ", "))
			}
			file := filepath.Join(dir, fmt.Sprintf("%s-%d.jpg", name, width))
			if err := os.WriteFile(file, jpeg, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", file)
		}
	}
}

// wholePageInView makes the viewport as tall as the page, so that a
// screenshot of it shows the whole page: a full-page screenshot of a
// viewport-sized window draws the parts that content-visibility skips
// (far below the screen) as empty space. The page's height changes as
// those parts are laid out, so this repeats until it holds still.
func wholePageInView(width int64) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		var height, was int64
		for i := 0; i < 10; i++ {
			if err := chromedp.Evaluate(`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(document.documentElement.scrollHeight))))`,
				&height, awaitPromise).Do(ctx); err != nil {
				return err
			}
			if height == was {
				return nil
			}
			was = height
			if err := chromedp.EmulateViewport(width, height).Do(ctx); err != nil {
				return err
			}
		}
		return fmt.Errorf("the page's height did not settle: %d px", height)
	})
}

// skippedParts lists the headings and titles that the browser does not
// draw now because content-visibility skips them.
const skippedParts = `Array.from(document.querySelectorAll("main h2, .card .title"))
  .filter((e) => !e.checkVisibility({contentVisibilityAuto: true}) && e.checkVisibility())
  .map((e) => e.textContent.trim())`

// TestBrowserWithoutJavaScript: with scripts off, the page still shows every
// session and the like count, and no dead button.
func TestBrowserWithoutJavaScript(t *testing.T) {
	s := mustOpenFullSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	var text string
	var buttons int
	if err := chromedp.Run(tab,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(s.URL+"/2018/"),
		chromedp.Text("main", &text),
	); err != nil {
		t.Fatal(err)
	}
	for _, sess := range s.Edition.Sessions {
		if !strings.Contains(text, sess.Title.In("en")) {
			t.Errorf("without JavaScript the page lacks %q", sess.Title.In("en"))
		}
	}
	// Evaluate needs script; re-enable only to count what the user saw.
	if err := chromedp.Run(tab,
		emulation.SetScriptExecutionDisabled(false),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("button.bookmark")).filter(b => b.offsetParent !== null).length`, &buttons),
	); err != nil {
		t.Fatal(err)
	}
	if buttons != 0 {
		t.Errorf("%d bookmark buttons visible without JavaScript; want none (they would do nothing)", buttons)
	}
	var count string
	if err := chromedp.Run(tab,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(s.URL+"/2018/sessions/5"),
		chromedp.Text(".like-count", &count),
	); err != nil {
		t.Fatal(err)
	}
	if count != "0" {
		t.Errorf("without JavaScript the like count reads %q; want 0", count)
	}
}

// TestBrowserLikesReconnect: the server the page is subscribed to goes
// away (a rollout) and another takes its address; the page reconnects and
// shows the total again, including likes made meanwhile.
func TestBrowserLikesReconnect(t *testing.T) {
	first := startRestartableSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	if err := chromedp.Run(tab, chromedp.Navigate(first.URL+"/2018/sessions/5"), chromedp.WaitVisible(".like-button")); err != nil {
		t.Fatal(err)
	}
	waitCount(t, tab, 0, 5*time.Second)
	first.Stop()
	second := first.restart(t)
	if _, err := second.Likes.Create(context.Background(), like.Key{Edition: "2018", SessionID: 5}, "other-attendee", 4); err != nil {
		t.Fatal(err)
	}
	// The page retries after about a second, then two, then four.
	waitCount(t, tab, 4, 10*time.Second)
}

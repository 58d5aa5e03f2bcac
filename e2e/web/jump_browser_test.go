package web_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// jumpLinks are the landing page's in-page links: the hero's "On this
// page" links, and during the event the timetable's "Jump to what is on
// next", whose target is a card far down the phone's list.
var jumpLinks = []string{
	`.hero .jump a[href="#timetable"]`, `.hero .jump a[href="#exhibitions"]`,
	`.hero .jump a[href="#news"]`, `.hero .jump a[href="#access"]`, `.next-link`,
}

// landing is where a click on an in-page link ended: the target's top
// against the viewport's, and whether the page scrolled smoothly.
type landing struct {
	Top, ScrollY, MaxScrollY, ViewHeight float64
	Smooth                               bool
}

// TestBrowserJumpLinks clicks each in-page link of the landing page, at
// phone and desktop width, and reads where the page stopped: the target
// must be at the top of the screen (or, for a target near the end, the
// page scrolled to its end with the target in view). Sections far below
// the screen are skipped by content-visibility until seen, which made
// smooth scrolls stop short (News 862 px down); so each link is tried on
// a fresh page (an instant jump) and after the page was scrolled through
// once (a smooth scroll, which the test checks it was).
func TestBrowserJumpLinks(t *testing.T) {
	s := mustOpenFullSite(t)
	browser := mustOpenBrowser(t)
	// 14:10 in Tokyo on the day, so that the "next" link shows.
	now := time.Date(2018, 10, 6, 14, 10, 0, 0, s.Edition.Location).UnixMilli()
	open := func(t *testing.T, width int64) context.Context {
		tab := newTab(t, browser)
		if err := chromedp.Run(tab,
			chromedp.ActionFunc(func(ctx context.Context) error {
				_, err := page.AddScriptToEvaluateOnNewDocument(fmt.Sprintf(`Date.now = () => %d;`, now)).Do(ctx)
				return err
			}),
			chromedp.EmulateViewport(width, 800),
			chromedp.Navigate(s.URL+"/2018/?hl=en"),
			chromedp.WaitVisible(".next-link"),
		); err != nil {
			t.Fatal(err)
		}
		return tab
	}
	for _, width := range []int64{390, 1280} {
		t.Run(fmt.Sprintf("%dpx/fresh", width), func(t *testing.T) {
			for _, link := range jumpLinks {
				got := clickAndLand(t, open(t, width), link)
				checkLanding(t, link, got)
				if got.Smooth {
					t.Errorf("%s on a fresh page scrolled smoothly; want an instant jump (parts of the page are not laid out yet)", link)
				}
			}
		})
		t.Run(fmt.Sprintf("%dpx/scrolled-through", width), func(t *testing.T) {
			tab := open(t, width)
			if err := chromedp.Run(tab, chromedp.Evaluate(scrollThrough, nil, awaitPromise)); err != nil {
				t.Fatal(err)
			}
			for _, link := range jumpLinks {
				if err := chromedp.Run(tab, chromedp.Evaluate(`window.scrollTo({top: 0, behavior: "instant"})`, nil)); err != nil {
					t.Fatal(err)
				}
				got := clickAndLand(t, tab, link)
				checkLanding(t, link, got)
				if !got.Smooth {
					t.Errorf("%s after the page was scrolled through: an instant jump; want a smooth scroll", link)
				}
			}
		})
	}
}

// scrollThrough scrolls the page down half a screen at a time to its end,
// letting each part be laid out, then back to the top.
const scrollThrough = `(async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  for (let y = 0; y < document.documentElement.scrollHeight; y += innerHeight / 2) {
    window.scrollTo({top: y, behavior: "instant"});
    await frame();
  }
  window.scrollTo({top: 0, behavior: "instant"});
  await frame();
})()`

func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// clickAndLand clicks the link and waits until the page stops scrolling.
func clickAndLand(t *testing.T, tab context.Context, link string) landing {
	t.Helper()
	var target string
	if err := chromedp.Run(tab,
		chromedp.AttributeValue(link, "href", &target, nil, chromedp.ByQuery),
		chromedp.Click(link, chromedp.ByQuery),
	); err != nil {
		t.Fatalf("click %s: %v", link, err)
	}
	var y, last float64 = 0, -1
	for still, deadline := 0, time.Now().Add(5*time.Second); still < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("%s: the page still scrolls after 5 s", link)
		}
		time.Sleep(100 * time.Millisecond)
		if err := chromedp.Run(tab, chromedp.Evaluate(`scrollY`, &y)); err != nil {
			t.Fatal(err)
		}
		if y == last {
			still++
		} else {
			still, last = 0, y
		}
	}
	var got landing
	if err := chromedp.Run(tab, chromedp.Evaluate(fmt.Sprintf(`({
	  Top: document.querySelector(%q).getBoundingClientRect().top, ScrollY: scrollY,
	  MaxScrollY: document.documentElement.scrollHeight - innerHeight, ViewHeight: innerHeight,
	  Smooth: getComputedStyle(document.documentElement).scrollBehavior === "smooth"})`, target), &got)); err != nil {
		t.Fatal(err)
	}
	return got
}

// checkLanding wants the target at the top of the screen, or the page at
// its end with the target in view.
func checkLanding(t *testing.T, link string, got landing) {
	t.Helper()
	atEnd := got.ScrollY >= got.MaxScrollY-1 && got.Top >= 0 && got.Top < got.ViewHeight
	if math.Abs(got.Top) > 1 && !atEnd {
		t.Errorf("%s: the target's top is %.0f px from the top of the screen (scrolled to %.0f of %.0f); want 0",
			link, got.Top, got.ScrollY, got.MaxScrollY)
	}
}

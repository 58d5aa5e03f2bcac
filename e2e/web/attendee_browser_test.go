package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// visibleTalks counts the talk cards a user sees in the timetable: laid
// out, not hidden by the filter or by CSS.
const visibleTalks = `Array.from(document.querySelectorAll("#timetable .filterable")).filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden").length`

// TestBrowserFilters: choosing a room and a talk language hides the other
// talks, the count says so, the URL holds the filter under its own names,
// and switching the site's language keeps the filter.
func TestBrowserFilters(t *testing.T) {
	s := mustOpenFullSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	want := 0
	for _, sess := range s.Edition.Sessions {
		if sess.Place == "Hall B" && sess.Lang == "en" && (sess.Type == "session" || sess.Type == "lightning" || sess.Type == "keynote") {
			want++
		}
	}
	var before, after, count int
	var search, lang string
	for i, step := range []chromedp.Action{
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(s.URL + "/2018/"),
		chromedp.WaitReady("footer.site"),
		chromedp.Evaluate(visibleTalks, &before),
		choose("room", "Hall B"),
		choose("talklang", "en"),
		chromedp.Evaluate(visibleTalks, &after),
		chromedp.Evaluate(`parseInt(document.getElementById("talk-count").textContent, 10)`, &count),
		chromedp.Evaluate(`location.search`, &search),
	} {
		if err := chromedp.Run(tab, step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if after != want || count != want || before <= want {
		t.Errorf("Hall B, English: %d talks visible (of %d before), count says %d; want %d", after, before, count, want)
	}
	if search != "?room=Hall+B&talklang=en" {
		t.Errorf("URL query %q; want ?room=Hall+B&talklang=en", search)
	}
	// The site's language link keeps the filter; the Japanese page
	// shows the same talks.
	var jaVisible int
	if err := chromedp.Run(tab,
		chromedp.Click(`.lang-switch a[lang="ja"]`),
		chromedp.WaitVisible(`html[lang="ja"]`),
		chromedp.AttributeValue("html", "lang", &lang, nil),
		chromedp.Evaluate(visibleTalks, &jaVisible),
		chromedp.Evaluate(`location.search`, &search),
	); err != nil {
		t.Fatal(err)
	}
	if jaVisible != want || !strings.Contains(search, "talklang=en") || !strings.Contains(search, "hl=ja") {
		t.Errorf("after switching to Japanese: %d talks visible, query %q; want %d with the filter kept", jaVisible, search, want)
	}
	// Without JavaScript, the form's GET does the same.
	tab2 := newTab(t, mustOpenBrowser(t))
	var noJS int
	if err := chromedp.Run(tab2,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(s.URL+"/2018/?room=Hall+B&talklang=en"),
		chromedp.WaitReady("footer.site"),
		emulation.SetScriptExecutionDisabled(false),
		chromedp.Evaluate(visibleTalks, &noJS),
	); err != nil {
		t.Fatal(err)
	}
	if noJS != want {
		t.Errorf("without JavaScript, ?room=Hall+B&talklang=en shows %d talks; want %d", noJS, want)
	}
}

// choose picks an option of a filter's select as a user would, which
// fires a change event.
func choose(name, value string) chromedp.Action {
	return chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.querySelector('select[name=%q]'); s.value = %q; s.dispatchEvent(new Event("change", {bubbles: true})); return s.value; })()`, name, value), nil)
}

// TestBrowserTimeZone: a viewer in Berlin can switch the times to their
// own zone, and the choice is remembered.
func TestBrowserTimeZone(t *testing.T) {
	s := mustOpenFullSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	var event, mine, remembered, zone string
	clock := `document.querySelector('#s-5 time[data-f="clock"]').textContent`
	if err := chromedp.Run(tab,
		emulation.SetTimezoneOverride("Europe/Berlin"),
		chromedp.Navigate(s.URL+"/2018/"),
		chromedp.WaitVisible("#zone-toggle"),
		chromedp.Evaluate(clock, &event),
		chromedp.Click("#zone-toggle"),
		chromedp.Evaluate(clock, &mine),
		chromedp.Evaluate(`document.querySelector('.day [data-f="zone"]').textContent`, &zone),
		chromedp.Reload(),
		chromedp.WaitVisible("#zone-toggle"),
		chromedp.Evaluate(clock, &remembered),
	); err != nil {
		t.Fatal(err)
	}
	// Session 5 starts at 11:40 in Tokyo (UTC+9): 04:40 in Berlin (UTC+2).
	if event != "11:40" || mine != "04:40" || remembered != "04:40" {
		t.Errorf("session 5 starts at %q, then %q in my zone, %q after a reload; want 11:40, 04:40, 04:40", event, mine, remembered)
	}
	if !strings.Contains(zone, "Europe/Berlin") {
		t.Errorf("the day's zone reads %q after switching; want Europe/Berlin", zone)
	}
}

// TestBrowserNow: during the event, a line marks the current time and a
// link jumps to the next session.
func TestBrowserNow(t *testing.T) {
	s := mustOpenFullSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	// 14:10 in Tokyo on the day: sessions of 14:00 run, 14:40 is next.
	now := time.Date(2018, 10, 6, 14, 10, 0, 0, s.Edition.Location).UnixMilli()
	var lineShown bool
	var href string
	if err := chromedp.Run(tab,
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(fmt.Sprintf(`Date.now = () => %d;`, now)).Do(ctx)
			return err
		}),
		chromedp.Navigate(s.URL+"/2018/"),
		chromedp.WaitVisible(".next-link"),
		chromedp.Evaluate(`document.querySelector(".tg-now").getClientRects().length > 0`, &lineShown),
		chromedp.AttributeValue(".next-link", "href", &href, nil),
	); err != nil {
		t.Fatal(err)
	}
	var next int
	for _, sess := range s.Edition.Sessions {
		if sess.StartTime.UnixMilli() > now {
			next = sess.ID
			break
		}
	}
	if !lineShown || href != fmt.Sprintf("#s-%d", next) {
		t.Errorf("now line shown: %v, next link %q; want shown and #s-%d", lineShown, href, next)
	}
}

// TestBrowserOffline: after one visit, the landing page, a session and a
// speaker page open with the network off and the server gone; likes
// tapped then wait, the page says how many, and they are sent when the
// network is back.
func TestBrowserOffline(t *testing.T) {
	first := startRestartableSite(t)
	tab := newTab(t, mustOpenBrowser(t))
	if err := chromedp.Run(tab,
		chromedp.Navigate(first.URL+"/2018/"),
		chromedp.WaitReady(`html[data-offline-ready]`),
	); err != nil {
		t.Fatalf("the service worker did not cache the pages: %v", err)
	}
	first.Stop()
	offline := network.EmulateNetworkConditions(true, 0, -1, -1)
	for _, path := range []string{"/2018/sessions/6", "/2018/speakers/aiko-tanabe", "/2018/"} {
		var title, note string
		if err := chromedp.Run(tab,
			network.Enable(), offline,
			chromedp.Navigate(first.URL+path),
			chromedp.WaitVisible("h1"),
			chromedp.Text("h1", &title),
			chromedp.WaitVisible(".offline-note"),
			chromedp.Text(".offline-note", &note),
		); err != nil {
			t.Fatalf("offline %s: %v", path, err)
		}
		if title == "" || !strings.Contains(note, "offline") {
			t.Errorf("offline %s: heading %q, note %q; want the page and a note that we are offline", path, title, note)
		}
	}
	var status string
	if err := chromedp.Run(tab,
		chromedp.Navigate(first.URL+"/2018/sessions/6"),
		chromedp.WaitVisible(".like-button"),
		chromedp.Click(".like-button"), chromedp.Click(".like-button"), chromedp.Click(".like-button"),
		chromedp.Text(".like-status", &status),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(status, "3 likes waiting") {
		t.Errorf("like status offline: %q; want 3 likes waiting", status)
	}
	second := first.restart(t)
	if err := chromedp.Run(tab, network.EmulateNetworkConditions(false, 0, -1, -1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for sessionLiked(t, second.URL, 6) != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("Session.liked = %d 15 s after the network came back; want the 3 queued likes", sessionLiked(t, second.URL, 6))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

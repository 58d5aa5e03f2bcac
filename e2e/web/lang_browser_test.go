package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// otherLanguageScript lists the texts of the page, as Chromium has it after
// app.js ran, whose script says they are in another language than the
// language that applies to them (the lang of their closest element with
// one). A text with kana or kanji is Japanese; a text with a Latin word and
// neither is not Japanese. Each text node is judged alone, so a speaker's
// name inside a Japanese sentence must be an element of its own. Scripts,
// styles and JSON-LD are not text a reader sees.
const otherLanguageScript = `(() => {
  const cjk = /[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/;
  const latin = /[A-Za-z]{2,}/;
  const bad = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (el.closest("script, style, noscript")) continue;
    const text = n.data.trim();
    if (!text) continue;
    const lang = (el.closest("[lang]") || document.documentElement).getAttribute("lang");
    const ja = cjk.test(text);
    if (ja && lang !== "ja") bad.push(lang + " " + el.tagName.toLowerCase() + "." + el.className + ": " + text.slice(0, 60));
    if (!ja && latin.test(text) && lang === "ja") bad.push(lang + " " + el.tagName.toLowerCase() + "." + el.className + ": " + text.slice(0, 60));
  }
  return bad;
})()`

// TestBrowserLangAttributes reads every text of every kind of page in both
// languages and wants each one in another language than the page's (an
// English tag, company or file name on a Japanese page, a language link, a
// Japanese title on an English page) marked with its own lang, so that
// screen readers pronounce it and browsers pick its font.
func TestBrowserLangAttributes(t *testing.T) {
	s := mustOpenFullSite(t)
	browser := mustOpenBrowser(t)
	paths := []string{"/2018/", "/2017/", "/2016/", "/2018/sessions/3", "/2018/sessions/5", "/2018/sessions/4",
		"/2018/speakers/aiko-tanabe", "/2018/speakers/rachel-whitmore", "/2018/likes", "/2018/nothing"}
	checked := 0
	for _, lang := range []string{"en", "ja"} {
		for _, path := range paths {
			url := s.URL + path + "?hl=" + lang
			tab := newTab(t, browser)
			var pageLang string
			var bad []string
			if err := chromedp.Run(tab,
				chromedp.Navigate(url),
				chromedp.WaitReady("footer.site"),
				chromedp.AttributeValue("html", "lang", &pageLang, nil),
				chromedp.Evaluate(otherLanguageScript, &bad),
			); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			checked++
			if len(bad) > 0 {
				t.Errorf("%s (lang %s): %d texts in another language without their lang:\n  %s", path+"?hl="+lang, pageLang, len(bad), strings.Join(bad, "\n  "))
			}
		}
	}
	if checked != 2*len(paths) {
		t.Fatalf("checked %d pages; want %d", checked, 2*len(paths))
	}
}

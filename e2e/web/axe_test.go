package web_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// browserTestPackages is where npm ci puts the browser tests' packages.
var browserTestPackages = filepath.Join("testdata", "browser", "node_modules")

// npmPackageFile returns a file of an npm package installed for the
// browser tests, or skips (fails under CI) when it is not installed.
func npmPackageFile(tb testing.TB, rel string) string {
	tb.Helper()
	path := filepath.Join(browserTestPackages, rel)
	if _, err := os.Stat(path); err != nil {
		msg := "no " + path + ": run npm ci --prefix e2e/web/testdata/browser"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return path
}

// TestBrowserAccessibility injects axe-core into every kind of page, in
// both languages and at phone and desktop widths, and wants no violation
// of WCAG 2.2 A and AA nor of axe's best practices.
func TestBrowserAccessibility(t *testing.T) {
	src, err := os.ReadFile(npmPackageFile(t, "axe-core/axe.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	s := mustOpenFullSite(t)
	browser := mustOpenBrowser(t)
	type violation struct {
		ID, Help string
		Nodes    []struct{ Target []any }
	}
	for _, width := range []int64{390, 1280} {
		for _, lang := range []string{"en", "ja"} {
			for _, path := range []string{"/2018/", "/2017/", "/2018/sessions/5", "/2018/sessions/4", "/2018/speakers/aiko-tanabe", "/2018/likes", "/2018/nothing"} {
				url := s.URL + path + "?hl=" + lang
				tab := newTab(t, browser)
				var out string
				if err := chromedp.Run(tab,
					chromedp.EmulateViewport(width, 900),
					chromedp.Navigate(url),
					chromedp.WaitReady("footer.site"),
					// Parts that content-visibility skips have no boxes; axe
					// would pass over them as hidden.
					wholePageInView(width),
					chromedp.Evaluate(string(src), nil),
					chromedp.Evaluate(`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}).then(r => JSON.stringify(r.violations))`,
						&out, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
				); err != nil {
					t.Fatalf("%s at %d px: %v", url, width, err)
				}
				var vs []violation
				if err := json.Unmarshal([]byte(out), &vs); err != nil {
					t.Fatal(err)
				}
				for _, v := range vs {
					var where []string
					for _, n := range v.Nodes[:min(3, len(v.Nodes))] {
						where = append(where, fmt.Sprint(n.Target...))
					}
					t.Errorf("%s at %d px: %s (%s) on %d elements, e.g. %s", path+"?hl="+lang, width, v.ID, v.Help, len(v.Nodes), strings.Join(where, "; "))
				}
			}
		}
	}
}

package graphql_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/techconf/techconf/e2e/internal/chromium"
	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/internal/testserver"
)

// openTab starts headless Chromium and returns a tab in it.
func openTab(tb testing.TB) context.Context {
	tb.Helper()
	tab, cancelTab := chromedp.NewContext(chromium.Open(tb))
	tb.Cleanup(cancelTab)
	tab, cancelTimeout := context.WithTimeout(tab, 90*time.Second)
	tb.Cleanup(cancelTimeout)
	return tab
}

// cspProbe runs before the page's own scripts (scripts added by the
// browser's debugging protocol are not subject to the page's CSP) and
// records every CSP violation.
const cspProbe = `window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// TestPlaygroundBrowser opens GraphiQL in headless Chromium against the real
// server: it loads with no request to another host and no CSP violation,
// its docs list the schema, autocomplete offers fields, and a query runs.
func TestPlaygroundBrowser(t *testing.T) {
	tab := openTab(t)
	site := testserver.Start(t, testserver.Config{})
	base, ed := site.URL, site.Edition

	var mu sync.Mutex
	var requests []string
	chromedp.ListenTarget(tab, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *network.EventWebSocketCreated:
			requests = append(requests, e.URL)
		}
	})

	var docs, hints, result string
	err := chromedp.Run(tab,
		network.Enable(),
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(cspProbe).Do(ctx)
			return err
		}),
		emulation.SetDeviceMetricsOverride(1280, 800, 1, false),
		chromedp.Navigate(base+"/2018/api/playground"),
		chromedp.WaitVisible(".graphiql-container .graphiql-query-editor .CodeMirror"),

		// The docs: the explorer lists the root type, and Query's fields.
		chromedp.Click(`button[aria-label="Show Documentation Explorer"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.graphiql-plugin a.graphiql-doc-explorer-type-name`),
		chromedp.Click(`.graphiql-plugin a.graphiql-doc-explorer-type-name`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.graphiql-doc-explorer-field-name`),
		chromedp.Text(".graphiql-plugin", &docs, chromedp.NodeVisible),
	)
	// Checked even when a later step fails: a violation is often why.
	defer func() {
		var violations []string
		if err := chromedp.Run(tab, chromedp.Evaluate(`window.__cspViolations`, &violations)); err != nil {
			t.Errorf("reading CSP violations: %v", err)
		}
		for _, v := range violations {
			t.Errorf("CSP violation: %s", v)
		}
	}()
	if err != nil {
		t.Fatalf("GraphiQL with its docs: %v", err)
	}
	for _, want := range []string{"Query", "sessionList", "session", "exhibisionList"} {
		if !strings.Contains(docs, want) {
			t.Errorf("the docs explorer shows %q; want it to list %q", docs, want)
		}
	}

	// Autocomplete from the schema: typing in an empty editor offers the
	// query's fields.
	err = chromedp.Run(tab,
		chromedp.Evaluate(`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue("")`, nil),
		chromedp.Click(".graphiql-query-editor .CodeMirror-lines", chromedp.NodeVisible),
		chromedp.SendKeys(".graphiql-query-editor textarea", "{ sess"),
		chromedp.WaitVisible(".CodeMirror-hints"),
		chromedp.Text(".CodeMirror-hints", &hints),
	)
	if err != nil {
		t.Fatalf("autocomplete: %v", err)
	}
	if !strings.Contains(hints, "sessionList") {
		t.Errorf("autocomplete offers %q; want sessionList", hints)
	}

	// A query runs and its answer shows.
	query := `{ sessionList(first: 3) { nodes { sessionId title } } }`
	err = chromedp.Run(tab,
		chromedp.KeyEvent("\x1b"), // close the hints
		chromedp.Evaluate(`document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.setValue(`+jsString(query)+`)`, nil),
		chromedp.Click(".graphiql-execute-button", chromedp.NodeVisible),
		chromedp.Poll(`(document.querySelector(".graphiql-response") || {}).innerText.includes("sessionId")`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Text(".graphiql-response", &result, chromedp.NodeVisible),
	)
	if err != nil {
		t.Fatalf("running a query: %v", err)
	}
	first := ed.Sessions[0]
	if !strings.Contains(result, first.Title.Default()) || strings.Contains(result, `"errors"`) {
		t.Errorf("the response pane shows %q; want the first sessions, with %q", result, first.Title.Default())
	}

	// The settings dialog opens and closes (its scroll lock must not need
	// inline styles, which the CSP forbids).
	var settings string
	err = chromedp.Run(tab,
		chromedp.Click(`button[aria-label="Open settings dialog"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.graphiql-dialog`),
		chromedp.Text(`.graphiql-dialog`, &settings),
		chromedp.KeyEvent("\x1b"),
		chromedp.WaitNotPresent(`.graphiql-dialog`),
	)
	if err != nil {
		t.Fatalf("the settings dialog: %v", err)
	}
	if !strings.Contains(settings, "Theme") {
		t.Errorf("the settings dialog shows %q; want the theme setting", settings)
	}

	// Screenshots, to look at: a laptop, then a phone with the docs open
	// and closed.
	dir := chromium.ScreenshotDir(t)
	for _, shot := range []struct {
		name          string
		width, height int64
		toggleDocs    bool
	}{
		{"graphiql-1280.png", 1280, 800, false},
		{"graphiql-390-docs.png", 390, 844, false},
		{"graphiql-390.png", 390, 844, true},
	} {
		var png []byte
		actions := []chromedp.Action{emulation.SetDeviceMetricsOverride(shot.width, shot.height, 2, shot.width < 600)}
		if shot.toggleDocs {
			actions = append(actions, chromedp.Click(`button[aria-label="Hide Documentation Explorer"]`, chromedp.NodeVisible))
		}
		actions = append(actions,
			chromedp.Sleep(300*time.Millisecond), // let GraphiQL lay itself out again
			chromedp.CaptureScreenshot(&png))
		if err := chromedp.Run(tab, actions...); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, shot.name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		if shot.toggleDocs {
			// On the phone, the editor and the response are both on screen,
			// one above the other, and neither is cut off at the right.
			var boxes []float64
			if err := chromedp.Run(tab, chromedp.Evaluate(`[".graphiql-query-editor", ".graphiql-response .CodeMirror"].flatMap(s => {
				const r = document.querySelector(s).getBoundingClientRect(); return [r.top, r.bottom, r.right]; })`, &boxes)); err != nil {
				t.Fatal(err)
			}
			editorTop, editorBottom, editorRight, responseTop, responseBottom, responseRight := boxes[0], boxes[1], boxes[2], boxes[3], boxes[4], boxes[5]
			if editorBottom-editorTop < 100 || responseBottom-responseTop < 100 || responseTop < editorBottom-1 ||
				responseBottom > float64(shot.height)+1 || editorRight > float64(shot.width) || responseRight > float64(shot.width) {
				t.Errorf("at %d px: editor %v, response %v (top, bottom, right); want both at least 100 px high, the response below the editor, both on screen",
					shot.width, boxes[:3], boxes[3:])
			}
		}
	}

	mu.Lock()
	defer mu.Unlock()
	host := strings.TrimPrefix(base, "http://")
	for _, u := range requests {
		if !(strings.HasPrefix(u, "http://"+host+"/") || strings.HasPrefix(u, "ws://"+host+"/") || strings.HasPrefix(u, "data:")) {
			t.Errorf("the playground requested %s; want nothing but %s", u, host)
		}
	}
	if len(requests) < 6 {
		t.Errorf("%d requests seen; want at least the page, its 6 files and the API: %v", len(requests), requests)
	}
}

func jsString(s string) string {
	return "`" + strings.NewReplacer("\\", "\\\\", "`", "\\`", "$", "\\$").Replace(s) + "`"
}

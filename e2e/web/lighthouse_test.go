package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/e2e/internal/chromium"
)

// lighthouseResult is one page's result, as testdata/browser/lighthouse.mjs
// prints it.
type lighthouseResult struct {
	Path, FormFactor string
	Round            int
	Scores           map[string]int
	// ObservedFCP is the first paint as the browser showed it, unthrottled
	// (ms): about a second when Chromium held the first frame back.
	ObservedFCP float64
	Metrics     struct{ CLS, TBT, LCP, FCP, SI float64 }
	Failed      []struct {
		Category, ID, Title, Value string
		Score                      float64
	}
	// Shifts are the elements Lighthouse saw move, with their share of the
	// layout shift.
	Shifts []struct {
		Score float64
		Node  string
	}
}

// TestLighthouse runs Lighthouse 12 (npm, Node) with Debian's Chromium on
// the landing, a session, a speaker and the likes page, mobile and desktop,
// against a real server. Accessibility, best practices and SEO must score
// 100. Performance is not steady here: total blocking time is the trace's
// task lengths times four (mobile), so the other work of a busy machine
// counts as ours (a 4 KB speaker page scores 70 at a load average of 20).
// The test asserts a floor (minPerformance) that a real regression (a long
// script, a blocking resource) goes under, and layout stability, which
// load does not change. The figures are written
// to artifacts/lighthouse.json and recorded in docs/performance.md.
// LIGHTHOUSE_RUNS=N measures every page N times (each run is checked),
// for the spread of the scores.
func TestLighthouse(t *testing.T) {
	// With the load average at 18 to 22 on 2 cores, three runs scored 66
	// to 99 (docs/performance.md); before the fixes of issue 11's second
	// round, the same load gave 43.
	const minPerformance = 50
	// No layout shift at all is the design, and most runs measure 0. Yet
	// on a quiet machine Lighthouse now and then measures 0.010 to 0.015
	// on one page (the desktop landing page, the mobile session page),
	// which plain Chromium does not show, throttled or not. The shifts
	// this bound guards against, from what app.js shows, were 0.02 to
	// 0.096; half of Lighthouse's "good" (0.1) catches the large ones
	// without failing on the unexplained hundredth.
	const maxLayoutShift = 0.05
	if testing.Short() {
		t.Skip("Lighthouse takes a minute or two; skipped with -short")
	}
	npmPackageFile(t, "lighthouse/package.json")
	// Lighthouse needs minutes on a busy machine; rather than let go
	// test's -timeout kill the whole package, say how to run it.
	if deadline, ok := t.Deadline(); ok && time.Until(deadline) < 7*time.Minute {
		msg := fmt.Sprintf("only %s left before -timeout; Lighthouse needs up to 7 minutes: cd e2e && go test ./web -run TestLighthouse -timeout 15m",
			time.Until(deadline).Round(time.Second))
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no node on PATH; Node 20 runs Lighthouse")
		}
		t.Skip("no node on PATH: install Node 20 to run Lighthouse")
	}
	runs := 1
	if v := os.Getenv("LIGHTHOUSE_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 20 {
			t.Fatalf("LIGHTHOUSE_RUNS=%q: want a whole number from 1 to 20", v)
		}
		runs = n
	}
	chrome := chromium.Path(t)
	s := mustOpenFullSite(t)
	paths := []string{"/2018/", "/2018/sessions/5", "/2018/speakers/aiko-tanabe", "/2018/likes"}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(runs)*8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join("testdata", "browser", "lighthouse.mjs"), s.URL}, paths...)...)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+chrome, "LIGHTHOUSE_RUNS="+strconv.Itoa(runs))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("lighthouse: %v\n%s", err, stderr.String())
	}
	t.Logf("Lighthouse ran %d pages x 2 form factors x %d runs in %s", len(paths), runs, time.Since(start).Round(time.Second))
	var results []lighthouseResult
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("lighthouse output: %v\n%s", err, stdout.String())
	}
	if len(results) != 2*len(paths)*runs {
		t.Fatalf("%d results; want %d", len(results), 2*len(paths)*runs)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(chromium.ScreenshotDir(t)), "lighthouse.json"), stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		t.Logf("%-8s %-28s run %d: performance %3d, accessibility %3d, best practices %3d, SEO %3d; TBT %4.0f ms, SI %4.0f ms, LCP %4.0f ms, CLS %.3f; first paint seen at %4.0f ms",
			r.FormFactor, r.Path, r.Round, r.Scores["performance"], r.Scores["accessibility"], r.Scores["best-practices"], r.Scores["seo"],
			r.Metrics.TBT, r.Metrics.SI, r.Metrics.LCP, r.Metrics.CLS, r.ObservedFCP)
		for _, cat := range []string{"accessibility", "best-practices", "seo"} {
			if r.Scores[cat] != 100 {
				var why []string
				for _, f := range r.Failed {
					if f.Category == cat {
						why = append(why, fmt.Sprintf("%s (%s)", f.ID, f.Title))
					}
				}
				t.Errorf("%s %s: %s %d; want 100; failing: %s", r.FormFactor, r.Path, cat, r.Scores[cat], strings.Join(why, "; "))
			}
		}
		if r.Scores["performance"] < minPerformance {
			t.Errorf("%s %s: performance %d; want at least %d (TBT %.0f ms, LCP %.0f ms, CLS %.3f)",
				r.FormFactor, r.Path, r.Scores["performance"], minPerformance, r.Metrics.TBT, r.Metrics.LCP, r.Metrics.CLS)
		}
		for _, sh := range r.Shifts {
			t.Logf("  layout shift %.4f: %s", sh.Score, sh.Node)
		}
		if r.Metrics.CLS > maxLayoutShift {
			t.Errorf("%s %s: cumulative layout shift %.4f; want at most %.3f (what app.js shows must not move the page)",
				r.FormFactor, r.Path, r.Metrics.CLS, maxLayoutShift)
		}
		for _, f := range r.Failed {
			if f.Category == "performance" {
				t.Logf("  performance: %s %s (score %.2f)", f.ID, f.Value, f.Score)
			}
		}
	}
	if runs > 1 {
		// Each page's performance over the runs, lowest first.
		perf := map[string][]int{}
		var order []string
		for _, r := range results {
			k := fmt.Sprintf("%-8s %-28s", r.FormFactor, r.Path)
			if perf[k] == nil {
				order = append(order, k)
			}
			perf[k] = append(perf[k], r.Scores["performance"])
		}
		for _, k := range order {
			slices.Sort(perf[k])
			t.Logf("%s performance over %d runs: %v", k, runs, perf[k])
		}
	}
}

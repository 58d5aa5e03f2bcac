// Package chromium starts the headless Chromium that the browser tests
// drive (Debian's chromium package), the same way for every package that
// has such tests. Only tests import it, so it is not in the binary.
package chromium

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
)

// Path returns the Chromium executable. Without one the test is skipped
// with a message that says how to get it, or fails under CI=true.
func Path(tb testing.TB) string {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("no Chromium found; .ci/run installs Debian's chromium package")
	}
	tb.Skip("no Chromium found: install it (apt-get install -y chromium) to run the browser tests")
	return ""
}

// Open starts headless Chromium with a profile of its own and returns its
// context; tabs are opened in it with chromedp.NewContext. Everything is
// closed when the test ends.
func Open(tb testing.TB) context.Context {
	tb.Helper()
	// Not tb.TempDir(): Chromium's helper processes may still be writing
	// to the profile when the test ends, and TempDir's cleanup fails the
	// test on a folder that is not empty.
	profile, err := os.MkdirTemp("", "techconf-chromium")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(profile) })
	// The background-networking flags keep Chromium from calling Google's
	// hosts, which a closed network refuses many times a second.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Path(tb)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
	)
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	tb.Cleanup(cancel)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	tb.Cleanup(cancelBrowser)
	if err := chromedp.Run(browser); err != nil { // starts Chromium
		tb.Fatalf("start Chromium: %v", err)
	}
	return browser
}

// ScreenshotDir is where the browser tests put their screenshots (made if
// need be): screenshots/ in $TECHCONF_ARTIFACTS, or in artifacts/ at the
// repository's root (ignored by git), for test packages two folders below
// it, as e2e/web and e2e/graphql are.
func ScreenshotDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("TECHCONF_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "artifacts")
	}
	dir = filepath.Join(dir, "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dir
}

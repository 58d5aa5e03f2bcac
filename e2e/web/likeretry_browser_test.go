package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
)

// answerDropper serves every request, but closes the connection instead of
// sending the answer of the first createLike: the like is stored, and the
// page never learns it, as when a mobile network drops the answer. It
// records the idempotency key of every createLike.
type answerDropper struct {
	next http.Handler
	mu   sync.Mutex
	keys []string
}

func (d *answerDropper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/api/query") {
		d.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Variables struct {
			Input struct{ RequestID string }
		}
	}
	if json.Unmarshal(body, &req) != nil || !bytes.Contains(body, []byte("createLike")) {
		r.Body = io.NopCloser(bytes.NewReader(body))
		d.next.ServeHTTP(w, r)
		return
	}
	d.mu.Lock()
	d.keys = append(d.keys, req.Variables.Input.RequestID)
	first := len(d.keys) == 1
	d.mu.Unlock()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !first {
		d.next.ServeHTTP(w, r)
		return
	}
	d.next.ServeHTTP(httptest.NewRecorder(), r) // stored; the answer is lost
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
}

// TestBrowserLikeRetry: the answer to the like button's first burst is
// lost; the page sends the burst again with the same key, the server
// stores it once, and the page shows no error and the exact total.
func TestBrowserLikeRetry(t *testing.T) {
	var dropper *answerDropper
	ts := testserver.Start(t, testserver.Config{ServerID: "browser-retry", Wrap: func(h http.Handler) http.Handler {
		dropper = &answerDropper{next: h}
		return dropper
	}})

	tab := newTab(t, mustOpenBrowser(t))
	if err := chromedp.Run(tab, chromedp.Navigate(ts.URL+"/2018/sessions/5"), chromedp.WaitVisible(".like-button")); err != nil {
		t.Fatal(err)
	}
	waitCount(t, tab, 0, 5*time.Second)
	const taps = 3
	for i := 0; i < taps; i++ {
		if err := chromedp.Run(tab, chromedp.Click(".like-button", chromedp.NodeVisible)); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for sessionLiked(t, ts.URL, 5) < taps && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	waitCount(t, tab, taps, 5*time.Second)
	var status string
	if err := chromedp.Run(tab, chromedp.Text(".like-status", &status)); err != nil {
		t.Fatal(err)
	}
	rows, err := ts.Store.Count(context.Background(), like.Key{Edition: "2018", SessionID: 5})
	if err != nil {
		t.Fatal(err)
	}
	dropper.mu.Lock()
	keys := append([]string(nil), dropper.keys...)
	dropper.mu.Unlock()
	if len(keys) < 2 || keys[0] == "" || keys[1] != keys[0] {
		t.Errorf("createLike keys %q; want the lost burst sent again with the same, non-empty key", keys)
	}
	if liked := sessionLiked(t, ts.URL, 5); liked != taps || rows != taps {
		t.Errorf("after %d taps, one answer lost: Session.liked %d, stored rows %d; want %d each", taps, liked, rows, taps)
	}
	if strings.TrimSpace(status) != "" {
		t.Errorf("the page says %q; want no error after a successful retry", status)
	}
}

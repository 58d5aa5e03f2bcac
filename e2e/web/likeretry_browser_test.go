package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/server"
	"github.com/techconf/techconf/sqlite"
	"github.com/techconf/techconf/web"
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
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "likes.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	likes, err := like.Open(context.Background(), sqlite.NewLikeStore(db), like.Config{ServerID: "browser-retry"})
	if err != nil {
		t.Fatal(err)
	}
	defer likes.Close(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	dropper := &answerDropper{next: server.New(server.Config{
		Role: server.RoleAll, Catalog: catalog, Likes: likes, Ping: sqlite.NewLikeStore(db).Ping,
		Web: web.NewHandler(catalog, likes, logger, web.Options{}), AllowedOrigins: []string{"*"},
		Logger: logger, Registry: prometheus.NewRegistry(),
	})}
	ts := httptest.NewServer(dropper)
	defer ts.Close()

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
	rows, err := sqlite.NewLikeStore(db).Count(context.Background(), like.Key{Edition: "2018", SessionID: 5})
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

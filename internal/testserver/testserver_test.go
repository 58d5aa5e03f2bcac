package testserver_test

import (
	"net/http"
	"testing"
	"time"

	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/internal/testserver"
)

// TestSite: the harness serves the pages and the API together, Fetch shows
// redirects instead of following them, and the client reads data, errors
// and Session.liked as the tests that use it expect.
func TestSite(t *testing.T) {
	s := testserver.Start(t, testserver.Config{})
	if a := testserver.Fetch(t, s.URL+"/"); a.StatusCode != http.StatusFound || a.Header.Get("Location") != "/2018/" {
		t.Errorf("GET / = %d to %q; want 302 to /2018/ (not followed)", a.StatusCode, a.Header.Get("Location"))
	}
	if a := testserver.Fetch(t, s.URL+"/2018/"); a.StatusCode != http.StatusOK || a.Body == "" {
		t.Errorf("GET /2018/ = %d with %d bytes; want the landing page", a.StatusCode, len(a.Body))
	}
	c := s.Client("2018")
	var got struct{ Session struct{ Title string } }
	c.Do(t, `query($id: Int!) { session(sessionId: $id) { title } }`, map[string]any{"id": 5}).Decode(t, &got)
	if want := s.Edition.Session(5).Title.Default(); got.Session.Title != want {
		t.Errorf("session 5 title = %q; want %q", got.Session.Title, want)
	}
	if r := c.Do(t, `{ session(sessionId: "five") { title } }`, nil); r.Code() == "" || len(r.Errors) == 0 {
		t.Errorf("a wrong argument type answered %s; want an error with extensions.code", r.Raw)
	}
	before := c.Liked(t, 5)
	r := c.Do(t, `mutation($in: CreateLikeInput!) { createLike(input: $in) { count } }`,
		map[string]any{"in": map[string]any{"uuid": "11111111-2222-4333-8444-555555555555", "sessionId": 5, "count": 2}})
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("createLike: %d %s", r.Status, r.Raw)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Liked(t, 5) != before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := c.Liked(t, 5); got != before+2 {
		t.Errorf("Session.liked = %d after 2 likes; want %d", got, before+2)
	}
}

package gqlclient_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/internal/gqlclient"
	"github.com/techconf/techconf/internal/testserver"
)

// TestClient: against the real site, the client returns data, tells a
// refused answer (an *AnswerError, with the answer's code) from a request
// that got no answer, and reads Session.liked.
func TestClient(t *testing.T) {
	ctx := context.Background()
	s := testserver.Start(t, testserver.Config{})
	c := gqlclient.New(s.URL, "2018")

	r, err := c.Do(ctx, `query($id: Int!) { session(sessionId: $id) { title } }`, map[string]any{"id": 5})
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Session struct{ Title string } }
	if err := r.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if want := s.Edition.Session(5).Title.Default(); got.Session.Title != want {
		t.Errorf("session 5 title = %q; want %q", got.Session.Title, want)
	}

	r, err = c.Get(ctx, `{ session(sessionId: "five") { title } }`)
	if err != nil {
		t.Fatalf("a refused query is an answer, not an error: %v", err)
	}
	var refused *gqlclient.AnswerError
	if err := r.Decode(&got); !errors.As(err, &refused) || r.Code() == "" {
		t.Errorf("Decode of %s = %v (code %q); want an *AnswerError with extensions.code", r.Raw, err, r.Code())
	}

	if _, err := c.Liked(ctx, 999999); !errors.As(err, &refused) {
		t.Errorf("Liked of an unknown session = %v; want an *AnswerError", err)
	}
	before, err := c.Liked(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	r, err = c.Do(ctx, `mutation($in: CreateLikeInput!) { createLike(input: $in) { count } }`,
		map[string]any{"in": map[string]any{"uuid": "11111111-2222-4333-8444-555555555556", "sessionId": 5, "count": 3}})
	if err != nil || r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("createLike: %v %+v", err, r)
	}
	// The site acknowledges durably (the default): the likes are stored.
	if n, err := c.Liked(ctx, 5); err != nil || n != before+3 {
		t.Errorf("Liked after 3 likes = %d, %v; want %d", n, err, before+3)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := gqlclient.New("http://"+ln.Addr().String(), "2018")
	ln.Close()
	if _, err := dead.Liked(ctx, 5); err == nil || errors.As(err, &refused) {
		t.Errorf("Liked from a closed port = %v; want a network error, not an *AnswerError", err)
	}
}

// TestBodyError: an answer that is not JSON (a proxy's error page) is a
// *BodyError with its status, neither an answer nor a network failure.
func TestBodyError(t *testing.T) {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer proxy.Close()
	_, err := gqlclient.New(proxy.URL, "2018").Do(context.Background(), "{ __typename }", nil)
	var be *gqlclient.BodyError
	if !errors.As(err, &be) || be.Status != http.StatusBadGateway || !strings.Contains(string(be.Raw), "bad gateway") {
		t.Errorf("Do against an HTML 502 = %v; want a *BodyError with status 502 and the page", err)
	}
}

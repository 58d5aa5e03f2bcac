package graphql_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/techconf/techconf/graphql"
)

// TestResponseCache: a content-only query is answered from the cache the
// second time, a query with liked never is, and likes stay live.
func TestResponseCache(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	post := func(q string) (string, string) {
		t.Helper()
		resp, err := http.Post(api.URL, "application/json", strings.NewReader(`{"query":"`+q+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.Header.Get("X-Cache"), b.String()
	}
	const timetable = `{ sessionList { nodes { sessionId title } } }`
	first, body1 := post(timetable)
	second, body2 := post(timetable)
	if first == "hit" || second != "hit" || body1 != body2 {
		t.Errorf("content-only query: X-Cache %q then %q, same body %v; want a miss, then a hit with the same answer", first, second, body1 == body2)
	}
	const withLikes = `{ session(sessionId: 5) { liked } }`
	post(withLikes)
	api.query(t, `mutation { createLike(input: {uuid: "c", sessionId: 5, count: 2}) { count } }`, nil)
	hit, body := post(withLikes)
	if hit == "hit" || !strings.Contains(body, `"liked":2`) {
		t.Errorf("query with liked: X-Cache %q, body %s; want it uncached and live (liked 2)", hit, body)
	}
	for _, q := range []string{`mutation { createLike(input: {uuid: \"c\", sessionId: 5}) { count } }`, `{ sessionList { nodes { ...F } } } fragment F on Session { liked }`} {
		post(q)
		if hit, _ := post(q); hit == "hit" {
			t.Errorf("%s was answered from the cache", q)
		}
	}
}

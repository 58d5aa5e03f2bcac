package graphql_test

import (
	"io"
	"net/http"
	"strconv"
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

// TestResponseCacheSkipsLargeAnswers: answers too large for the cache go
// out but are not kept, so aliases cannot fill the server's memory.
func TestResponseCacheSkipsLargeAnswers(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	var q strings.Builder
	q.WriteString("{ ")
	for i := 0; i < 20; i++ { // about 18 KB of answer each
		q.WriteString("a" + itoa(i) + ": sessionList { nodes { title titleJa outline outlineJa } } ")
	}
	q.WriteString("}")
	body := `{"query":"` + q.String() + `"}`
	for i := 0; i < 2; i++ {
		resp, err := http.Post(api.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if len(answer) < 256<<10 {
			t.Fatalf("answer is %d bytes; the test needs one over 256 KB", len(answer))
		}
		if i == 1 && resp.Header.Get("X-Cache") == "hit" {
			t.Error("an answer over 256 KB was kept in the cache")
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

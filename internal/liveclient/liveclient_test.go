package liveclient_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/internal/liveclient"
)

func TestParseWS(t *testing.T) {
	for _, tc := range []struct {
		in           string
		id, typ      string
		likes, total int64
	}{
		{`{"payload":{"data":{"likeAdded":{"likes":3,"total":42}}},"id":"7","type":"next"}`, "7", "next", 3, 42},
		{`{"type":"data","id":"1","payload":{"data":{"likeAdded":{"total":5,"likes":1}}}}`, "1", "data", 1, 5},
		{`{"type":"ping"}`, "", "ping", 0, 0},
		{`{"payload":{"data":{"likeAdded":{"likes":2,"total":9}}},"id":"4","type":"data"}`, "4", "data", 2, 9},
	} {
		m, ok := liveclient.ParseWS([]byte(tc.in))
		if !ok || m.ID != tc.id || m.Type != tc.typ || m.Likes != tc.likes || m.Total != tc.total {
			t.Errorf("ParseWS(%s) = %+v, %v; want id %q type %q likes %d total %d", tc.in, m, ok, tc.id, tc.typ, tc.likes, tc.total)
		}
	}
}

// TestParseWSFast: the events our server sends, on either WebSocket
// protocol, are read without encoding/json (one allocation, the id):
// at 19,000 legacy graphql-ws subscribers the bench's one core fell
// behind when their "data" events took the slow path.
func TestParseWSFast(t *testing.T) {
	for _, msg := range []string{
		`{"payload":{"data":{"likeAdded":{"likes":3,"total":42}}},"id":"7","type":"next"}`,
		`{"payload":{"data":{"likeAdded":{"likes":3,"total":42}}},"id":"7","type":"data"}`,
	} {
		data := []byte(msg)
		if n := testing.AllocsPerRun(100, func() { liveclient.ParseWS(data) }); n > 1 {
			t.Errorf("ParseWS(%s) allocates %.0f times; want the fast path's 1", msg, n)
		}
	}
}

func TestParseSSE(t *testing.T) {
	for _, tc := range []struct {
		in           string
		ok           bool
		likes, total int64
	}{
		{`{"data":{"likeAdded":{"likes":3,"total":42}}}`, true, 3, 42},
		{`{"data":{"likeAdded":{"total":5,"likes":1,"sessionId":5}}}`, true, 1, 5},
		{`{"errors":[{"message":"session 9 not found"}],"data":null}`, false, 0, 0},
		{`not json`, false, 0, 0},
	} {
		likes, total, ok := liveclient.ParseSSE([]byte(tc.in))
		if ok != tc.ok || likes != tc.likes || total != tc.total {
			t.Errorf("ParseSSE(%s) = %d, %d, %v; want %d, %d, %v", tc.in, likes, total, ok, tc.likes, tc.total, tc.ok)
		}
	}
}

// TestSSENext reads events through comments, multi-line data, a line
// longer than the buffer, chunks split anywhere, and the end.
func TestSSENext(t *testing.T) {
	long := strings.Repeat("x", 5000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "text/event-stream" || r.URL.Path != "/q" {
			http.Error(w, "not a stream", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, piece := range []string{":\n\n", "event: next\nda", "ta: {\"a\":1}\n\n", ": ping\n\n", "data: one\ndata: two\n\n", "event: next\ndata: " + long + "\n\n", "event: complete\n\n"} {
			_, _ = io.WriteString(w, piece)
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	s, err := liveclient.DialSSE(context.Background(), srv.URL+"/q", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []string
	for {
		ev, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s %d %.8s", ev.Type, len(ev.Data), ev.Data))
	}
	want := []string{`next 7 {"a":1}`, "message 7 one\ntwo", "next 5000 xxxxxxxx", "complete 0 "}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events %q; want %q", got, want)
	}
	if _, err := liveclient.DialSSE(context.Background(), srv.URL+"/other", nil); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("DialSSE to a plain answer: %v; want an HTTP 400 error", err)
	}
}

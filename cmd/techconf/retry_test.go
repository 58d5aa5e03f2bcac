package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/like/storetest"
)

// dropProxy forwards each request to a server, waits for the whole answer
// (so the server has done its work), then drops it: it closes the client's
// connection without a byte, as a mobile network that loses the answer.
type dropProxy struct {
	base    string // the proxy's own URL
	dropped atomic.Int64
}

func startDropProxy(tb testing.TB, target string) *dropProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &dropProxy{base: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		resp, err := http.Post(target+r.URL.Path, r.Header.Get("Content-Type"), bytes.NewReader(body))
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			tb.Errorf("drop proxy: hijack: %v", err)
			return
		}
		conn.Close()
		p.dropped.Add(1)
	})}
	go srv.Serve(ln)
	tb.Cleanup(func() { srv.Close() })
	return p
}

// postLike sends createLike with an idempotency key and returns the raw
// answer.
func postLike(client *http.Client, base, uuid, requestID string, count int) ([]byte, error) {
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($input: CreateLikeInput!) { createLike(input: $input) { count like { id } } }`,
		"variables": map[string]any{"input": map[string]any{"uuid": uuid, "sessionId": 5, "count": count, "requestId": requestID}},
	})
	resp, err := client.Post(base+"/2018/api/query", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data struct{ CreateLike *struct{ Count int } }
	}
	if err := json.Unmarshal(raw, &out); err != nil || out.Data.CreateLike == nil || out.Data.CreateLike.Count != count {
		return nil, fmt.Errorf("createLike refused: %s", raw)
	}
	return raw, nil
}

// TestRetryAfterLostAnswer: two servers (in-process) on one database; every createLike's
// first answer is lost on the way back, and the client retries with the
// same key on the other server, then once more on the first. One server
// acknowledges durably; the other buffers and holds its batches back 2 s,
// so there the retry is stored before the first try. Every retry gets the
// same answer on both servers, and the stored rows, Session.liked on each
// server, and every subscriber's total equal the likes of the distinct
// requests: none is stored or counted twice.
func TestRetryAfterLostAnswer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers")
	}
	for _, kind := range []string{"sqlite", "spanner"} {
		t.Run(kind, func(t *testing.T) {
			db := newDatabase(t, kind)
			procs := []*proc{
				startMain(t, db, nil),
				startMain(t, db, func(m *Main) {
					m.WrapStore = func(s like.Store) like.Store { return storetest.Late(s, 2*time.Second) }
				}, "--like-ack", "buffered"),
			}
			proxies := []*dropProxy{startDropProxy(t, procs[0].URL), startDropProxy(t, procs[1].URL)}
			var subs []*subscriber
			for _, p := range procs {
				subs = append(subs, subscribe(t, t.Context(), p.URL, "graphql-transport-ws"))
			}
			client := &http.Client{Timeout: 30 * time.Second}
			var mu sync.Mutex
			want := 0
			var wg sync.WaitGroup
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					for i := 0; i < 10; i++ {
						n := 1 + (w+i)%5
						uuid, key := fmt.Sprintf("client-%d", w%3), fmt.Sprintf("burst-%d-%d", w, i)
						first, other := (w+i)%2, 1-(w+i)%2
						if _, err := postLike(client, proxies[first].base, uuid, key, n); err == nil {
							t.Errorf("request %s: the answer came through the dropping proxy", key)
							return
						}
						retry, err := postLike(client, procs[other].URL, uuid, key, n)
						if err != nil {
							t.Errorf("retry of %s on the other server: %v", key, err)
							return
						}
						again, err := postLike(client, procs[first].URL, uuid, key, n)
						if err != nil {
							t.Errorf("second retry of %s: %v", key, err)
							return
						}
						if !bytes.Equal(retry, again) {
							t.Errorf("request %s: the servers answered %s and %s; want the same answer", key, retry, again)
						}
						mu.Lock()
						want += n
						mu.Unlock()
					}
				}(w)
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			if d := proxies[0].dropped.Load() + proxies[1].dropped.Load(); d != 40 {
				t.Errorf("%d answers dropped; want 40", d)
			}
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				done := true
				for i, p := range procs {
					if _, _, last := subs[i].totals(); p.liked(t) != want || last != want {
						done = false
					}
				}
				if done {
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			for i, p := range procs {
				if got := p.liked(t); got != want {
					t.Errorf("server %d: Session.liked = %d; want %d", i, got, want)
				}
				start, sum, last := subs[i].totals()
				if start+sum != last || last != want {
					t.Errorf("subscriber on server %d: start %d + likes %d, last total %d; want %d", i, start, sum, last, want)
				}
			}
			for i, p := range procs {
				if err := p.Terminate(t); err != nil {
					t.Errorf("server %d: exit after SIGTERM: %v; want status 0", i, err)
				}
			}
			if rows := storedLikes(t, db); rows != int64(want) {
				t.Errorf("stored rows = %d; want %d (each request once)", rows, want)
			}
		})
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// The hostile suite: one client (this test, on loopback) tries each attack
// of issue 10 against a real `techconf serve` process, and each subtest
// asserts the bound that holds it. Limits are set small by flags so that
// the bounds show in seconds; the defaults are in docs/operations.md.

// hostile is a server process and its admin address.
type hostile struct {
	*proc
	admin string
}

func startHostile(t *testing.T, extra ...string) *hostile {
	t.Helper()
	p := startProc(t, newDatabase(t, "sqlite"), append([]string{"--admin-addr", "127.0.0.1:0"}, extra...)...)
	admin := p.AdminURL()
	if admin == "" {
		t.Fatalf("no admin listener among %v (public %s)", p.Listens, p.URL)
	}
	return &hostile{proc: p, admin: admin}
}

// metrics returns the admin port's /metrics text.
func (h *hostile) metrics(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(h.admin + "/metrics")
	if err != nil {
		t.Fatalf("GET %s/metrics: %v", h.admin, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// rss is the process's resident memory from its own metrics.
func (h *hostile) rss(t *testing.T) float64 {
	t.Helper()
	for _, l := range strings.Split(h.metrics(t), "\n") {
		if v, ok := strings.CutPrefix(l, "process_resident_memory_bytes "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	t.Fatal("no process_resident_memory_bytes in /metrics")
	return 0
}

// alive fails the test if the process has exited or is not ready.
func (h *hostile) alive(t *testing.T, after string) {
	t.Helper()
	select {
	case err := <-h.Exited:
		h.Exited <- err
		t.Fatalf("after %s the server exited: %v\n%s", after, err, h.Logs.String())
	default:
	}
	resp, err := http.Get(h.URL + "/healthz/readiness")
	if err != nil {
		t.Fatalf("after %s: readiness: %v", after, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("after %s: readiness %d; want 200", after, resp.StatusCode)
	}
}

func TestHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and attacks it for about a minute")
	}
	h := startHostile(t,
		"--like-ack", "buffered",
		"--keepalive", "2ms",
		"--read-timeout", "2s", "--write-timeout", "3s",
		"--max-conns-per-addr", "300",
		"--max-streams-per-client", "30",
		"--websocket-idle", "1s",
		"--like-rate-limit-per-addr", "200", "--like-rate-burst-per-addr", "400",
	)
	api := h.URL + "/2018/api/query"

	t.Run("SSEClientsThatLeave", func(t *testing.T) {
		// The crash of issue 10: keep-alive pings after the handler returned.
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i := range 400 {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(2+i%9)*time.Millisecond)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, api, strings.NewReader(`{"query":"subscription { likeAdded(sessionId: 5) { total } }"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "text/event-stream")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		time.Sleep(200 * time.Millisecond) // pings after the last client left
		h.alive(t, "400 SSE clients that left")
	})

	t.Run("MethodNamesAreNotLabels", func(t *testing.T) {
		client := &http.Client{Timeout: 5 * time.Second}
		for i := range 2000 {
			req, _ := http.NewRequest(fmt.Sprintf("M%05d", i), h.URL+"/2018/", nil)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
		}
		m := h.metrics(t)
		series := 0
		for _, l := range strings.Split(m, "\n") {
			if strings.HasPrefix(l, "techconf_http_requests_total{") {
				series++
				if strings.Contains(l, `method="M0`) {
					t.Fatalf("a client's method name is a label value: %s", l)
				}
			}
		}
		if series > 50 {
			t.Errorf("%d series of techconf_http_requests_total after 2000 method names; want at most 50", series)
		}
		t.Logf("series after 2000 method names: %d", series)
	})

	t.Run("MetricsNotOnThePublicPort", func(t *testing.T) {
		for _, path := range []string{"/metrics", "/debug/pprof/"} {
			resp, err := http.Get(h.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s on the public port = %d; want 404", path, resp.StatusCode)
			}
		}
	})

	t.Run("SlowBody", func(t *testing.T) {
		// A byte every 300 ms: the read timeout (2 s) ends it.
		c, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		fmt.Fprintf(c, "POST /2018/api/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
		start := time.Now()
		closed := make(chan struct{})
		go func() { io.Copy(io.Discard, c); close(closed) }()
		for time.Since(start) < 15*time.Second {
			select {
			case <-closed:
				t.Logf("slow body cut after %s", time.Since(start).Round(100*time.Millisecond))
				return
			case <-time.After(300 * time.Millisecond):
				c.Write([]byte("{"))
			}
		}
		t.Fatal("a body sent a byte every 300 ms was still held after 15 s; want it cut by --read-timeout (2 s)")
	})

	t.Run("ConnectionCap", func(t *testing.T) {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		refused := 0
		for range 340 {
			c, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		for _, c := range conns[300:] {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			if strings.HasPrefix(line, "HTTP/1.1 503") {
				refused++
			}
		}
		if refused < 40 {
			t.Errorf("%d of the 40 connections over --max-conns-per-addr=300 got 503; want all", refused)
		}
	})
	time.Sleep(200 * time.Millisecond) // the server sees the closes

	t.Run("StreamsPerClient", func(t *testing.T) {
		refused := 0
		for i := range 35 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(api, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			cancel()
			if err != nil {
				if resp != nil && resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
					refused++
					continue
				}
				t.Fatalf("dial %d: %v", i, err)
			}
			defer c.CloseNow()
		}
		if refused != 5 {
			t.Errorf("%d of 35 WebSockets refused with 503 and Retry-After; want 5 (--max-streams-per-client=30)", refused)
		}
	})
	time.Sleep(200 * time.Millisecond)

	t.Run("IdleWebSockets", func(t *testing.T) {
		var wg sync.WaitGroup
		var closed atomic.Int32
		for range 20 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(api, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			defer c.CloseNow()
			wsjson.Write(context.Background(), c, map[string]any{"type": "connection_init"})
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				for {
					if _, _, err := c.Read(ctx); err != nil {
						if websocket.CloseStatus(err) != -1 {
							closed.Add(1)
						}
						return
					}
				}
			}()
		}
		wg.Wait()
		if closed.Load() != 20 {
			t.Errorf("%d of 20 idle WebSockets closed by the server within 10 s; want all (--websocket-idle=1s)", closed.Load())
		}
	})

	t.Run("DuplicateSubscriptionID", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(api, "http"), &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.CloseNow()
		sub := map[string]any{"id": "x", "type": "subscribe", "payload": map[string]any{"query": "subscription { likeAdded(sessionId: 5) { total } }"}}
		wsjson.Write(ctx, c, map[string]any{"type": "connection_init"})
		wsjson.Write(ctx, c, sub)
		wsjson.Write(ctx, c, sub)
		for {
			if _, _, err = c.Read(ctx); err != nil {
				break
			}
		}
		if got := websocket.CloseStatus(err); got != 4409 {
			t.Errorf("duplicate id: %v; want close 4409", err)
		}
	})

	t.Run("LikeStuffing", func(t *testing.T) {
		// Rotating UUIDs and forged X-Forwarded-For headers: the peer is
		// not a trusted proxy, so one address, 200 likes/s, burst 400.
		before := h.liked(t)
		var accepted atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		client := &http.Client{Timeout: 10 * time.Second}
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; time.Since(start) < 3*time.Second; i++ {
					body := fmt.Sprintf(`{"query":"mutation { createLike(input: {uuid: \"stuff-%d-%d\", sessionId: 5, count: 100}) { count } }"}`, w, i)
					req, _ := http.NewRequest(http.MethodPost, api, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i%250))
					resp, err := client.Do(req)
					if err != nil {
						continue
					}
					var out struct {
						Data struct{ CreateLike *struct{ Count int } }
					}
					json.NewDecoder(resp.Body).Decode(&out)
					resp.Body.Close()
					if out.Data.CreateLike != nil {
						accepted.Add(int64(out.Data.CreateLike.Count))
					}
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start).Seconds()
		bound := int64(400 + 200*elapsed + 100)
		if accepted.Load() > bound {
			t.Errorf("one address got %d likes accepted in %.1f s; want at most %d (burst 400 + 200/s)", accepted.Load(), elapsed, bound)
		}
		if accepted.Load() == 0 {
			t.Fatal("no like accepted; the test proves nothing")
		}
		// Nothing acknowledged is lost.
		deadline := time.Now().Add(20 * time.Second)
		for h.liked(t)-before < int(accepted.Load()) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if got := h.liked(t) - before; got != int(accepted.Load()) {
			t.Errorf("liked grew by %d; want the %d acknowledged", got, accepted.Load())
		}
		t.Logf("likes accepted from one address in %.1f s: %d", elapsed, accepted.Load())
	})

	t.Run("UnreadAnswers", func(t *testing.T) {
		before := h.rss(t)
		q := `{"query":"{ a: sessionList(first: 100) { nodes { title titleJa outline outlineJa speakers { name profile } } } b: sessionList(first: 100) { nodes { title outline outlineJa } } }"}`
		req := fmt.Sprintf("POST /2018/api/query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(q), q)
		var conns []net.Conn
		for range 60 {
			c, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
			c.(*net.TCPConn).SetReadBuffer(4096)
			go func() {
				for range 50 {
					if _, err := c.Write([]byte(req)); err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(5 * time.Second) // past --write-timeout
		after := h.rss(t)
		for _, c := range conns {
			c.Close()
		}
		if after-before > 200<<20 {
			t.Errorf("RSS grew %.0f MB with 60 clients that do not read; want under 200 MB", (after-before)/(1<<20))
		}
		t.Logf("RSS %.0f MB -> %.0f MB with 60 clients that do not read", before/(1<<20), after/(1<<20))
	})

	t.Run("SecurityHeaders", func(t *testing.T) {
		for _, path := range []string{"/2018/api/query?query=%7B__typename%7D", "/2018/api/playground", "/nope", "/2018/"} {
			resp, err := http.Get(h.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for _, hd := range []string{"Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options"} {
				if resp.Header.Get(hd) == "" {
					t.Errorf("GET %s: no %s", path, hd)
				}
			}
		}
	})

	t.Run("FragmentFanOut", func(t *testing.T) {
		// Each fragment spreads the previous one twice: 2^26 paths.
		var b strings.Builder
		b.WriteString(`{ ...F26 } fragment F0 on Query { __typename } `)
		for i := 1; i <= 26; i++ {
			fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d } ", i, i-1, i-1)
		}
		hostileQuery(t, api, b.String())
	})

	t.Run("AliasedIntrospection", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("{ ")
		for i := range 300 {
			fmt.Fprintf(&b, "i%d: __schema { types { name fields { name type { name } } } } ", i)
		}
		b.WriteString("}")
		hostileQuery(t, api, b.String())
	})

	h.alive(t, "the hostile suite")
}

// hostileQuery sends a query meant to cost without bound and asserts it is
// refused, quickly and with a small answer, and that the server is fine.
func hostileQuery(t *testing.T, api, query string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	client := &http.Client{Timeout: 15 * time.Second}
	start := time.Now()
	resp, err := client.Post(api, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("no answer within 15 s: %v", err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if !bytes.Contains(out, []byte(`"errors"`)) {
		t.Errorf("answer of %d bytes in %s has no error; want the query refused", len(out), time.Since(start))
	}
	if len(out) > 64<<10 {
		t.Errorf("answer of %d bytes; want a short refusal", len(out))
	}
	t.Logf("refused in %s: %.200s", time.Since(start).Round(time.Millisecond), out)
}

// TestHostileFailingStore: durable createLike under a database that
// refuses writes answers UNAVAILABLE in bounded time, readiness reports
// the store once it has failed longer than the horizon, and every like
// acknowledged is stored once the database recovers.
func TestHostileFailingStore(t *testing.T) {
	if testing.Short() {
		t.Skip("holds a database lock for several seconds")
	}
	db := newDatabase(t, "sqlite")
	p := startProc(t, db, "--like-ack", "durable", "--like-ack-timeout", "2s", "--store-horizon", "3s")
	conn := sqliteLocker(t, db)
	acked := []string{}
	if id, err := p.createLike(http.DefaultClient, "before", 1); err != nil {
		t.Fatal(err)
	} else {
		acked = append(acked, likeIDOf(id))
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := p.createLike(&http.Client{Timeout: 20 * time.Second}, "during", 1)
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "not stored yet") {
		t.Errorf("createLike with the database locked: %v; want UNAVAILABLE", err)
	}
	if took > 10*time.Second {
		t.Errorf("createLike with the database locked answered after %s; want about --like-ack-timeout (2 s)", took)
	}
	deadline := time.Now().Add(15 * time.Second)
	status := 0
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.URL + "/healthz/readiness")
		if err == nil {
			resp.Body.Close()
			status = resp.StatusCode
			if status == http.StatusServiceUnavailable {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status != http.StatusServiceUnavailable {
		t.Errorf("readiness with writes failing past --store-horizon: %d; want 503", status)
	}
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	// The like answered UNAVAILABLE was kept; with it, 2 likes in total.
	deadline = time.Now().Add(30 * time.Second)
	for p.liked(t) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if got := p.liked(t); got != 2 {
		t.Errorf("liked after the database recovered = %d; want 2 (one acknowledged, one kept after UNAVAILABLE)", got)
	}
	resp, err := http.Get(p.URL + "/healthz/readiness")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("readiness after the database recovered: %v %v; want 200", resp, err)
	}
	if err := p.Terminate(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if found := storedIDs(t, db, acked); found != len(acked) {
		t.Errorf("%d likes acknowledged, %d stored", len(acked), found)
	}
}

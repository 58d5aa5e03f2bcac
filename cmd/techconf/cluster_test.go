package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gspanner "cloud.google.com/go/spanner"
	"github.com/google/uuid"

	"github.com/techconf/techconf/internal/emulator"
	"github.com/techconf/techconf/internal/liveclient"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/like/storetest"
	"github.com/techconf/techconf/spanner"
	"github.com/techconf/techconf/sqlite"
)

// These tests run the real binary as separate processes: each has its own
// server id, memory and clock, as replicas in production do.

func TestMain(m *testing.M) {
	code := testserver.Main(m)
	emulator.Stop()
	os.Exit(code)
}

// proc is one `techconf serve` started by the harness: a process of its
// own (startProc), or Main in-process (startMain).
type proc struct{ *testserver.Process }

func startProc(tb testing.TB, db string, extra ...string) *proc {
	tb.Helper()
	return startProcEnv(tb, nil, db, extra...)
}

// startProcEnv starts a server with extra environment variables.
func startProcEnv(tb testing.TB, env []string, db string, extra ...string) *proc {
	tb.Helper()
	return &proc{testserver.StartProcess(tb, testserver.Options{DB: db, Args: extra, Env: env})}
}

// createLike sends one createLike and returns the stored like ids it
// acknowledged (empty if it was refused or failed).
func (p *proc) createLike(client *http.Client, uuid string, count int) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"query": fmt.Sprintf(`mutation { createLike(input: {uuid: %q, sessionId: 5, count: %d}) { count like { id } } }`, uuid, count),
	})
	resp, err := client.Post(p.URL+"/2018/api/query", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			CreateLike *struct {
				Count int
				Like  struct{ ID string }
			}
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	if len(out.Errors) > 0 || out.Data.CreateLike == nil || out.Data.CreateLike.Count != count {
		return "", fmt.Errorf("createLike refused: %+v", out.Errors)
	}
	return out.Data.CreateLike.Like.ID, nil
}

func (p *proc) liked(tb testing.TB) int {
	tb.Helper()
	return p.Client("2018").Liked(tb, 5)
}

// subscriber counts the likeAdded events of session 5 it receives.
type subscriber struct {
	mu                  sync.Mutex
	start, sum, last, n int
}

func (s *subscriber) totals() (start, sum, last int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.start, s.sum, s.last
}

func subscribe(tb testing.TB, ctx context.Context, base, proto string) *subscriber {
	tb.Helper()
	l, err := liveclient.SubscribeLikes(ctx, base+"/2018/api/query", proto, 5)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { l.Close() })
	s := &subscriber{start: -1}
	ready := make(chan struct{})
	go func() {
		for {
			ev, err := l.Next()
			if err != nil {
				return
			}
			s.mu.Lock()
			if s.start < 0 {
				s.start = int(ev.Total - ev.Likes)
				close(ready)
			}
			s.sum += int(ev.Likes)
			s.last = int(ev.Total)
			s.n++
			s.mu.Unlock()
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		tb.Fatalf("no first event from %s (%s)", base, proto)
	}
	return s
}

// storedLikes counts the like rows of session 5 in the database.
func storedLikes(tb testing.TB, db string) int64 {
	tb.Helper()
	ctx := context.Background()
	k := like.Key{Edition: "2018", SessionID: 5}
	kind, location, err := parseDB(db)
	if err != nil {
		tb.Fatal(err)
	}
	if kind == "sqlite" {
		d, err := sqlite.Open(ctx, location)
		if err != nil {
			tb.Fatal(err)
		}
		defer d.Close()
		n, err := sqlite.NewLikeStore(d).Count(ctx, k)
		if err != nil {
			tb.Fatal(err)
		}
		return n
	}
	s, err := spanner.Open(ctx, location)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	n, err := s.Count(ctx, k)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// sqliteLocker is a connection of its own to the SQLite database db, for
// tests that lock it (BEGIN EXCLUSIVE) to make the server's writes fail.
func sqliteLocker(tb testing.TB, db string) *sql.Conn {
	tb.Helper()
	_, location, _ := parseDB(db)
	locker, err := sql.Open("sqlite", "file:"+location+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { locker.Close() })
	conn, err := locker.Conn(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close() })
	return conn
}

// newDatabase returns a --db value for a fresh, migrated database.
func newDatabase(tb testing.TB, kind string) string {
	tb.Helper()
	var db string
	switch kind {
	case "sqlite":
		db = "sqlite:" + filepath.Join(tb.TempDir(), "shared.db")
	case "spanner":
		emulator.Host(tb)
		db = fmt.Sprintf("spanner:projects/techconf-test/instances/test/databases/c%d", time.Now().UnixNano()%1_000_000_000)
	}
	var out syncBuffer
	if code := run(context.Background(), []string{"migrate", "--create", "--db", db}, &out, &out, noEnv); code != 0 {
		tb.Fatalf("migrate: exit %d\n%s", code, out.String())
	}
	return db
}

// TestClusterExact runs three servers (in-process, each with its own
// like service, clock and socket) on one database, one with its clock 3 s
// behind and one whose writes are held back 5 s, with subscribers on
// each (half on each WebSocket subprotocol), and sends likes to all of
// them in turn. When the likes stop, on every server, every subscriber's
// starting total plus the likes it received equals its last total, equals
// Session.liked, equals the rows stored.
func TestClusterExact(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three servers")
	}
	for _, kind := range []string{"sqlite", "spanner"} {
		t.Run(kind, func(t *testing.T) {
			db := newDatabase(t, kind)
			clusterExact(t, db, []*proc{
				startMain(t, db, nil),
				startMain(t, db, func(m *Main) { m.Now = func() time.Time { return time.Now().Add(-3 * time.Second) } }),
				startMain(t, db, func(m *Main) {
					m.WrapStore = func(s like.Store) like.Store { return storetest.Late(s, 5*time.Second) }
				}, "--like-ack", "buffered"),
			})
		})
	}
}

// TestClusterExactProcesses is TestClusterExact with three server
// processes, as replicas run in production (one acknowledging buffered),
// each stopped by SIGTERM.
func TestClusterExactProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three server processes")
	}
	for _, kind := range []string{"sqlite", "spanner"} {
		t.Run(kind, func(t *testing.T) {
			db := newDatabase(t, kind)
			clusterExact(t, db, []*proc{startProc(t, db), startProc(t, db), startProc(t, db, "--like-ack", "buffered")})
		})
	}
}

// clusterExact subscribes on every server (half on each WebSocket
// subprotocol), sends likes to all of them in turn, and checks, once the
// likes stop, that on every server every subscriber's starting total plus
// the likes it received equals its last total, equals Session.liked,
// equals the rows stored; and that every server stops cleanly.
func clusterExact(t *testing.T, db string, procs []*proc) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var subs []*subscriber
	for _, p := range procs {
		for _, proto := range []string{"graphql-transport-ws", "graphql-ws", "sse"} {
			subs = append(subs, subscribe(t, ctx, p.URL, proto))
		}
	}
	client := &http.Client{Timeout: 30 * time.Second}
	var mu sync.Mutex
	acked := 0
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				n := 1 + (w+i)%5
				if _, err := procs[(w+i)%3].createLike(client, fmt.Sprintf("client-%d", w), n); err != nil {
					t.Errorf("createLike: %v", err)
					return
				}
				mu.Lock()
				acked += n
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for {
		done := true
		for _, p := range procs {
			if p.liked(t) != acked {
				done = false
			}
		}
		for _, s := range subs {
			if _, _, last := s.totals(); last != acked {
				done = false
			}
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, p := range procs {
		if got := p.liked(t); got != acked {
			t.Errorf("server %d: Session.liked = %d; want %d acknowledged", i, got, acked)
		}
	}
	for i, s := range subs {
		start, sum, last := s.totals()
		if start+sum != last || last != acked {
			t.Errorf("subscriber %d (server %d): start %d + likes %d = %d, last total %d; want %d", i, i/2, start, sum, start+sum, last, acked)
		}
	}
	for i, p := range procs {
		if err := p.Terminate(t); err != nil {
			t.Errorf("server %d: exit after SIGTERM: %v; want status 0", i, err)
		}
	}
	if rows := storedLikes(t, db); rows != int64(acked) {
		t.Errorf("stored rows = %d; want %d acknowledged", rows, acked)
	}
}

// likeIDOf returns the like's own id from its global id,
// Like:<session>:<like id>.
func likeIDOf(global string) string {
	parts := strings.Split(global, ":")
	return parts[len(parts)-1]
}

// load sends likes from several goroutines until stop is closed and
// returns the ids of the acknowledged ones.
func load(p *proc, stop <-chan struct{}) (acked []string, count *int) {
	count = new(int)
	var mu sync.Mutex
	var wg sync.WaitGroup
	total := 0
	client := &http.Client{Timeout: 30 * time.Second}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id, err := p.createLike(client, fmt.Sprintf("load-%d", w), 1)
				if err != nil {
					if strings.Contains(err.Error(), "connection refused") {
						return
					}
					continue
				}
				mu.Lock()
				acked = append(acked, likeIDOf(id))
				total++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	*count = total
	return acked, count
}

// TestFaultsLoseNothing: SIGTERM under load in buffered mode, and kill -9
// under load in durable mode, lose no acknowledged like.
func TestFaultsLoseNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers under load")
	}
	for _, tc := range []struct {
		name   string
		ack    string
		signal os.Signal
	}{
		{"SIGTERMBuffered", "buffered", syscall.SIGTERM},
		{"SIGTERMDurable", "durable", syscall.SIGTERM},
		{"KillDurable", "durable", os.Kill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDatabase(t, "sqlite")
			p := startProc(t, db, "--like-ack", tc.ack, "--like-flush-interval", "200ms")
			stop := make(chan struct{})
			result := make(chan []string, 1)
			go func() {
				ids, _ := load(p, stop)
				result <- ids
			}()
			time.Sleep(700 * time.Millisecond)
			p.Cmd.Process.Signal(tc.signal)
			var exitErr error
			select {
			case exitErr = <-p.Exited:
			case <-time.After(30 * time.Second):
				t.Fatal("server did not exit within 30 s")
			}
			close(stop)
			ids := <-result
			if tc.signal == syscall.SIGTERM && exitErr != nil {
				t.Errorf("exit after SIGTERM: %v; want status 0", exitErr)
			}
			if len(ids) == 0 {
				t.Fatal("no like was acknowledged before the signal; the test proves nothing")
			}
			found := storedIDs(t, db, ids)
			if found != len(ids) {
				t.Errorf("%d likes acknowledged, %d of them stored: %d lost", len(ids), found, len(ids)-found)
			}
			t.Logf("%s: %d acknowledged, all stored: %v", tc.name, len(ids), found == len(ids))
		})
	}
}

// storedIDs counts which of the like ids are in the database. It reads the
// likes table itself, as an operator would, rather than through a store
// method that only tests would use.
func storedIDs(tb testing.TB, db string, ids []string) int {
	tb.Helper()
	ctx := context.Background()
	kind, location, _ := parseDB(db)
	if kind == "spanner" {
		c, err := gspanner.NewClientWithConfig(ctx, location, gspanner.ClientConfig{DisableNativeMetrics: true})
		if err != nil {
			tb.Fatal(err)
		}
		defer c.Close()
		keys := make([]gspanner.KeySet, len(ids))
		for i, id := range ids {
			keys[i] = gspanner.Key{id}
		}
		n := 0
		err = c.Single().Read(ctx, "Likes", gspanner.KeySets(keys...), []string{"LikeId"}).Do(func(*gspanner.Row) error {
			n++
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		return n
	}
	d, err := sql.Open("sqlite", "file:"+location+"?_pragma=busy_timeout(5000)")
	if err != nil {
		tb.Fatal(err)
	}
	defer d.Close()
	n := 0
	for _, id := range ids {
		// Like ids that are UUIDs are stored as their 16 bytes.
		key := []byte(id)
		if u, err := uuid.Parse(id); err == nil && len(id) == 36 {
			key = u[:]
		}
		var c int
		if err := d.QueryRowContext(ctx, `SELECT COUNT(*) FROM likes WHERE like_id = ?`, key).Scan(&c); err != nil {
			tb.Fatal(err)
		}
		n += c
	}
	return n
}

// TestStoreOutage: the database refuses writes for 10 s while likes flow
// (another process holds an exclusive lock on the SQLite file). Likes are
// accepted up to the buffer's cap and retried; once the lock is released,
// every acknowledged like is stored.
func TestStoreOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s of outage")
	}
	db := newDatabase(t, "sqlite")
	p := startProc(t, db, "--like-ack", "buffered")
	conn := sqliteLocker(t, db)
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	result := make(chan []string, 1)
	go func() {
		ids, _ := load(p, stop)
		result <- ids
	}()
	time.Sleep(10 * time.Second)
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	close(stop)
	ids := <-result
	if len(ids) == 0 {
		t.Fatal("no like was acknowledged during the outage; the test proves nothing")
	}
	deadline := time.Now().Add(30 * time.Second)
	for p.liked(t) < len(ids) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if err := p.Terminate(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if found := storedIDs(t, db, ids); found != len(ids) {
		t.Errorf("%d likes acknowledged during a 10 s outage, %d stored", len(ids), found)
	}
	t.Logf("outage: %d likes acknowledged, all stored", len(ids))
}

// cutProxy forwards TCP connections to target until cut, when it drops
// every connection and refuses new ones: a network outage between a
// server and its database.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

func startCutProxy(tb testing.TB, target string) *cutProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	tb.Cleanup(func() { ln.Close(); p.cut(true) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *cutProxy) serve(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		c.Close()
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

// cut drops the connections and refuses new ones (down), or lets them
// through again.
func (p *cutProxy) cut(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

// TestSpannerOutage: the network between a server and Spanner (the
// emulator) is cut for 10 s while likes flow. Likes are accepted into the
// buffer and retried; once the network is back, every acknowledged like is
// stored.
func TestSpannerOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 10 s of outage")
	}
	db := newDatabase(t, "spanner")
	proxy := startCutProxy(t, emulator.Host(t))
	p := startProcEnv(t, []string{"SPANNER_EMULATOR_HOST=" + proxy.ln.Addr().String()}, db, "--like-ack", "buffered")
	stop := make(chan struct{})
	result := make(chan []string, 1)
	go func() {
		ids, _ := load(p, stop)
		result <- ids
	}()
	time.Sleep(500 * time.Millisecond)
	proxy.cut(true)
	time.Sleep(10 * time.Second)
	proxy.cut(false)
	time.Sleep(500 * time.Millisecond)
	close(stop)
	ids := <-result
	if len(ids) == 0 {
		t.Fatal("no like was acknowledged; the test proves nothing")
	}
	deadline := time.Now().Add(60 * time.Second)
	for p.liked(t) < len(ids) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if err := p.Terminate(t); err != nil {
		t.Errorf("exit after SIGTERM: %v", err)
	}
	if found := storedIDs(t, db, ids); found != len(ids) {
		t.Errorf("%d likes acknowledged around a 10 s outage, %d stored", len(ids), found)
	}
	t.Logf("Spanner outage: %d likes acknowledged, all stored", len(ids))
}

package like_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/techconf/techconf"
	_ "github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/like/storetest"
	"github.com/techconf/techconf/sqlite"
)

var k5 = like.Key{Edition: "2018", SessionID: 5}

// mustOpenStore opens a real SQLite store in a temporary file.
func mustOpenStore(tb testing.TB, path string) *sqlite.LikeStore {
	tb.Helper()
	if path == "" {
		path = filepath.Join(tb.TempDir(), "likes.db")
	}
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return sqlite.NewLikeStore(db)
}

// faultyStore wraps a real store and injects the faults of a real outage:
// writes that fail, and writes that commit but report failure (an
// ambiguous commit, as when a connection drops after COMMIT).
type faultyStore struct {
	*sqlite.LikeStore
	mu        sync.Mutex
	down      bool // every write fails
	ambiguous int  // the next n writes commit, then fail
	block     chan struct{}
	writes    atomic.Int64
}

func (f *faultyStore) WriteBatch(ctx context.Context, b like.Batch) error {
	f.writes.Add(1)
	f.mu.Lock()
	down, block := f.down, f.block
	amb := f.ambiguous > 0
	if amb {
		f.ambiguous--
	}
	f.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if down {
		return errors.New("store unreachable")
	}
	if err := f.LikeStore.WriteBatch(ctx, b); err != nil {
		return err
	}
	if amb {
		return errors.New("connection reset after commit")
	}
	return nil
}

func (f *faultyStore) set(fn func(f *faultyStore)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func fastConfig(server string) like.Config {
	return like.Config{
		ServerID:     server,
		Ack:          like.AckDurable,
		Buffer:       like.BufferConfig{FlushInterval: 5 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, AttemptTimeout: time.Second},
		PollInterval: 10 * time.Millisecond,
	}
}

func mustOpenService(tb testing.TB, store like.Store, cfg like.Config) *like.Service {
	tb.Helper()
	s, err := like.Open(context.Background(), store, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close(context.Background()) })
	return s
}

func TestSummaries(t *testing.T) {
	t0 := time.Unix(1538787600, 0)
	b := like.Batch{ID: "b1", Likes: []like.Like{
		{ID: "1", Edition: "2018", SessionID: 5, ServerID: "a", CreatedAt: t0},
		{ID: "2", Edition: "2018", SessionID: 5, ServerID: "a", CreatedAt: t0.Add(900 * time.Millisecond)},
		{ID: "3", Edition: "2018", SessionID: 5, ServerID: "a", CreatedAt: t0.Add(time.Second)},
		{ID: "4", Edition: "2018", SessionID: 6, ServerID: "a", CreatedAt: t0},
	}}
	got := fmt.Sprint(b.Summaries())
	want := fmt.Sprint([]like.Summary{
		{BatchID: "b1", Edition: "2018", SessionID: 5, ServerID: "a", Second: t0.Unix(), Likes: 2},
		{BatchID: "b1", Edition: "2018", SessionID: 5, ServerID: "a", Second: t0.Unix() + 1, Likes: 1},
		{BatchID: "b1", Edition: "2018", SessionID: 6, ServerID: "a", Second: t0.Unix(), Likes: 1},
	})
	if got != want {
		t.Errorf("Summaries() = %s; want %s", got, want)
	}
}

func TestValidateRequest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		uuid    string
		request string
		count   int
		ok      bool
	}{
		{"OK", "0b8f9a52-3c1e-4d2f-9a77-5d0c6f1e2a10", "", 1, true},
		{"MaxCount", "u", "", like.MaxCount, true},
		{"Empty", "", "", 1, false},
		{"TooLong", string(make([]byte, 65)), "", 1, false},
		{"ControlCharacter", "a\x00b", "", 1, false},
		{"InvalidUTF8", "\xff", "", 1, false},
		{"CountZero", "u", "", 0, false},
		{"CountTooLarge", "u", "", like.MaxCount + 1, false},
		{"RequestID", "u", "7d3c9a4e-burst-12", 3, true},
		{"RequestIDMaxLength", "u", strings.Repeat("k", like.MaxRequestIDLength), 3, true},
		{"RequestIDTooLong", "u", strings.Repeat("k", like.MaxRequestIDLength+1), 3, false},
		{"RequestIDSpace", "u", "a b", 3, false},
		{"RequestIDControl", "u", "a\nb", 3, false},
		{"RequestIDInvalidUTF8", "u", "\xfe", 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := like.ValidateRequest(tc.uuid, tc.request, tc.count)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidateRequest(%q, %q, %d) = %v; want ok=%v", tc.uuid, tc.request, tc.count, err, tc.ok)
			}
			if err != nil && techconf.ErrorCode(err) != techconf.EINVALID {
				t.Errorf("code %s; want %s", techconf.ErrorCode(err), techconf.EINVALID)
			}
		})
	}
}

// TestBrokerSlowSubscriber: a subscriber that does not read never blocks
// Publish or the others, and loses nothing: its increments coalesce.
func TestBrokerSlowSubscriber(t *testing.T) {
	b := like.NewBroker(map[like.Key]int64{k5: 10})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := b.Subscribe(ctx, k5)
	fast := b.Subscribe(ctx, k5)

	var fastSum int64
	first := <-fast
	if first.Likes != 0 || first.Total != 10 {
		t.Fatalf("first event = %+v; want likes 0, total 10", *first)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range fast {
			fastSum += int64(ev.Likes)
			if ev.Total == 1010 {
				return
			}
		}
	}()
	for i := 0; i < 1000; i++ {
		b.Publish(k5, 1) // must not block on the slow subscriber
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the fast subscriber did not get every like")
	}
	if fastSum != 1000 {
		t.Errorf("fast subscriber got %d likes; want 1000", fastSum)
	}

	// The slow one now reads: its events add up exactly.
	var events, sum int
	var start int
	for ev := range slow {
		if events == 0 {
			start = ev.Total - ev.Likes
		}
		events++
		sum += ev.Likes
		if ev.Total == 1010 {
			break
		}
	}
	if start+sum != 1010 {
		t.Errorf("slow subscriber: start %d + likes %d = %d; want 1010", start, sum, start+sum)
	}
	if events > 3 {
		t.Errorf("slow subscriber got %d events; want its backlog coalesced into at most 3", events)
	}
}

// TestSubscriptionEndsCleanly: cancelling subscriptions leaves no goroutine.
func TestSubscriptionEndsCleanly(t *testing.T) {
	b := like.NewBroker(nil)
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	for i := 0; i < 100; i++ {
		b.Subscribe(ctx, k5)
	}
	if got := b.Subscribers(); got != 100 {
		t.Errorf("Subscribers() = %d; want 100", got)
	}
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for (runtime.NumGoroutine() > before || b.Subscribers() > 0) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > before {
		t.Errorf("goroutines after cancelling 100 subscriptions: %d; want at most %d", got, before)
	}
	if got := b.Subscribers(); got != 0 {
		t.Errorf("Subscribers() after cancel = %d; want 0", got)
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := like.NewRateLimiter(10, 100, func() time.Time { return now })
	if !l.Allow("a", 100) {
		t.Fatal("a full bucket refused 100")
	}
	if l.Allow("a", 1) {
		t.Fatal("an empty bucket allowed 1")
	}
	if !l.Allow("b", 50) {
		t.Fatal("another client was limited by the first")
	}
	now = now.Add(time.Second)
	if !l.Allow("a", 10) || l.Allow("a", 1) {
		t.Error("after 1 s at 10/s: want exactly 10 allowed")
	}
}

// TestDurableAck: createLike answers after the like is stored, and the
// server's total includes it at once.
func TestDurableAck(t *testing.T) {
	store := mustOpenStore(t, "")
	s := mustOpenService(t, store, fastConfig("a"))
	if _, err := s.Create(context.Background(), k5, "client", 7); err != nil {
		t.Fatal(err)
	}
	rows, err := store.Count(context.Background(), k5)
	if err != nil {
		t.Fatal(err)
	}
	if rows != 7 || s.Total(k5) != 7 {
		t.Errorf("after a durable createLike of 7: rows %d, total %d; want 7 and 7", rows, s.Total(k5))
	}
}

// TestBufferFull: when the buffer holds its capacity, createLike answers
// UNAVAILABLE instead of growing, and what it accepted is still stored.
func TestBufferFull(t *testing.T) {
	store := &faultyStore{LikeStore: mustOpenStore(t, ""), block: make(chan struct{})}
	cfg := fastConfig("a")
	cfg.Ack = like.AckBuffered
	cfg.Buffer.Capacity = 250
	cfg.Buffer.BatchSize = 100
	s := mustOpenService(t, store, cfg)
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := s.Create(ctx, k5, "c", 100); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, err := s.Create(ctx, k5, "c", 100)
	if code := techconf.ErrorCode(err); code != techconf.EUNAVAILABLE {
		t.Fatalf("third request of 100 into a buffer of 250: error %v (code %s); want %s", err, code, techconf.EUNAVAILABLE)
	}
	if _, err := s.Create(ctx, k5, "c", 50); err != nil {
		t.Fatalf("a request that fits: %v", err)
	}
	store.set(func(f *faultyStore) { close(f.block); f.block = nil })
	waitFor(t, func() bool { return s.BufferDepth() == 0 })
	if rows, _ := store.Count(ctx, k5); rows != 250 {
		t.Errorf("stored %d; want the 250 accepted", rows)
	}
}

// TestOutage: while the store is down, likes are accepted up to the cap
// and retried; after it returns, every acknowledged like is stored once,
// including batches whose commit succeeded but reported failure.
func TestOutage(t *testing.T) {
	store := &faultyStore{LikeStore: mustOpenStore(t, "")}
	cfg := fastConfig("a")
	cfg.Ack = like.AckBuffered
	s := mustOpenService(t, store, cfg)
	ctx := context.Background()
	store.set(func(f *faultyStore) { f.down = true })
	acked := 0
	for i := 0; i < 30; i++ {
		if _, err := s.Create(ctx, k5, fmt.Sprint("c", i), 3); err == nil {
			acked += 3
		}
		time.Sleep(2 * time.Millisecond)
	}
	if acked != 90 {
		t.Fatalf("acknowledged %d during the outage; want 90", acked)
	}
	store.set(func(f *faultyStore) { f.down = false; f.ambiguous = 2 })
	waitFor(t, func() bool { return s.BufferDepth() == 0 })
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := store.Count(ctx, k5)
	if err != nil {
		t.Fatal(err)
	}
	if rows != int64(acked) || s.Total(k5) != int64(acked) {
		t.Errorf("after the outage: rows %d, total %d; want %d each", rows, s.Total(k5), acked)
	}
	if store.writes.Load() < 3 {
		t.Errorf("only %d write attempts; want retries", store.writes.Load())
	}
}

// TestCloseFlushes: Close stores everything held (SIGTERM loses nothing).
func TestCloseFlushes(t *testing.T) {
	store := mustOpenStore(t, "")
	cfg := fastConfig("a")
	cfg.Ack = like.AckBuffered
	cfg.Buffer.FlushInterval = time.Hour // only Close will flush
	s, err := like.Open(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, err := s.Create(context.Background(), k5, "c", 5); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if rows, _ := store.Count(context.Background(), k5); rows != 100 {
		t.Errorf("stored %d after Close; want 100", rows)
	}
	if _, err := s.Create(context.Background(), k5, "c", 1); techconf.ErrorCode(err) != techconf.EUNAVAILABLE {
		t.Errorf("createLike after Close: %v; want UNAVAILABLE", err)
	}
}

// TestCloseDeadline: if the store never comes back, Close gives up at its
// deadline and says how many likes were not stored.
func TestCloseDeadline(t *testing.T) {
	store := &faultyStore{LikeStore: mustOpenStore(t, ""), down: true}
	cfg := fastConfig("a")
	cfg.Ack = like.AckBuffered
	s, err := like.Open(context.Background(), store, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(context.Background(), k5, "c", 9); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = s.Close(ctx)
	if err == nil || techconf.ErrorMessage(err) != "9 likes were not stored before the shutdown deadline" {
		t.Errorf("Close = %v; want 9 likes reported lost", err)
	}
}

// TestExactAcrossServers: three services on one SQLite file, one with its
// clock 3 s off and one whose flushes are held back; subscribers on each.
// When the likes stop, every subscriber's start plus its increments equals
// its last total, equals every server's total, equals the stored rows.
func TestExactAcrossServers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	var services []*like.Service
	for i := 0; i < 3; i++ {
		cfg := fastConfig(fmt.Sprint("server-", i))
		var store like.Store = mustOpenStore(t, path)
		switch i {
		case 1:
			cfg.Now = func() time.Time { return time.Now().Add(-3 * time.Second) }
		case 2:
			store = storetest.Late(store, 500*time.Millisecond)
			cfg.Ack = like.AckBuffered
		}
		services = append(services, mustOpenService(t, store, cfg))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type tally struct {
		start, sum, last int
		events           int
	}
	tallies := make([]*tally, 6)
	var wg sync.WaitGroup
	for i := range tallies {
		tallies[i] = &tally{start: -1}
		ch, _ := services[i%3].Subscribe(ctx, k5)
		wg.Add(1)
		go func(tl *tally) {
			defer wg.Done()
			for ev := range ch {
				if tl.start < 0 {
					tl.start = ev.Total - ev.Likes
				}
				tl.sum += ev.Likes
				tl.last = ev.Total
				tl.events++
			}
		}(tallies[i])
	}
	acked := 0
	for i := 0; i < 300; i++ {
		n := 1 + i%4
		if _, err := services[i%3].Create(ctx, k5, fmt.Sprint("client-", i%11), n); err != nil {
			t.Fatal(err)
		}
		acked += n
	}
	// Wait until every server has observed every stored like.
	waitFor(t, func() bool {
		for _, s := range services {
			if s.Total(k5) != int64(acked) {
				return false
			}
		}
		return true
	})
	time.Sleep(50 * time.Millisecond) // let the last events reach the subscribers
	cancel()
	wg.Wait()
	rows, err := mustOpenStore(t, path).Count(context.Background(), k5)
	if err != nil {
		t.Fatal(err)
	}
	if rows != int64(acked) {
		t.Errorf("stored rows %d; want %d acknowledged", rows, acked)
	}
	for i, tl := range tallies {
		if tl.start+tl.sum != tl.last || tl.last != acked {
			t.Errorf("subscriber %d on server %d: start %d + likes %d = %d, last total %d; want all %d",
				i, i%3, tl.start, tl.sum, tl.start+tl.sum, tl.last, acked)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 20 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBatchingBrokerStartsExact: a subscriber that arrives while
// increments wait for the next interval starts from a total without them
// and receives them as increments, so it counts each like once.
func TestBatchingBrokerStartsExact(t *testing.T) {
	b := like.NewBatchingBroker(map[like.Key]int64{k5: 10}, 50*time.Millisecond)
	defer b.Close()
	b.Publish(k5, 5)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := b.Subscribe(ctx, k5)
	first := <-ch
	start, sum := first.Total-first.Likes, 0
	for ev := range ch {
		sum += ev.Likes
		if ev.Total == 15 {
			break
		}
	}
	if start+sum != 15 || b.Total(k5) != 15 {
		t.Errorf("start %d + likes %d = %d; want 15, the total", start, sum, start+sum)
	}
}

// TestRetryOnAnotherServer: a request whose answer was lost is retried with
// the same key on another server (and again on the first): it is stored
// once, every try returns the same likes, and a new key stores new likes.
// In buffered mode the retry may even be written before the first try.
func TestRetryOnAnotherServer(t *testing.T) {
	for _, ack := range []string{like.AckDurable, like.AckBuffered} {
		t.Run(ack, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "shared.db")
			var services []*like.Service
			for _, id := range []string{"a", "b"} {
				cfg := fastConfig(id)
				cfg.Ack = ack
				services = append(services, mustOpenService(t, mustOpenStore(t, path), cfg))
			}
			ctx := context.Background()
			first, err := services[0].CreateOnce(ctx, k5, "client", "burst-1", 7)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range []*like.Service{services[1], services[0], services[1]} {
				again, err := s.CreateOnce(ctx, k5, "client", "burst-1", 7)
				if err != nil {
					t.Fatal(err)
				}
				if fmt.Sprint(likeIDs(again)) != fmt.Sprint(likeIDs(first)) {
					t.Errorf("retry %d returned likes %v; want the first try's %v", i+1, likeIDs(again), likeIDs(first))
				}
			}
			if _, err := services[1].CreateOnce(ctx, k5, "client", "burst-2", 2); err != nil {
				t.Fatal(err)
			}
			if _, err := services[1].CreateOnce(ctx, k5, "other-client", "burst-1", 1); err != nil {
				t.Fatal(err)
			}
			const want = 7 + 2 + 1
			waitFor(t, func() bool { return services[0].BufferDepth() == 0 && services[1].BufferDepth() == 0 })
			waitFor(t, func() bool { return services[0].Total(k5) >= want && services[1].Total(k5) >= want })
			for _, s := range services {
				if err := s.Sync(ctx); err != nil {
					t.Fatal(err)
				}
			}
			rows, err := mustOpenStore(t, path).Count(ctx, k5)
			if err != nil {
				t.Fatal(err)
			}
			if rows != want || services[0].Total(k5) != want || services[1].Total(k5) != want {
				t.Errorf("rows %d, totals %d and %d; want %d each", rows, services[0].Total(k5), services[1].Total(k5), want)
			}
		})
	}
}

func likeIDs(likes []like.Like) []string {
	out := make([]string, len(likes))
	for i, l := range likes {
		out[i] = l.ID
	}
	return out
}

// TestLikeIDDistinct: derived ids differ with each of their parts, and do
// not let one part run into the next.
func TestLikeIDDistinct(t *testing.T) {
	seen := map[string]string{}
	for _, parts := range [][4]string{
		{"2018", "ab", "c", "0"}, {"2018", "a", "bc", "0"}, {"2018", "ab", "c", "1"},
		{"2017", "ab", "c", "0"}, {"2018", "ab", "c1", "0"}, {"2018", "ab", "c", "10"},
	} {
		var index int
		fmt.Sscan(parts[3], &index)
		id := like.LikeID(parts[0], parts[1], parts[2], index)
		if other, ok := seen[id]; ok {
			t.Errorf("LikeID%v = LikeID%v = %s; want distinct ids", parts, other, id)
		}
		seen[id] = fmt.Sprint(parts)
		if again := like.LikeID(parts[0], parts[1], parts[2], index); again != id {
			t.Errorf("LikeID%v is %s, then %s; want the same id each time", parts, id, again)
		}
	}
}

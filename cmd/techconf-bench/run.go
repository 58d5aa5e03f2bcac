package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/techconf/techconf/internal/gqlclient"
	"github.com/techconf/techconf/internal/liveclient"
)

// runConfig is what `techconf-bench run` is told to do.
type runConfig struct {
	Targets     []string // base URLs, e.g. http://127.0.0.1:8080
	Metrics     []string // where each target serves /metrics (its --admin-addr); default the targets
	Edition     string
	Session     int
	Rate        float64 // createLike requests per second, over all targets
	Conns       int
	Count       int // taps per createLike
	Duration    time.Duration
	Settle      time.Duration // how long to wait for the last events
	Subscribers int
	SubsPerConn int     // subscriptions per WebSocket connection
	Protocol    string  // graphql-transport-ws, graphql-ws, sse or mixed
	UUIDs       int     // distinct client UUIDs the likes come from; 0: a new one per request
	Keys        bool    // send a requestId (idempotency key) with each request
	RetryDrop   float64 // percent of answers dropped client-side, then retried with the same key
	run         string  // random per run, so that runs share no UUID or key
	Report      string
	Chart       string
	Workers     int // processes that hold the subscribers (see workers.go)
	worker      int // in a worker process: its index, from 1; 0 in the parent
}

// errUsage marks an error in the command line (exit status 2).
var errUsage = errors.New("usage")

// parseRunFlags reads run's flags. With -h or --help it writes the usage to
// help and returns flag.ErrHelp.
func parseRunFlags(args []string, help io.Writer) (*runConfig, error) {
	c, err := parseRunFlagsQuiet(args, help)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		err = fmt.Errorf("%w: %w", errUsage, err)
	}
	return c, err
}

func parseRunFlagsQuiet(args []string, help io.Writer) (*runConfig, error) {
	c := &runConfig{run: strconv.FormatInt(time.Now().UnixNano()%1e12, 36)}
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; the usage goes to help
	fs.Usage = func() {}
	targets := fs.String("targets", "http://127.0.0.1:8080", "comma-separated base URLs of the servers; likes and subscribers go to each in turn")
	metrics := fs.String("metrics", "", "comma-separated base URLs of each server's admin address (--admin-addr), where /metrics tells its memory; default: the targets")
	fs.StringVar(&c.Edition, "edition", "2018", "edition whose API to use")
	fs.IntVar(&c.Session, "session", 5, "session to like and to subscribe to")
	fs.Float64Var(&c.Rate, "rate", 200, "createLike requests per second, over all targets")
	fs.IntVar(&c.Conns, "conns", 64, "keep-alive connections that send createLike")
	fs.IntVar(&c.Count, "count", 1, "taps per createLike (1 to 100)")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long to send likes")
	fs.DurationVar(&c.Settle, "settle", 5*time.Second, "after sending, how long to wait for the last events")
	fs.IntVar(&c.Subscribers, "subscribers", 100, "likeAdded subscriptions to open")
	fs.IntVar(&c.SubsPerConn, "subs-per-conn", 1, "subscriptions per WebSocket connection (the server allows 20 by default); SSE streams hold one each")
	fs.StringVar(&c.Protocol, "protocol", "mixed", "graphql-transport-ws, graphql-ws, sse, or mixed (each in turn)")
	fs.IntVar(&c.UUIDs, "uuids", 0, "distinct client UUIDs to send likes from, in turn (the server rate-limits each); 0: a new UUID per request, as at a conference")
	fs.BoolVar(&c.Keys, "keys", true, "send a requestId (idempotency key) with each createLike, as the web page does; false for servers that predate it")
	fs.Float64Var(&c.RetryDrop, "retry-drop", 0, "percent of answers to drop after they arrive, then retry the request with the same key on the next target (needs --keys); the report counts likes stored twice")
	fs.IntVar(&c.Workers, "workers", 1, "processes that hold the subscribers, each within its own open-file limit (the tool re-executes itself); the likes are sent from this one")
	worker := fs.String("worker", "", "internal: set by --workers in the processes it starts (I/N)")
	fs.StringVar(&c.Report, "report", "bench-report.md", "where to write the Markdown report")
	fs.StringVar(&c.Chart, "chart", "bench-chart.svg", "where to draw throughput and latency over time")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(help, "usage: techconf-bench run [flags]\n\nSends createLike at --rate to every target in turn, with likeAdded subscribers,\nand reports throughput, errors, like-to-event latency, duplicates, and whether\nevery subscriber received exactly the accepted likes (exit 1 if not).\n\nFlags:")
			fs.SetOutput(help)
			fs.PrintDefaults()
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *worker != "" {
		var n int
		if _, err := fmt.Sscanf(*worker, "%d/%d", &c.worker, &n); err != nil || c.worker < 1 || c.worker > n || n != c.Workers {
			return nil, fmt.Errorf("--worker %q: want I/N with 1 <= I <= N = --workers", *worker)
		}
	}
	for _, t := range strings.Split(*targets, ",") {
		if t = strings.TrimRight(strings.TrimSpace(t), "/"); t != "" {
			c.Targets = append(c.Targets, t)
		}
	}
	for _, m := range strings.Split(*metrics, ",") {
		if m = strings.TrimRight(strings.TrimSpace(m), "/"); m != "" {
			c.Metrics = append(c.Metrics, m)
		}
	}
	if len(c.Metrics) == 0 {
		c.Metrics = c.Targets
	}
	switch {
	case len(c.Targets) == 0:
		return nil, errors.New("--targets: at least one server is needed")
	case len(c.Metrics) != len(c.Targets):
		return nil, fmt.Errorf("--metrics: %d URLs for %d targets; give one per target, in the same order", len(c.Metrics), len(c.Targets))
	case c.Rate <= 0 || c.Conns <= 0 || c.Duration <= 0:
		return nil, errors.New("--rate, --conns and --duration must be positive")
	case c.Count < 1 || c.Count > 100:
		return nil, errors.New("--count must be 1 to 100")
	case c.Subscribers < 0:
		return nil, errors.New("--subscribers must not be negative")
	case c.SubsPerConn < 1 || c.SubsPerConn > 1000:
		return nil, errors.New("--subs-per-conn must be 1 to 1000")
	case c.Workers < 1 || c.Workers > 64:
		return nil, errors.New("--workers must be 1 to 64")
	case c.UUIDs < 0:
		return nil, errors.New("--uuids must not be negative")
	case c.RetryDrop < 0 || c.RetryDrop >= 100:
		return nil, errors.New("--retry-drop must be a percentage from 0 to below 100")
	case c.RetryDrop > 0 && !c.Keys:
		return nil, errors.New("--retry-drop needs --keys: a retry without a key would store the likes twice")
	}
	switch c.Protocol {
	case "graphql-transport-ws", "graphql-ws", "sse", "mixed":
	default:
		return nil, fmt.Errorf("--protocol %q: want graphql-transport-ws, graphql-ws, sse or mixed", c.Protocol)
	}
	return c, nil
}

// histogram counts latencies in 1 ms buckets up to 10 s.
type histogram struct {
	mu      sync.Mutex
	buckets [10001]int64
	n       int64
}

func (h *histogram) add(d time.Duration, n int64) {
	ms := min(int(d/time.Millisecond), len(h.buckets)-1)
	ms = max(ms, 0)
	h.mu.Lock()
	h.buckets[ms] += n
	h.n += n
	h.mu.Unlock()
}

func (h *histogram) percentile(p float64) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == 0 {
		return 0
	}
	want := int64(float64(h.n)*p/100 + 0.5)
	var seen int64
	for ms, c := range h.buckets {
		seen += c
		if seen >= max(want, 1) {
			return time.Duration(ms) * time.Millisecond
		}
	}
	return time.Duration(len(h.buckets)-1) * time.Millisecond
}

// second is one second of the run, for the progress line and the chart.
type second struct {
	sent, accepted, failed int64
	latency                histogram
}

type bench struct {
	cfg   *runConfig
	start time.Time

	sentMu    sync.Mutex
	sendTimes []time.Time // the send time of each like, in send order

	sent, accepted atomic.Int64
	dropped        atomic.Int64 // answers dropped on purpose (--retry-drop), each then retried
	retried        atomic.Int64 // requests retried after a network error
	errMu          sync.Mutex
	errorsByKind   map[string]int64

	subs    []*sub
	conns   int          // subscriber connections opened
	connsUp atomic.Int64 // of which a subscription started
	selfMem float64      // this process's memory with every subscriber open
	latency histogram
	ack     histogram // createLike send to answer (the server's commit)
	// workersCPU is the CPU seconds the workers used while the likes
	// were sent.
	workersCPU float64
	// events are the timed subscribers' events (a worker's go to its
	// parent), for the spread of one event's arrivals.
	eventsMu sync.Mutex
	events   []timedEvent
	secondMu sync.Mutex
	seconds  []*second
}

type sub struct {
	protocol          string
	timed             bool  // its events are matched to send times (see latencySample)
	start, last       int64 // totals: the first event's start, the last event's total
	got               int64 // sum of likes received
	events            int64
	connected, failed atomic.Bool
	mu                sync.Mutex
}

func (b *bench) at(t time.Time) *second {
	i := int(t.Sub(b.start) / time.Second)
	b.secondMu.Lock()
	defer b.secondMu.Unlock()
	for len(b.seconds) <= i {
		b.seconds = append(b.seconds, &second{})
	}
	return b.seconds[max(i, 0)]
}

func (b *bench) fail(kind string) {
	b.errMu.Lock()
	b.errorsByKind[kind]++
	b.errMu.Unlock()
}

// runBench runs `techconf-bench run` and prints the report to stdout.
func runBench(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseRunFlags(args, stdout)
	if err != nil {
		return err
	}
	b := &bench{cfg: cfg, errorsByKind: map[string]int64{}}
	if cfg.worker > 0 {
		return b.runWorker(ctx, os.Stdin, stdout)
	}
	memBefore := serverMemory(cfg.Metrics)
	likedBefore := sessionLiked(cfg.Targets[0], cfg.Edition, cfg.Session)

	// Subscribers first, so that they see every like.
	subCtx, stopSubs := context.WithCancel(ctx)
	defer stopSubs()
	var pool *workerPool
	if cfg.Workers > 1 {
		fmt.Fprintf(os.Stderr, "opening %d subscribers in %d worker processes...\n", cfg.Subscribers, cfg.Workers)
		if pool, err = startWorkers(ctx, args, cfg.Workers); err != nil {
			return err
		}
		defer pool.kill()
		b.conns, b.selfMem = pool.conns, pool.selfMem
		b.connsUp.Store(int64(pool.connsUp))
		fmt.Fprintf(os.Stderr, "%d of %d subscribers connected\n", pool.connected, cfg.Subscribers)
		time.Sleep(2 * time.Second) // let the server's garbage collector settle before reading its memory
	} else {
		fmt.Fprintf(os.Stderr, "opening %d subscribers...\n", cfg.Subscribers)
		connected := b.openSubscribers(subCtx, 0, cfg.Subscribers)
		fmt.Fprintf(os.Stderr, "%d of %d subscribers connected\n", connected, cfg.Subscribers)
		time.Sleep(2 * time.Second) // let the server's garbage collector settle before reading its memory
		b.selfMem = selfMemory()
	}
	memSubs := serverMemory(cfg.Metrics)

	// Then likes at the target rate over keep-alive connections.
	b.start = time.Now()
	serverCPU, toolCPU := serverMetric(cfg.Metrics, "process_cpu_seconds_total"), selfCPU()
	transport := &http.Transport{MaxIdleConnsPerHost: cfg.Conns, MaxConnsPerHost: cfg.Conns, IdleConnTimeout: time.Minute}
	client := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	tokens := make(chan struct{}, cfg.Conns)
	sendCtx, stopSend := context.WithTimeout(ctx, cfg.Duration)
	defer stopSend()
	var workers sync.WaitGroup
	var seq atomic.Int64
	for w := 0; w < cfg.Conns; w++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for range tokens {
				n := seq.Add(1)
				b.sendLike(client, int(n))
			}
		}()
	}
	go b.progress(sendCtx)
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	next := time.Now()
send:
	for {
		select {
		case <-sendCtx.Done():
			break send
		default:
		}
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		next = next.Add(interval)
		select {
		case tokens <- struct{}{}:
		default:
			b.fail("generator behind (all connections busy)")
		}
	}
	close(tokens)
	workers.Wait()
	sendTook := time.Since(b.start)
	for i, c := range serverMetric(cfg.Metrics, "process_cpu_seconds_total") {
		serverCPU[i] = (c - serverCPU[i]) / sendTook.Seconds()
	}
	toolCPU = (selfCPU() - toolCPU) / sendTook.Seconds()
	fmt.Fprintf(os.Stderr, "sent %d likes; waiting %s for the last events...\n", b.sent.Load()*int64(cfg.Count), cfg.Settle)
	if pool != nil {
		if err := pool.finish(b); err != nil {
			return err
		}
	} else {
		b.waitDelivered(ctx, cfg.Settle)
	}
	memEnd := serverMemory(cfg.Metrics)
	stopSubs()
	if pool != nil {
		pool.exit()
	}
	stored := b.waitStored(ctx, likedBefore, cfg.Settle)

	r := b.result(sendTook, memBefore, memSubs, memEnd)
	r.stored, r.dropped, r.retried = stored, b.dropped.Load(), b.retried.Load()
	r.serverCores, r.toolCores = serverCPU, toolCPU+b.workersCPU/sendTook.Seconds()
	if err := os.WriteFile(cfg.Report, []byte(r.markdown(cfg)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(cfg.Chart, b.chart(), 0o644); err != nil {
		return err
	}
	fmt.Fprint(stdout, r.markdown(cfg))
	fmt.Fprintf(os.Stderr, "report: %s, chart: %s\n", cfg.Report, cfg.Chart)
	if !r.exact {
		return errors.New("some subscriber did not receive exactly the likes that were accepted")
	}
	if cfg.RetryDrop > 0 && r.stored != r.accepted {
		return fmt.Errorf("the servers stored %d likes for %d accepted: %d duplicates", r.stored, r.accepted, r.stored-r.accepted)
	}
	return nil
}

// openSubscribers opens the subscribers of index from to to (of
// cfg.Subscribers), waits until each has had its first event or a minute
// has passed, and returns how many did.
func (b *bench) openSubscribers(ctx context.Context, from, to int) int {
	cfg := b.cfg
	var subsUp sync.WaitGroup
	protocols := []string{"graphql-transport-ws", "graphql-ws", "sse"}
	conns := 0
	stride := max(1, cfg.Subscribers/latencySample)
	for i := from; i < to; conns++ {
		p := cfg.Protocol
		if p == "mixed" {
			p = protocols[conns%len(protocols)]
		}
		n := 1
		if p != "sse" {
			n = min(cfg.SubsPerConn, to-i)
		}
		var group []*sub
		for j := 0; j < n; j++ {
			s := &sub{protocol: p, start: -1, timed: (i+j)%stride == 0}
			b.subs = append(b.subs, s)
			group = append(group, s)
		}
		i += n
		subsUp.Add(1)
		go b.subscribe(ctx, group, cfg.Targets[conns%len(cfg.Targets)], &subsUp)
		if conns%200 == 199 {
			// Do not flood the accept queue: 4,000 connections a second
			// over all the workers, which open theirs at the same time.
			time.Sleep(time.Duration(cfg.Workers) * 50 * time.Millisecond)
		}
	}
	b.conns = conns
	waitDone(&subsUp, 60*time.Second)
	connected := 0
	for _, s := range b.subs {
		if s.connected.Load() {
			connected++
		}
	}
	return connected
}

// waitStored waits until the first target's Session.liked has grown by
// the accepted likes (or settle has passed) and returns by how much it
// grew: more than accepted means likes stored twice; -1 if unknown.
func (b *bench) waitStored(ctx context.Context, before int64, settle time.Duration) int64 {
	if before < 0 {
		return -1
	}
	deadline := time.Now().Add(settle)
	for {
		now := sessionLiked(b.cfg.Targets[0], b.cfg.Edition, b.cfg.Session)
		if now < 0 {
			return -1
		}
		if now-before >= b.accepted.Load() || time.Now().After(deadline) || ctx.Err() != nil {
			time.Sleep(200 * time.Millisecond) // a duplicate would arrive with the same commits
			return sessionLiked(b.cfg.Targets[0], b.cfg.Edition, b.cfg.Session) - before
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitDone(wg *sync.WaitGroup, limit time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
	}
}

// maxAttempts bounds the tries of one request when answers are dropped or
// the network fails.
const maxAttempts = 10

func (b *bench) sendLike(client *http.Client, n int) {
	cfg := b.cfg
	uuid := fmt.Sprintf("bench-%s-%d", cfg.run, n)
	if cfg.UUIDs > 0 {
		uuid = fmt.Sprintf("bench-%s-u%d", cfg.run, n%cfg.UUIDs)
	}
	input := map[string]any{"uuid": uuid, "sessionId": cfg.Session, "count": cfg.Count}
	if cfg.Keys {
		input["requestId"] = fmt.Sprintf("r%s-%d", cfg.run, n)
	}
	body, _ := json.Marshal(map[string]any{
		"query":     "mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }",
		"variables": map[string]any{"input": input},
	})
	now := time.Now()
	b.sentMu.Lock()
	for i := 0; i < cfg.Count; i++ {
		b.sendTimes = append(b.sendTimes, now)
	}
	b.sentMu.Unlock()
	b.sent.Add(1)
	b.at(now).sentInc()
	for attempt := 0; ; attempt++ {
		target := cfg.Targets[(n+attempt)%len(cfg.Targets)]
		count, kind := b.post(client, target, body)
		last := attempt+1 >= maxAttempts
		switch {
		case kind == "" && !last && cfg.RetryDrop > 0 && rand.Float64()*100 < cfg.RetryDrop:
			b.dropped.Add(1) // the answer is lost: retry with the same key
			continue
		case kind == "":
			b.ack.add(time.Since(now), 1)
			b.accepted.Add(int64(count))
			b.at(time.Now()).acceptInc(int64(count))
			return
		case strings.HasPrefix(kind, "network") && cfg.Keys && !last:
			b.retried.Add(1) // the answer may be lost: retry with the same key
			continue
		}
		b.fail(kind)
		b.at(time.Now()).failInc()
		return
	}
}

// post sends one createLike and returns the likes it acknowledged, or the
// kind of its failure.
func (b *bench) post(client *http.Client, target string, body []byte) (int, string) {
	c := gqlclient.Client{Endpoint: target + "/" + b.cfg.Edition + "/api/query", HTTP: client}
	r, err := c.Post(context.Background(), "application/json", body)
	if err != nil {
		if be := (*gqlclient.BodyError)(nil); errors.As(err, &be) {
			return 0, fmt.Sprintf("HTTP %d, not JSON", be.Status)
		}
		return 0, "network: " + shortError(err)
	}
	var data struct {
		CreateLike *struct{ Count int }
	}
	if err := r.Decode(&data); err != nil || data.CreateLike == nil {
		kind := "no data"
		if len(r.Errors) > 0 {
			if kind = r.Code(); kind == "" {
				kind = r.Errors[0].Message
			}
		}
		return 0, "GraphQL " + kind
	}
	return data.CreateLike.Count, ""
}

// sessionLiked reads the session's stored total (Session.liked) from a
// server; -1 if it cannot.
func sessionLiked(target, edition string, session int) int64 {
	n, err := gqlclient.New(target, edition).Liked(context.Background(), session)
	if err != nil {
		return -1
	}
	return n
}

func (s *second) sentInc() { atomic.AddInt64(&s.sent, 1) }
func (s *second) failInc() { atomic.AddInt64(&s.failed, 1) }
func (s *second) acceptInc(n int64) {
	atomic.AddInt64(&s.accepted, n)
}

func shortError(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// latencySample is how many subscribers, spread over all, have their
// latency measured: matching every like of every event to its send time
// costs the tool more than the server spends on the event, and 2,000 give
// the same percentiles as 100,000.
const latencySample = 2000

// onEvent records an event: the likes it brings are matched, in order, to
// the send times of the likes the bench sent, for the like-to-event latency.
func (b *bench) onEvent(s *sub, likes, total int64) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.start < 0 {
		s.start = total - likes
		s.last = s.start
	}
	from, to := s.last-s.start, total-s.start // ranks of the likes this event covers
	s.got += likes
	s.last = total
	s.events++
	if !s.timed {
		return
	}
	b.eventsMu.Lock()
	b.events = append(b.events, timedEvent{From: from, To: to, Total: total, At: now.UnixNano()})
	b.eventsMu.Unlock()
	if b.cfg.worker > 0 { // the parent knows the send times
		return
	}
	b.sentMu.Lock()
	for r := from; r < to && int(r) < len(b.sendTimes); r++ {
		d := now.Sub(b.sendTimes[r])
		b.latency.add(d, 1)
		if !b.start.IsZero() {
			b.at(b.sendTimes[r]).latency.add(d, 1)
		}
	}
	b.sentMu.Unlock()
}

func (b *bench) subscribe(ctx context.Context, group []*sub, target string, up *sync.WaitGroup) {
	s := group[0]
	var once sync.Once
	ready := func() { once.Do(up.Done) }
	defer ready()
	query := fmt.Sprintf("subscription { likeAdded(sessionId: %d) { likes total } }", b.cfg.Session)
	url := target + "/" + b.cfg.Edition + "/api/query"
	if s.protocol == "sse" {
		stream, err := retryDial(ctx, func() (*liveclient.SSE, error) {
			return liveclient.DialSSE(ctx, url, []byte(`{"query":"`+query+`"}`))
		})
		if err != nil {
			s.failed.Store(true)
			b.fail("subscribe: " + shortError(err))
			return
		}
		defer stream.Close()
		context.AfterFunc(ctx, func() { stream.Close() })
		for {
			ev, err := stream.Next()
			if err != nil {
				return
			}
			likes, total, ok := liveclient.ParseSSE(ev.Data)
			if ev.Type != "next" || !ok {
				continue
			}
			b.onEvent(s, likes, total)
			if !s.connected.Swap(true) {
				b.connsUp.Add(1)
			}
			ready()
		}
	}
	conn, err := retryDial(ctx, func() (*liveclient.WS, error) { return liveclient.DialWS(ctx, url, s.protocol) })
	if err != nil {
		for _, s := range group {
			s.failed.Store(true)
		}
		b.fail("subscribe: " + shortError(err))
		return
	}
	defer conn.Close()
	context.AfterFunc(ctx, func() { conn.Close() })
	start := "subscribe"
	if s.protocol == "graphql-ws" {
		start = "start"
	}
	if err := conn.WriteJSON(map[string]any{"type": "connection_init"}); err != nil {
		s.failed.Store(true)
		return
	}
	for i := range group {
		if err := conn.WriteJSON(map[string]any{"id": strconv.Itoa(i), "type": start, "payload": map[string]any{"query": query}}); err != nil {
			s.failed.Store(true)
			return
		}
	}
	seen := 0
	for {
		data, err := conn.Read()
		if err != nil {
			return
		}
		m, ok := liveclient.ParseWS(data)
		if !ok {
			continue
		}
		switch m.Type {
		case "next", "data":
			i, err := strconv.Atoi(m.ID)
			if err != nil || i < 0 || i >= len(group) {
				continue
			}
			s := group[i]
			b.onEvent(s, m.Likes, m.Total)
			if !s.connected.Swap(true) {
				if seen++; seen == 1 {
					b.connsUp.Add(1)
				}
				if seen == len(group) {
					ready()
				}
			}
		case "ping":
			_ = conn.WriteJSON(map[string]string{"type": "pong"})
		}
	}
}

// retryDial tries a subscriber's connection up to three times when it
// times out: a server whose accept queue overflowed while thousands
// connect drops the connection attempt, and the subscriber would be
// missing from the whole run.
func retryDial[T any](ctx context.Context, dial func() (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		c, err := dial()
		var ne net.Error
		if err == nil || attempt == 3 || ctx.Err() != nil || !errors.As(err, &ne) || !ne.Timeout() {
			return c, err
		}
		time.Sleep(time.Duration(attempt) * time.Second)
	}
}

// waitDelivered waits until every connected subscriber has received every
// accepted like, or until settle has passed.
func (b *bench) waitDelivered(ctx context.Context, settle time.Duration) {
	deadline := time.Now().Add(settle)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		all := true
		for _, s := range b.subs {
			s.mu.Lock()
			behind := s.connected.Load() && s.got < b.accepted.Load()
			s.mu.Unlock()
			if behind {
				all = false
				break
			}
		}
		if all {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *bench) progress(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b.errMu.Lock()
		var errs int64
		for _, n := range b.errorsByKind {
			errs += n
		}
		b.errMu.Unlock()
		fmt.Fprintf(os.Stderr, "%5.0fs  sent %7d  accepted %7d  errors %5d  latency p50 %4dms p99 %4dms\n",
			time.Since(b.start).Seconds(), b.sent.Load(), b.accepted.Load(), errs,
			b.latency.percentile(50).Milliseconds(), b.latency.percentile(99).Milliseconds())
	}
}

// serverMemory reads each server's resident memory from /metrics at its
// admin address; 0 where it cannot.
func serverMemory(targets []string) []float64 {
	return serverMetric(targets, "process_resident_memory_bytes")
}

// serverMetric reads an unlabelled metric of each server from /metrics
// at its admin address; 0 where it cannot.
func serverMetric(targets []string, name string) []float64 {
	out := make([]float64, len(targets))
	for i, t := range targets {
		resp, err := http.Get(t + "/metrics")
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				out[i], _ = strconv.ParseFloat(strings.TrimSpace(v), 64)
			}
		}
	}
	return out
}

type result struct {
	took                    time.Duration
	sent, accepted          int64
	errors                  map[string]int64
	p50, p95, p99           time.Duration
	connected, failedSubs   int
	minRatio, maxRatio      float64
	exact                   bool
	memBefore, memSubs, end []float64
	protocols               map[string]int
	stored                  int64 // growth of Session.liked; -1 if unknown
	dropped, retried        int64
	conns                   int     // subscriber connections with a subscription started
	selfMem                 float64 // the bench's own memory with its subscribers open
	ack50, ack99            time.Duration
	spread50, spread99      time.Duration
	serverCores             []float64 // CPU used while the likes were sent, per server
	toolCores               float64   // the same for this process and its workers
}

func (b *bench) result(took time.Duration, memBefore, memSubs, memEnd []float64) result {
	r := result{took: took, sent: b.sent.Load() * int64(b.cfg.Count), accepted: b.accepted.Load(), errors: b.errorsByKind,
		p50: b.latency.percentile(50), p95: b.latency.percentile(95), p99: b.latency.percentile(99),
		minRatio: 1, maxRatio: 1, exact: true, stored: -1, memBefore: memBefore, memSubs: memSubs, end: memEnd, protocols: map[string]int{},
		conns: int(b.connsUp.Load()), selfMem: b.selfMem,
		ack50: b.ack.percentile(50), ack99: b.ack.percentile(99)}
	r.spread50, r.spread99 = b.spread()
	first := true
	for _, s := range b.subs {
		if !s.connected.Load() {
			r.failedSubs++
			continue
		}
		r.connected++
		r.protocols[s.protocol]++
		s.mu.Lock()
		ratio := 1.0
		if r.accepted > 0 {
			ratio = float64(s.got) / float64(r.accepted)
		}
		consistent := s.start+s.got == s.last
		s.mu.Unlock()
		if first {
			r.minRatio, r.maxRatio, first = ratio, ratio, false
		}
		r.minRatio, r.maxRatio = min(r.minRatio, ratio), max(r.maxRatio, ratio)
		if ratio != 1 || !consistent {
			r.exact = false
		}
	}
	return r
}

// spread is how long one event took to reach every timed subscriber:
// per total fanned out, from its first arrival to its last (percentiles
// over the events). Subscribers that were behind and coalesced are
// among the last.
func (b *bench) spread() (p50, p99 time.Duration) {
	b.eventsMu.Lock()
	defer b.eventsMu.Unlock()
	first, last := map[int64]int64{}, map[int64]int64{}
	for _, ev := range b.events {
		if ev.To == ev.From {
			continue // the starting event
		}
		if f, ok := first[ev.Total]; !ok || ev.At < f {
			first[ev.Total] = ev.At
		}
		last[ev.Total] = max(last[ev.Total], ev.At)
	}
	var h histogram
	for t, f := range first {
		h.add(time.Duration(last[t]-f), 1)
	}
	return h.percentile(50), h.percentile(99)
}

func (r result) markdown(cfg *runConfig) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# techconf-bench report\n\n")
	fmt.Fprintf(&b, "| setting | value |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| servers | %s |\n| session | %s/%d |\n| target rate | %.0f createLike/s × %d taps over %d connections |\n| duration | %s |\n| subscribers | %d (%s), %d per connection, in %d process(es) |\n\n",
		strings.Join(cfg.Targets, ", "), cfg.Edition, cfg.Session, cfg.Rate, cfg.Count, cfg.Conns, cfg.Duration, cfg.Subscribers, cfg.Protocol, cfg.SubsPerConn, cfg.Workers)
	fmt.Fprintf(&b, "| result | value |\n| --- | --- |\n")
	fmt.Fprintf(&b, "| likes sent | %d |\n| likes accepted | %d (%.0f/s) |\n", r.sent, r.accepted, float64(r.accepted)/r.took.Seconds())
	if r.stored >= 0 {
		fmt.Fprintf(&b, "| likes stored (growth of Session.liked) | %d: %d duplicates |\n", r.stored, r.stored-r.accepted)
	}
	if cfg.RetryDrop > 0 || r.retried > 0 {
		fmt.Fprintf(&b, "| answers dropped (--retry-drop %.1f %%), then retried with the same key | %d |\n| requests retried after a network error | %d |\n", cfg.RetryDrop, r.dropped, r.retried)
	}
	fmt.Fprintf(&b, "| like-to-event latency | p50 %s, p95 %s, p99 %s |\n", r.p50, r.p95, r.p99)
	fmt.Fprintf(&b, "| of which: createLike answered (commit) | p50 %s, p99 %s |\n", r.ack50, r.ack99)
	fmt.Fprintf(&b, "| of which: one event's arrivals, first to last timed subscriber (fan-out and the tool's reading) | p50 %s, p99 %s |\n", r.spread50, r.spread99)
	fmt.Fprintf(&b, "| subscribers connected | %d of %d %v |\n", r.connected, r.connected+r.failedSubs, r.protocols)
	fmt.Fprintf(&b, "| delivered / accepted, per subscriber | min %.4f, max %.4f (exactly 1: %v) |\n", r.minRatio, r.maxRatio, r.exact)
	if len(r.serverCores) > 0 {
		var cores []string
		for i, c := range r.serverCores {
			cores = append(cores, fmt.Sprintf("server %d %.2f", i+1, c))
		}
		fmt.Fprintf(&b, "| CPU used while the likes were sent, in cores (a process near 1.0 on its one core is the bottleneck) | %s; techconf-bench %.2f |\n", strings.Join(cores, ", "), r.toolCores)
	}
	for i := range r.memBefore {
		if r.memBefore[i] > 0 {
			fmt.Fprintf(&b, "| server %d memory (RSS) | %.0f MB before, %.0f MB with subscribers, %.0f MB at the end |\n",
				i+1, r.memBefore[i]/1e6, r.memSubs[i]/1e6, r.end[i]/1e6)
		}
	}
	if r.selfMem > 0 {
		fmt.Fprintf(&b, "| techconf-bench memory (RSS) with its subscribers | %.0f MB |\n", r.selfMem/1e6)
	}
	b.WriteString(r.sizing(cfg))
	if len(r.errors) > 0 {
		kinds := make([]string, 0, len(r.errors))
		for k := range r.errors {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprintf(&b, "\n| error | count |\n| --- | --- |\n")
		for _, k := range kinds {
			fmt.Fprintf(&b, "| %s | %d |\n", k, r.errors[k])
		}
	}
	fmt.Fprintf(&b, "\nChart: %s\n", cfg.Chart)
	return b.String()
}

// chart draws accepted likes per second and the p99 latency of the likes
// sent in each second, as an SVG.
func (b *bench) chart() []byte {
	const w, h, pad = 720, 360, 50
	b.secondMu.Lock()
	secs := b.seconds
	b.secondMu.Unlock()
	var maxRate, maxLat float64 = 1, 1
	for _, s := range secs {
		maxRate = max(maxRate, float64(s.accepted))
		maxLat = max(maxLat, float64(s.latency.percentile(99).Milliseconds()))
	}
	x := func(i int) float64 { return pad + float64(i)*float64(w-2*pad)/float64(max(len(secs)-1, 1)) }
	var rate, lat strings.Builder
	for i, s := range secs {
		fmt.Fprintf(&rate, "%.1f,%.1f ", x(i), float64(h/2-10)-float64(s.accepted)/maxRate*float64(h/2-pad))
		fmt.Fprintf(&lat, "%.1f,%.1f ", x(i), float64(h-pad)-float64(s.latency.percentile(99).Milliseconds())/maxLat*float64(h/2-pad))
	}
	var out strings.Builder
	fmt.Fprintf(&out, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`, w, h)
	fmt.Fprintf(&out, `<rect width="%d" height="%d" fill="#fff"/>`, w, h)
	fmt.Fprintf(&out, `<text x="%d" y="20">accepted likes per second (max %.0f)</text>`, pad, maxRate)
	fmt.Fprintf(&out, `<polyline fill="none" stroke="#0b5cad" stroke-width="2" points="%s"/>`, rate.String())
	fmt.Fprintf(&out, `<text x="%d" y="%d">like-to-event latency p99, ms (max %.0f)</text>`, pad, h/2+15, maxLat)
	fmt.Fprintf(&out, `<polyline fill="none" stroke="#b0173a" stroke-width="2" points="%s"/>`, lat.String())
	fmt.Fprintf(&out, `<text x="%d" y="%d">seconds since the start: 0 to %d</text>`, pad, h-10, len(secs))
	out.WriteString(`</svg>`)
	return []byte(out.String())
}

// sizing is the table of issue 14: memory per connection and per
// subscription (the servers' RSS growth while the subscribers opened,
// over what each server holds), latency and exactness, and what one
// server holds in 2 GiB at that cost.
func (r result) sizing(cfg *runConfig) string {
	var delta float64
	servers := 0
	for i := range r.memBefore {
		if r.memBefore[i] > 0 && r.memSubs[i] > 0 {
			delta += r.memSubs[i] - r.memBefore[i]
			servers++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| figure | measured |\n| --- | --- |\n")
	if servers > 0 && r.conns > 0 && r.connected > 0 {
		perConn := delta / float64(servers) / (float64(r.conns) / float64(len(cfg.Targets)))
		perSub := delta / float64(servers) / (float64(r.connected) / float64(len(cfg.Targets)))
		fmt.Fprintf(&b, "| server memory per open subscriber connection (RSS delta / connections), %s, at %d connections | %.1f KB |\n", cfg.Protocol, r.conns, perConn/1024)
		fmt.Fprintf(&b, "| server memory per subscription (%d per connection) | %.1f KB |\n", cfg.SubsPerConn, perSub/1024)
		fmt.Fprintf(&b, "| connections per server at 2 GiB, by the measured per-connection cost | %.0f |\n", float64(2<<30)/perConn)
	}
	fmt.Fprintf(&b, "| like→event p99 at %d subscriptions over %d connections, %.0f likes/s, every like delivered exactly | %s (exact: %v) |\n",
		r.connected, r.conns, cfg.Rate*float64(cfg.Count), r.p99, r.exact)
	return b.String()
}

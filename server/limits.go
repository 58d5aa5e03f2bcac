package server

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/graphql"
)

// Limits bound what clients can hold on one process. Zero values take the
// defaults of DefaultLimits.
type Limits struct {
	// MaxConns is the most TCP connections the process holds; the next one
	// gets a 503 and is closed at once.
	MaxConns int
	// MaxConnsPerAddr is the most TCP connections from one peer address
	// that is not a trusted proxy.
	MaxConnsPerAddr int
	// MaxStreams and MaxStreamsPerClient bound the long-lived requests
	// (WebSockets and Server-Sent Events) of the process and of one client
	// address (after --trusted-proxies).
	MaxStreams          int
	MaxStreamsPerClient int
	// RequestTimeout is the deadline of every request that is not a
	// stream: its resolvers stop when it passes or the client leaves.
	RequestTimeout time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For names the client.
	TrustedProxies []netip.Prefix
}

// DefaultLimits are sized for a conference of a few thousand attendees,
// a thousand of them behind one venue NAT address (docs/operations.md,
// "Limits").
var DefaultLimits = Limits{
	MaxConns:            20000,
	MaxConnsPerAddr:     2000,
	MaxStreams:          15000,
	MaxStreamsPerClient: 1500,
	RequestTimeout:      10 * time.Second,
}

func (l *Limits) defaults() {
	d := DefaultLimits
	if l.MaxConns == 0 {
		l.MaxConns = d.MaxConns
	}
	if l.MaxConnsPerAddr == 0 {
		l.MaxConnsPerAddr = d.MaxConnsPerAddr
	}
	if l.MaxStreams == 0 {
		l.MaxStreams = d.MaxStreams
	}
	if l.MaxStreamsPerClient == 0 {
		l.MaxStreamsPerClient = d.MaxStreamsPerClient
	}
	if l.RequestTimeout == 0 {
		l.RequestTimeout = d.RequestTimeout
	}
}

// counter counts holders in total and per key, under one lock: both
// limits are checked and taken together.
type counter struct {
	mu     sync.Mutex
	total  int
	perKey map[string]int
}

func (c *counter) acquire(key string, max, maxPerKey int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total >= max || c.perKey[key] >= maxPerKey {
		return false
	}
	if c.perKey == nil {
		c.perKey = map[string]int{}
	}
	c.total++
	c.perKey[key]++
	return true
}

func (c *counter) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total--
	if c.perKey[key]--; c.perKey[key] <= 0 {
		delete(c.perKey, key) // the map holds active clients only
	}
}

// isStream reports whether r is a long-lived request: a WebSocket or an
// SSE subscription.
func isStream(r *http.Request) bool {
	// Any Upgrade counts: the WebSocket library accepts "websocket" among
	// other tokens, so a stricter test here would let such sockets past
	// the stream caps.
	return r.Header.Get("Upgrade") != "" ||
		strings.Contains(r.Header.Get("Accept"), "text/event-stream")
}

// overloaded answers a request refused by a limit: 503 with Retry-After,
// which clients and load balancers take as "try again", and the GraphQL
// error shape so that API clients parse it like any other.
func overloaded(w http.ResponseWriter, message string) {
	w.Header().Set("Retry-After", "5")
	graphql.WriteError(w, "", techconf.Errorf(techconf.EUNAVAILABLE, "%s", message))
}

// LimitListener wraps ln so that the process holds at most MaxConns
// connections and MaxConnsPerAddr from one untrusted peer. A connection
// over a limit is answered with a minimal 503 and closed at once: the
// client learns to retry rather than hang in a backlog, and the process
// spends no file descriptor on it beyond that moment.
func LimitListener(ln net.Listener, l Limits, logger *slog.Logger) net.Listener {
	l.defaults()
	return &limitListener{Listener: ln, limits: l, logger: logger}
}

type limitListener struct {
	net.Listener
	limits Limits
	logger *slog.Logger
	conns  counter
	warned sync.Once
}

func (ln *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		peer := peerAddr(c.RemoteAddr().String())
		key := addrKey(peer)
		max := ln.limits.MaxConnsPerAddr
		if isTrusted(peer, ln.limits.TrustedProxies) {
			max = ln.limits.MaxConns // a proxy carries many clients
		}
		if !ln.conns.acquire(key, ln.limits.MaxConns, max) {
			ln.warned.Do(func() {
				ln.logger.Warn("connection limit reached; refusing connections with 503", "max_conns", ln.limits.MaxConns, "max_conns_per_addr", ln.limits.MaxConnsPerAddr)
			})
			go refuse(c)
			continue
		}
		return &limitedConn{Conn: c, release: func() { ln.conns.release(key) }}, nil
	}
}

// refuse answers an HTTP/1.1 client that it is over a limit, briefly: a
// client that does not read gets nothing more than a closed socket.
func refuse(c net.Conn) {
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write(refusal)
}

var refusal = func() []byte {
	const body = "too many connections; retry in a few seconds\n"
	return []byte("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}()

type limitedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// NetConn returns the connection underneath, as tls.Conn does, so that a
// hijacking handler can reach its file descriptor for non-blocking writes;
// it must still close c, not the connection returned.
func (c *limitedConn) NetConn() net.Conn { return c.Conn }

func (c *limitedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// errStreamLimit is why a stream was refused, for the log.
var errStreamLimit = errors.New("stream limit reached")

// limitRequest applies the per-request limits: streams are counted per
// process and per client.
func (s *Server) limitRequest(r *http.Request) (*http.Request, func(), error) {
	client, proxied := clientAddr(r, s.cfg.Limits.TrustedProxies)
	ctx := techconf.WithClient(r.Context(), client, proxied)
	if isStream(r) {
		if !s.streams.acquire(client, s.cfg.Limits.MaxStreams, s.cfg.Limits.MaxStreamsPerClient) {
			return r, func() {}, errStreamLimit
		}
		// A handler that hijacks the connection keeps the slot until the
		// stream ends (techconf.KeepStreamSlot).
		ctx, release := techconf.WithStreamSlot(ctx, func() { s.streams.release(client) })
		return r.WithContext(ctx), release, nil
	}
	// The API sets the request deadline itself where resolvers start
	// (graphql.Options.RequestTimeout): cached answers and pages need no
	// timer, and a timer per request is a measurable cost.
	return r.WithContext(ctx), func() {}, nil
}

package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/techconf/techconf"
)

// SubscriptionLimits bound the open subscriptions (WebSocket and SSE) of
// the whole process and of one client address. One value is shared by the
// handlers of every edition.
type SubscriptionLimits struct {
	Max       int // default 30,000
	PerClient int // default 3,000
	mu        sync.Mutex
	open      int
	perClient map[string]int
}

func (l *SubscriptionLimits) acquire(client string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	max, per := l.Max, l.PerClient
	if max <= 0 {
		max = 30000
	}
	if per <= 0 {
		per = 3000
	}
	if l.open >= max {
		return techconf.Errorf(techconf.EUNAVAILABLE, "this server holds as many subscriptions as it can (%d); retry in a few seconds", max)
	}
	if l.perClient[client] >= per {
		return techconf.Errorf(techconf.EUNAVAILABLE, "too many subscriptions from this address (at most %d); close some and retry", per)
	}
	if l.perClient == nil {
		l.perClient = map[string]int{}
	}
	l.open++
	l.perClient[client]++
	return nil
}

func (l *SubscriptionLimits) release(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.perClient[client]--; l.perClient[client] <= 0 {
		delete(l.perClient, client)
	}
}

// Open returns how many subscriptions the limits count now.
func (l *SubscriptionLimits) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Close codes of graphql-transport-ws that gqlgen does not send itself.
const (
	// closeDuplicateID: "Subscriber for <id> already exists".
	closeDuplicateID = 4409
)

// limitedWebsockets wraps gqlgen's WebSocket implementation with what the
// protocol asks and gqlgen leaves out: a subscribe message that reuses the
// id of an open operation closes the socket with 4409; and a socket that
// holds no subscription for idle is closed, so that a client cannot keep
// thousands of initialised but unused sockets open.
type limitedWebsockets struct {
	next transport.WebsocketImplementation
	idle time.Duration
}

func (i limitedWebsockets) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := i.next.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	lc := &limitedConn{WebsocketConn: c, active: map[string]bool{}, idle: i.idle}
	lc.timer = time.AfterFunc(i.idle, lc.closeIdle)
	return lc, nil
}

type limitedConn struct {
	transport.WebsocketConn
	idle time.Duration

	mu     sync.Mutex
	active map[string]bool // ids of the operations in progress
	timer  *time.Timer     // runs while active is empty
}

// wsMessage is what limitedConn reads of every message.
type wsMessage struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func (c *limitedConn) NextReader() (int, io.Reader, error) {
	kind, r, err := c.WebsocketConn.NextReader()
	if err != nil {
		return kind, r, err
	}
	// The implementation has read the whole message, within the read
	// limit; reading it again costs a copy, not a wait.
	data, err := io.ReadAll(r)
	if err != nil {
		return kind, nil, err
	}
	var m wsMessage
	if json.Unmarshal(data, &m) == nil {
		switch m.Type {
		case "subscribe", "start":
			c.mu.Lock()
			dup := c.active[m.ID]
			c.active[m.ID] = true
			c.timer.Stop()
			c.mu.Unlock()
			if dup && m.Type == "subscribe" {
				_ = c.WebsocketConn.WriteClose(closeDuplicateID, excerpt("Subscriber for "+m.ID+" already exists", 120))
				return kind, nil, transport.ErrWebsocketClosed
			}
		case "complete", "stop":
			c.end(m.ID)
		}
	}
	return kind, bytes.NewReader(data), nil
}

// WriteJSON notes the operations the server ends (complete, error),
// before the client can read that they ended and reuse the id.
func (c *limitedConn) WriteJSON(v any) error {
	if rv := reflect.Indirect(reflect.ValueOf(v)); rv.Kind() == reflect.Struct {
		t, id := rv.FieldByName("Type"), rv.FieldByName("ID")
		if t.IsValid() && id.IsValid() && t.Kind() == reflect.String && id.Kind() == reflect.String {
			if s := t.String(); s == "complete" || s == "error" {
				c.end(id.String())
			}
		}
	}
	return c.WebsocketConn.WriteJSON(v)
}

func (c *limitedConn) end(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.active[id] {
		return
	}
	delete(c.active, id)
	if len(c.active) == 0 {
		c.timer.Reset(c.idle)
	}
}

func (c *limitedConn) closeIdle() {
	c.mu.Lock()
	idle := len(c.active) == 0
	c.mu.Unlock()
	if idle {
		_ = c.WebsocketConn.WriteClose(transport.WebsocketCloseNormalClosure, "no subscription for "+c.idle.String())
	}
}

func (c *limitedConn) Close() error {
	c.timer.Stop()
	return c.WebsocketConn.Close()
}

// SetReadLimit and SetReadDeadline pass gqlgen's settings through.
func (c *limitedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline passes gqlgen's ping-pong deadline through.
func (c *limitedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// excerpt keeps at most max bytes of client-chosen text for a message.
func excerpt(s string, max int) string {
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}

type subscriptionLimitsKey struct{}

func withSubscriptionLimits(ctx context.Context, l *SubscriptionLimits) context.Context {
	if l == nil {
		return ctx
	}
	return context.WithValue(ctx, subscriptionLimitsKey{}, l)
}

// acquireProcessSubscription takes a subscription slot of the process and
// of the client until ctx is done.
func acquireProcessSubscription(ctx context.Context) error {
	l, _ := ctx.Value(subscriptionLimitsKey{}).(*SubscriptionLimits)
	if l == nil {
		return nil
	}
	client := techconf.Client(ctx)
	if err := l.acquire(client); err != nil {
		return err
	}
	context.AfterFunc(ctx, func() { l.release(client) })
	return nil
}

// Package liveclient is a small subscriber for techconf's live likes:
// WebSocket (graphql-transport-ws and the legacy graphql-ws) and SSE
// streams, for techconf-bench and for tests that hold many subscribers.
//
// It is its own rather than a library's: a library connection
// (coder/websocket, or net/http's client for SSE) costs tens of
// kilobytes and two or more goroutines, and one bench process holds up
// to the file limit's worth of connections (19,000 here) beside the
// server it measures. A connection here is the socket, a 1 KiB read
// buffer, and the one goroutine its reader runs on. Tests that need a
// client as browsers and apps use it take the real libraries instead
// (graphql/clients_test.go).
package liveclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"
)

// sourceSeq spreads client source addresses over 127.0.0.0/8 when the
// target is on loopback: one address has about 28,000 ephemeral ports,
// and the server's per-address limits would count every subscriber as
// one client.
var sourceSeq atomic.Uint64

// sourceAddr returns the next source address for a loopback host (one
// of 127.1.0.1 to 127.1.0.250, in turn), or nil for any other host.
func sourceAddr(host string) *net.TCPAddr {
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		return nil
	}
	n := sourceSeq.Add(1) % 250
	return &net.TCPAddr{IP: net.IPv4(127, 1, 0, byte(1+n))}
}

// dial opens a TCP connection to u's host, from a spread source address
// on loopback.
func dial(ctx context.Context, u *url.URL) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if la := sourceAddr(u.Hostname()); la != nil {
		d.LocalAddr = la
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	return d.DialContext(ctx, "tcp", host)
}

// WS is one client WebSocket.
type WS struct {
	nc net.Conn
	br *bufio.Reader
}

// DialWS opens a WebSocket with the subprotocol to a ws:// or http:// URL.
func DialWS(ctx context.Context, rawURL, subprotocol string) (*WS, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	nc, err := dial(ctx, u)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		base64.StdEncoding.EncodeToString(key[:]) + "\r\nSec-WebSocket-Protocol: " + subprotocol + "\r\n\r\n"
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	_ = nc.SetDeadline(time.Time{})
	return &WS{nc: nc, br: br}, nil
}

// WriteJSON sends v as a masked text frame.
func (c *WS) WriteJSON(v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.writeFrame(1, p)
}

func (c *WS) writeFrame(op byte, p []byte) error {
	f := []byte{0x80 | op}
	switch n := len(p); {
	case n <= 125:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	f = append(f, mask[:]...)
	for i, b := range p {
		f = append(f, b^mask[i&3])
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(f)
	return err
}

// ErrClosed is a close frame from the server.
var ErrClosed = errors.New("closed by the server")

// Read returns the next text or binary message, answering pings.
func (c *WS) Read() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return nil, err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 1<<20 || uint64(len(msg))+n > 1<<20 {
			return nil, errors.New("message larger than 1 MiB")
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		switch op := h[0] & 0x0f; op {
		case 8:
			return nil, ErrClosed
		case 9:
			if err := c.writeFrame(10, p); err != nil {
				return nil, err
			}
		case 10:
		default:
			if h[0]&0x80 != 0 && msg == nil {
				return p, nil // the usual unfragmented message: no copy
			}
			msg = append(msg, p...)
			if h[0]&0x80 != 0 {
				return msg, nil
			}
		}
	}
}

// Close closes the connection at once.
func (c *WS) Close() error { return c.nc.Close() }

// SSE is one client SSE stream: a POST with Accept: text/event-stream.
type SSE struct {
	nc   net.Conn
	body *bufio.Reader // the response body, chunks decoded
}

// DialSSE posts the JSON body (a GraphQL request) to an http:// URL and
// reads the response's status and header: a status other than 200 or a
// Content-Type other than text/event-stream is an error.
func DialSSE(ctx context.Context, rawURL string, body []byte) (*SSE, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	nc, err := dial(ctx, u)
	if err != nil {
		return nil, err
	}
	req := "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + string(body)
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(nc, 1024), nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		nc.Close()
		return nil, fmt.Errorf("HTTP %d, %s: %s", resp.StatusCode, ct, b)
	}
	_ = nc.SetDeadline(time.Time{})
	return &SSE{nc: nc, body: bufio.NewReaderSize(resp.Body, 256)}, nil
}

// Event is one server-sent event: its type ("next", "complete") and
// data.
type Event struct {
	Type string
	Data []byte
}

// Next returns the next event, skipping comments (keep-alives). An
// event without an "event:" field has the type "message", as in
// browsers. At the end of the stream it returns io.EOF.
func (s *SSE) Next() (Event, error) {
	var ev Event
	seen := false
	for {
		line, err := s.body.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if len(long) > 1<<20 {
					return ev, errors.New("event line longer than 1 MiB")
				}
				line, err = s.body.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				err = io.EOF // the stream ended with the connection
			}
			return ev, err
		}
		line = bytes.TrimRight(line, "\r\n")
		switch {
		case len(line) == 0:
			if seen {
				if ev.Type == "" {
					ev.Type = "message"
				}
				return ev, nil
			}
		case line[0] == ':':
		default:
			seen = true
			field, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(field) {
			case "event":
				ev.Type = string(value)
			case "data":
				if ev.Data != nil {
					ev.Data = append(ev.Data, '\n')
				}
				ev.Data = append(ev.Data, value...)
			}
		}
	}
}

// Close closes the connection at once.
func (s *SSE) Close() error { return s.nc.Close() }

// LikeEvent is the likeAdded event the bench and tests ask for
// ({ likes total }), with the id of its subscription on a WebSocket.
type LikeEvent struct {
	ID           string
	Type         string // next or data (legacy graphql-ws); for SSE, the event's type
	Likes, Total int64
}

// ParseWS reads a WebSocket message. An event of the shape { likes total }
// is read without encoding/json: at 100,000 subscriptions the bench reads
// 400,000 events a second on one core, and a tool that falls behind
// measures itself rather than the server.
func ParseWS(data []byte) (LikeEvent, bool) {
	const prefix = `{"payload":{"data":{"likeAdded":{"likes":`
	if rest, ok := bytes.CutPrefix(data, []byte(prefix)); ok {
		likes, rest, ok1 := cutInt(rest)
		rest, ok2 := bytes.CutPrefix(rest, []byte(`,"total":`))
		total, rest, ok3 := cutInt(rest)
		rest, ok4 := bytes.CutPrefix(rest, []byte(`}}},"id":"`))
		id, rest, ok5 := bytes.Cut(rest, []byte(`"`))
		if ok1 && ok2 && ok3 && ok4 && ok5 {
			// next on graphql-transport-ws, data on the legacy graphql-ws
			switch string(rest) {
			case `,"type":"next"}`:
				return LikeEvent{ID: string(id), Type: "next", Likes: likes, Total: total}, true
			case `,"type":"data"}`:
				return LikeEvent{ID: string(id), Type: "data", Likes: likes, Total: total}, true
			}
		}
	}
	var m struct {
		ID      string
		Type    string
		Payload struct {
			Data struct{ LikeAdded struct{ Likes, Total int64 } }
		}
	}
	if json.Unmarshal(data, &m) != nil {
		return LikeEvent{}, false
	}
	return LikeEvent{ID: m.ID, Type: m.Type, Likes: m.Payload.Data.LikeAdded.Likes, Total: m.Payload.Data.LikeAdded.Total}, true
}

// ParseSSE reads the data of an SSE event (a GraphQL response), the
// shape { likes total } without encoding/json; ok is false for anything
// that is not a likeAdded event (errors, say).
func ParseSSE(data []byte) (likes, total int64, ok bool) {
	const prefix = `{"data":{"likeAdded":{"likes":`
	if rest, found := bytes.CutPrefix(data, []byte(prefix)); found {
		likes, rest, ok1 := cutInt(rest)
		rest, ok2 := bytes.CutPrefix(rest, []byte(`,"total":`))
		total, rest, ok3 := cutInt(rest)
		if ok1 && ok2 && ok3 && bytes.Equal(rest, []byte(`}}}`)) {
			return likes, total, true
		}
	}
	var r struct {
		Data *struct{ LikeAdded *struct{ Likes, Total int64 } }
	}
	if json.Unmarshal(data, &r) != nil || r.Data == nil || r.Data.LikeAdded == nil {
		return 0, 0, false
	}
	return r.Data.LikeAdded.Likes, r.Data.LikeAdded.Total, true
}

func cutInt(b []byte) (int64, []byte, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	n, err := strconv.ParseInt(string(b[:i]), 10, 64)
	return n, b[i:], err == nil
}

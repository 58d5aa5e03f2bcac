// Package live serves WebSocket connections, and HTTP response streams
// such as SSE (Hijack), for many long-lived, mostly idle subscribers at a
// few kilobytes each.
//
// A connection from net/http costs its serving goroutine (an 8 KiB stack
// and more), a 4 KiB read buffer, and, with a WebSocket library on top,
// further goroutines and buffers: gqlgen's transport over coder/websocket
// measured about 52 KB per subscriber. Here a connection is hijacked and
// net/http's goroutine and buffers are returned at once. What remains per
// connection is one goroutine blocked in a read of the socket (its stack
// shrinks to 2 to 4 KiB), this struct, and no buffer while nothing is
// pending. There is no writer goroutine: whoever has something to send
// (the protocol's reader, or a shared fan-out worker) tries a
// non-blocking write of the socket; only when the kernel's send buffer is
// full does a goroutine take the rest and write it with a deadline, and
// it ends when the backlog is written. A client that does not read within
// the deadline is disconnected; one that reads slowly never holds up a
// writer, and Backlogged lets the protocol coalesce what it would have
// sent into a later message.
//
// We frame RFC 6455 ourselves (a header of 2 to 14 bytes; text, binary,
// continuation, ping, pong, close) rather than take gobwas/ws or an epoll
// server such as lesismal/nbio: the frame code is small, the blocked read
// costs about as much as an epoll registration plus its buffers once the
// stack has shrunk, and the handshake stays with net/http, where the
// server's limits, logging and security headers already apply.
package live

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"
)

// Close codes used by the connection itself.
const (
	CloseNormal        = 1000
	CloseProtocolError = 1002
	CloseNoStatus      = 1005
	CloseTooBig        = 1009
)

// Handler is told what happens on a connection. Its methods run on the
// connection's reader goroutine, one at a time.
type Handler interface {
	// Message is a complete text or binary message from the client.
	Message(c *Conn, data []byte)
	// ReadTimeout is a read deadline set with SetReadDeadline passing.
	ReadTimeout(c *Conn)
	// Drained is the end of a backlog (see Backlogged); it runs on the
	// goroutine that wrote the backlog.
	Drained(c *Conn)
	// Closed is the end of the connection, once.
	Closed(c *Conn)
}

// Options bound a connection.
type Options struct {
	MaxMessage   int           // larger messages close the connection with 1009; default 1 MiB
	WriteTimeout time.Duration // a client that reads nothing this long is dropped; default 10 s
	MaxBacklog   int           // a client with more unwritten bytes is dropped; default 1 MiB
	// Release runs once when the connection has ended (the server's
	// count of open streams, say).
	Release func()
}

// Conn is one WebSocket connection.
type Conn struct {
	nc   net.Conn
	raw  syscall.RawConn // nil when the connection is not a socket
	opts Options
	h    Handler
	pre  []byte   // bytes net/http had read past the handshake
	hdr  [14]byte // the frame header being read
	msg  []byte   // a fragmented message being assembled
	// stream is an HTTP response stream (Hijack) rather than a
	// WebSocket: what the client sends is discarded.
	stream    bool
	discarded int // bytes of a stream's client discarded
	// lastSend is when a stream's bytes were last given to Send (Unix
	// nanoseconds), for keep-alives that only fill silences.
	lastSend atomic.Int64

	mu       sync.Mutex
	out      []byte // backlog: bytes not written yet
	flushing bool   // a goroutine is writing the backlog
	closing  bool   // a close frame was sent
	dead     bool   // the socket is closed (or being closed)
}

// Upgrade completes the handshake that the caller has checked with
// CheckHandshake, hijacks the connection and starts its reader. h is told
// of every message until the connection ends.
func Upgrade(w http.ResponseWriter, r *http.Request, subprotocol string, opts Options, h Handler) (*Conn, error) {
	opts.defaults()
	hd := w.Header()
	hd.Set("Upgrade", "websocket")
	hd.Set("Connection", "Upgrade")
	hd.Set("Sec-WebSocket-Accept", acceptKey(r.Header.Get("Sec-WebSocket-Key")))
	if subprotocol != "" {
		hd.Set("Sec-WebSocket-Protocol", subprotocol)
	}
	w.WriteHeader(http.StatusSwitchingProtocols)
	nc, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, err
	}
	c := &Conn{nc: nc, opts: opts, h: h}
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		c.pre = append([]byte(nil), b...)
	}
	c.raw = rawConn(nc)
	go c.read()
	return c, nil
}

// Hijack takes over an HTTP/1.x response whose status and headers
// (and first bytes of body, if any) the caller has written and flushed
// through w, for a stream of server-sent bytes: it costs what a
// WebSocket connection costs here (see the package comment), where
// net/http would keep its goroutine and buffers for as long as the
// stream lasts. The caller frames what it sends (chunked encoding, say);
// End sends the last bytes and closes. The reader discards what the
// client sends and notices when it goes.
func Hijack(w http.ResponseWriter, opts Options, h Handler) (*Conn, error) {
	opts.defaults()
	nc, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return nil, err
	}
	c := &Conn{nc: nc, opts: opts, h: h, stream: true}
	c.raw = rawConn(nc)
	go c.read()
	return c, nil
}

func (o *Options) defaults() {
	if o.MaxMessage == 0 {
		o.MaxMessage = 1 << 20
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = 10 * time.Second
	}
	if o.MaxBacklog == 0 {
		o.MaxBacklog = 1 << 20
	}
}

// rawConn finds the socket under wrappers that expose it as tls.Conn
// does (NetConn).
func rawConn(nc net.Conn) syscall.RawConn {
	for i := 0; i < 8; i++ {
		if sc, ok := nc.(syscall.Conn); ok {
			rc, err := sc.SyscallConn()
			if err != nil {
				return nil
			}
			return rc
		}
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return nil
		}
		nc = u.NetConn()
	}
	return nil
}

func acceptKey(key string) string {
	h := sha1.New()
	h.Write([]byte(key))
	h.Write([]byte("258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// CheckHandshake reports whether r is a WebSocket handshake this package
// completes: HTTP/1.1 GET with the Upgrade headers, version 13 and a
// well-formed key. The caller leaves anything else to a handler that
// answers it with the right error.
func CheckHandshake(r *http.Request) bool {
	if !r.ProtoAtLeast(1, 1) || r.Method != http.MethodGet ||
		!headerHasToken(r.Header, "Connection", "upgrade") || !headerHasToken(r.Header, "Upgrade", "websocket") ||
		r.Header.Get("Sec-WebSocket-Version") != "13" {
		return false
	}
	keys := r.Header.Values("Sec-WebSocket-Key")
	if len(keys) != 1 {
		return false
	}
	k, err := base64.StdEncoding.DecodeString(keys[0])
	return err == nil && len(k) == 16
}

// HeaderTokens returns the comma-separated tokens of a header's values.
func HeaderTokens(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values(name) {
		for len(v) > 0 {
			var tok string
			tok, v, _ = cutComma(v)
			if tok = trimSpace(tok); tok != "" {
				out = append(out, tok)
			}
		}
	}
	return out
}

func cutComma(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, t := range HeaderTokens(h, name) {
		if equalFold(t, token) {
			return true
		}
	}
	return false
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// SetReadDeadline sets the socket's read deadline; the handler's
// ReadTimeout runs when it passes.
func (c *Conn) SetReadDeadline(t time.Time) { _ = c.nc.SetReadDeadline(t) }

// fill reads exactly len(b) bytes, first from what net/http had buffered.
func (c *Conn) fill(b []byte) error {
	if len(c.pre) > 0 {
		n := copy(b, c.pre)
		c.pre = c.pre[n:]
		if len(c.pre) == 0 {
			c.pre = nil
		}
		b = b[n:]
	}
	if len(b) == 0 {
		return nil
	}
	for len(b) > 0 { // io.ReadFull without its frames: the blocked stack stays small
		n, err := c.nc.Read(b)
		b = b[n:]
		if err != nil && (len(b) > 0 || n == 0) {
			if err == io.EOF && n > 0 {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

var errProtocol = errors.New("websocket protocol error")

// waitReadable blocks until the socket has something to read, in as
// shallow a stack as the runtime allows: a connection spends its life
// here, and a goroutine that uses less than a quarter of its stack there
// gets it shrunk to the 2 KiB minimum at the next collection. The read
// through net.Conn that follows would block several frames deeper.
func (c *Conn) waitReadable() error {
	if c.raw == nil || len(c.pre) > 0 {
		return nil
	}
	return c.raw.Read(func(fd uintptr) bool {
		_, _, e := syscall.Recvfrom(int(fd), c.hdr[:1], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		if e == syscall.EAGAIN {
			return false // wait for the poller
		}
		return true // data, end of stream or an error: the read tells which
	})
}

// read is the connection's one goroutine: it reads frames until the
// connection ends. After a message the handler may have grown its stack
// (a subscription is parsed and validated there) to 8 KiB or more, which
// the runtime shrinks only slowly; a new goroutine, with a 2 KiB stack,
// takes over the reading instead.
func (c *Conn) read() {
	for {
		delivered, err := false, c.waitReadable()
		if err == nil {
			if c.stream {
				err = c.discard()
			} else {
				delivered, err = c.readFrame()
			}
		}
		if err == nil {
			if delivered {
				go c.read()
				return
			}
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) && !c.isClosing() {
			c.h.ReadTimeout(c)
			continue
		}
		switch {
		case errors.Is(err, errProtocol):
			c.Close(CloseProtocolError, "protocol error")
		case errors.Is(err, errTooBig):
			c.Close(CloseTooBig, "message too big")
		default:
			c.finish()
			return
		}
		if c.isDead() {
			c.finish()
			return
		}
	}
}

var errTooBig = errors.New("message too big")

// discard reads and drops what a stream's client sends (nothing, as a
// rule): the read is how the end of the connection is noticed. A client
// that sends more than maxStreamInput is not an HTTP client waiting for
// its answer, and is disconnected (net/http would stop reading it).
func (c *Conn) discard() error {
	n, err := c.nc.Read(c.hdr[:])
	if c.discarded += n; c.discarded > maxStreamInput {
		return errStreamInput
	}
	return err
}

const maxStreamInput = 64 << 10

var errStreamInput = errors.New("a stream's client sent more than it may")

// readFrame reads one frame and acts on it; delivered says it completed
// a message for the handler.
func (c *Conn) readFrame() (delivered bool, err error) {
	err = c.readFrameInto(&delivered)
	return delivered, err
}

func (c *Conn) readFrameInto(delivered *bool) error {
	h := c.hdr[:2]
	if err := c.fill(h); err != nil {
		return err
	}
	fin, op := h[0]&0x80 != 0, h[0]&0x0f
	masked, n := h[1]&0x80 != 0, int64(h[1]&0x7f)
	if h[0]&0x70 != 0 || !masked {
		return errProtocol
	}
	switch n {
	case 126:
		if err := c.fill(c.hdr[2:4]); err != nil {
			return err
		}
		n = int64(binary.BigEndian.Uint16(c.hdr[2:4]))
	case 127:
		if err := c.fill(c.hdr[2:10]); err != nil {
			return err
		}
		n = int64(binary.BigEndian.Uint64(c.hdr[2:10]))
		if n < 0 {
			return errProtocol
		}
	}
	var key [4]byte
	if err := c.fill(c.hdr[10:14]); err != nil {
		return err
	}
	copy(key[:], c.hdr[10:14])
	if op >= 8 && (n > 125 || !fin) {
		return errProtocol
	}
	if int64(len(c.msg))+n > int64(c.opts.MaxMessage) {
		return errTooBig
	}
	payload := make([]byte, n)
	if err := c.fill(payload); err != nil {
		return err
	}
	for i := range payload {
		payload[i] ^= key[i&3]
	}
	switch op {
	case 0: // continuation
		if c.msg == nil {
			return errProtocol
		}
		c.msg = append(c.msg, payload...)
		if fin {
			m := c.msg
			c.msg = nil
			*delivered = c.deliver(m)
		}
	case 1, 2:
		if c.msg != nil {
			return errProtocol
		}
		if !fin {
			c.msg = append(make([]byte, 0, len(payload)), payload...)
			return nil
		}
		*delivered = c.deliver(payload)
	case 8:
		code := CloseNoStatus
		if len(payload) >= 2 {
			code = int(binary.BigEndian.Uint16(payload))
		}
		if !c.isClosing() {
			// Echo the client's code, as RFC 6455 asks.
			c.writeClose(code, "")
		}
		return io.EOF
	case 9:
		c.Send(frame(nil, 10, payload))
	case 10:
	default:
		return errProtocol
	}
	return nil
}

func (c *Conn) deliver(m []byte) bool {
	if c.isClosing() {
		return false
	}
	c.h.Message(c, m)
	return true
}

func (c *Conn) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing || c.dead
}

func (c *Conn) isDead() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}

// finish closes the socket once the reader has stopped.
func (c *Conn) finish() {
	c.mu.Lock()
	c.dead = true
	c.out = nil
	c.mu.Unlock()
	_ = c.nc.Close()
	c.h.Closed(c)
	if c.opts.Release != nil {
		c.opts.Release()
	}
}

// AppendText appends a text frame carrying the concatenation of parts to
// dst, for Write.
func AppendText(dst []byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	dst = appendHeader(dst, 1, n)
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return dst
}

func appendHeader(dst []byte, op byte, n int) []byte {
	dst = append(dst, 0x80|op)
	switch {
	case n <= 125:
		dst = append(dst, byte(n))
	case n <= 0xffff:
		dst = append(dst, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, 127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	return dst
}

func frame(dst []byte, op byte, payload []byte) []byte {
	return append(appendHeader(dst, op, len(payload)), payload...)
}

// SendText sends one text message.
func (c *Conn) SendText(msg []byte) { c.Send(AppendText(nil, msg)) }

// Backlogged reports whether the connection has bytes waiting for the
// client to read, or is closing: a sender that can coalesce its messages
// should hold them until Drained.
func (c *Conn) Backlogged() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flushing || c.closing || c.dead
}

// Send writes frames (built with AppendText) without blocking: what the
// socket does not take at once is left to a goroutine that writes it
// within the write timeout. Send never keeps frames.
func (c *Conn) Send(frames []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sendLocked(frames)
}

func (c *Conn) sendLocked(frames []byte) {
	if c.dead || c.closing || len(frames) == 0 {
		return // nothing follows a close frame
	}
	if c.stream {
		c.lastSend.Store(time.Now().UnixNano())
	}
	if c.flushing {
		if len(c.out)+len(frames) > c.opts.MaxBacklog {
			c.killLocked()
			return
		}
		c.out = append(c.out, frames...)
		return
	}
	n := c.tryWrite(frames)
	if n < 0 {
		c.killLocked()
		return
	}
	if n == len(frames) {
		return
	}
	c.out = append(c.out[:0], frames[n:]...)
	c.flushing = true
	go c.flush()
}

// tryWrite writes what the socket takes now; -1 on an error.
func (c *Conn) tryWrite(b []byte) int {
	if c.raw == nil {
		return 0 // the flush goroutine writes everything
	}
	written := 0
	var werr error
	err := c.raw.Write(func(fd uintptr) bool {
		for written < len(b) {
			n, err := writeNow(fd, b[written:])
			if n > 0 {
				written += n
			}
			if err == syscall.EINTR {
				continue
			}
			if err != 0 {
				if err != syscall.EAGAIN {
					werr = err
				}
				return true
			}
			if n == 0 {
				return true
			}
		}
		return true
	})
	if err != nil || werr != nil {
		return -1
	}
	return written
}

// flush writes the backlog with a deadline, then tells the handler.
func (c *Conn) flush() {
	for {
		c.mu.Lock()
		b := c.out
		if len(b) == 0 || c.dead {
			c.out = nil
			c.flushing = false
			closing, dead := c.closing, c.dead
			c.mu.Unlock()
			if closing && !dead {
				c.shutWrite()
			}
			if !dead {
				c.h.Drained(c)
			}
			return
		}
		c.out = nil
		c.mu.Unlock()
		_ = c.nc.SetWriteDeadline(time.Now().Add(c.opts.WriteTimeout))
		if _, err := c.nc.Write(b); err != nil {
			c.mu.Lock()
			c.killLocked()
			c.mu.Unlock()
		}
	}
}

// killLocked drops the connection: the reader's read fails and it ends.
func (c *Conn) killLocked() {
	if c.dead {
		return
	}
	c.dead = true
	c.out = nil
	_ = c.nc.Close()
}

// LastSend is when a stream's bytes (see Hijack) were last sent or
// queued; zero before any, and always on a WebSocket.
func (c *Conn) LastSend() time.Time {
	if n := c.lastSend.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// End sends the last bytes of a stream (see Hijack) and closes it once
// they are written; nothing is sent after them.
func (c *Conn) End(last []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || c.dead {
		return
	}
	c.sendLocked(last)
	c.closingLocked()
}

// Close sends a close frame with code and reason, then waits (in the
// reader, at most 5 s) for the client's close frame before closing the
// socket, so that the client reads the frame rather than a reset.
func (c *Conn) Close(code int, reason string) { c.writeClose(code, reason) }

func (c *Conn) writeClose(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || c.dead {
		return
	}
	if c.stream { // no close frame in an HTTP response
		c.closingLocked()
		return
	}
	var p []byte
	if code != CloseNoStatus {
		if len(reason) > 123 {
			reason = reason[:123]
			for !utf8.ValidString(reason) {
				reason = reason[:len(reason)-1]
			}
		}
		p = binary.BigEndian.AppendUint16(nil, uint16(code))
		p = append(p, reason...)
	}
	c.sendLocked(frame(nil, 8, p))
	c.closingLocked()
}

// closingLocked marks the end of what is sent: the write side is shut
// once the backlog is written, and the reader waits at most 5 s for the
// client to close its side.
func (c *Conn) closingLocked() {
	c.closing = true
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if !c.flushing && !c.dead {
		c.shutWrite()
	}
}

// shutWrite ends the sending side once the close frame is out.
func (c *Conn) shutWrite() {
	nc := c.nc
	for i := 0; i < 8; i++ {
		if cw, ok := nc.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
			return
		}
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			return
		}
		nc = u.NetConn()
	}
}
